import { lookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';

/*
 * A workflow's `http_request`: a user-written URL fetched from inside the control plane, so by
 * default it may not reach loopback, link-local or private addresses (the metadata service, the
 * database, the API itself). The check runs on the address the socket actually connects to (a
 * custom lookup), so a name that resolves differently the second time cannot slip past it. What
 * is kept of the answer is capped.
 */

/** The response body a node keeps, as its `body` output. */
export const HTTP_RESPONSE_KEPT_MAX_BYTES = 64 * 1024;

const internal = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  internal.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  internal.addSubnet(network, prefix, 'ipv6');
}

const isInternal = (address: string) => {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return internal.check(mapped, 'ipv4');
  return internal.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
};

const refused = (address: string) =>
  ApplicationFailure.nonRetryable(`${address} is a loopback, link-local or private address, which this organization's workflows may not reach`, 'ADDRESS_REFUSED');

const guardedLookup: LookupFunction = (hostname, options, callback) => {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 4);
    const list = addresses as unknown as { address: string; family: number }[];
    const blocked = list.find((entry) => isInternal(entry.address));
    if (blocked) return callback(refused(blocked.address) as unknown as NodeJS.ErrnoException, '', 4);
    if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
    return callback(null, list[0]!.address, list[0]!.family);
  });
};

export async function guardedHttpRequest(
  request: { method: string; url: string; headers: Record<string, string>; body?: string },
  options: { allowPrivate: boolean; timeoutSeconds: number; signal?: AbortSignal },
): Promise<{ status: number; body: string }> {
  const url = new URL(request.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!options.allowPrivate && isIP(host) && isInternal(host)) throw refused(host);
  const signals = [AbortSignal.timeout(options.timeoutSeconds * 1000), ...(options.signal ? [options.signal] : [])];
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const outgoing = client.request(
      url,
      { method: request.method, headers: request.headers, signal: AbortSignal.any(signals), ...(options.allowPrivate ? {} : { lookup: guardedLookup }) },
      (response) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        response.on('data', (chunk: Buffer) => {
          if (kept >= HTTP_RESPONSE_KEPT_MAX_BYTES) return;
          chunks.push(chunk.subarray(0, HTTP_RESPONSE_KEPT_MAX_BYTES - kept));
          kept += Math.min(chunk.length, HTTP_RESPONSE_KEPT_MAX_BYTES - kept);
          if (kept >= HTTP_RESPONSE_KEPT_MAX_BYTES) response.destroy();
        });
        const finish = () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        response.on('end', finish);
        response.on('close', finish);
        response.on('error', (error) => (kept >= HTTP_RESPONSE_KEPT_MAX_BYTES ? finish() : reject(error)));
      },
    );
    outgoing.on('error', (error) => reject(error instanceof ApplicationFailure ? error : ApplicationFailure.nonRetryable(`${request.method} ${request.url}: ${error.message}`, 'HTTP_REQUEST_FAILED')));
    outgoing.end(request.body);
  });
}
