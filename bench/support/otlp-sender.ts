import { execFile, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

export interface OtlpSendOptions {
  /** e.g. `http://127.0.0.1:4318/v1/traces`. */
  url: string;
  /** A file of request bodies, base64, one per line. */
  bodiesFile: string;
  /** `application/json` or `application/x-protobuf`. */
  contentType: string;
  requestsInFlight: number;
}

/**
 * Posts OTLP requests from a process of its own, as instrumented apps do: the load does not
 * queue behind the control plane sharing the bench's event loop. Resolves with the moments (this
 * process's `performance.now()`) the first request went out and the last one was accepted, the
 * sender's CPU time, and how many answers were 429 (spool full: retried after Retry-After).
 */
export function sendOtlp(options: OtlpSendOptions, onStart: () => void): Promise<{ started: number; accepted: number; cpuMs: number; refused: number }> {
  return new Promise((resolve, reject) => {
    let started = 0;
    let cpuMs = 0;
    let refused = 0;
    const child: ChildProcess = execFile(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), JSON.stringify(options)], (error) => {
      if (error) reject(error);
      else resolve({ started, accepted: performance.now(), cpuMs, refused });
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      if (text.includes('started')) {
        started = performance.now();
        onStart();
      }
      const done = /cpu (\d+) refused (\d+)/.exec(text);
      if (done) [cpuMs, refused] = [Number(done[1]), Number(done[2])];
    });
  });
}

function post(agent: http.Agent, url: URL, contentType: string, body: Buffer): Promise<{ status: number; retryAfter: number }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': body.length } }, (response) => {
      response.resume();
      response.once('end', () => resolve({ status: response.statusCode ?? 0, retryAfter: Number(response.headers['retry-after'] ?? 1) }));
    });
    request.once('error', reject);
    request.end(body);
  });
}

async function run(options: OtlpSendOptions): Promise<void> {
  const bodies = (await readFile(options.bodiesFile, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => Buffer.from(line, 'base64'));
  const url = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.requestsInFlight });
  let next = 0;
  let refused = 0;
  const cpuAtStart = process.cpuUsage();
  process.stdout.write('started\n');
  await Promise.all(
    Array.from({ length: options.requestsInFlight }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        for (;;) {
          const { status, retryAfter } = await post(agent, url, options.contentType, body);
          if (status === 200) break;
          // 429 when the spool is full: an SDK retries after Retry-After; so do we.
          if (status !== 429) throw new Error(`the receiver answered ${status}`);
          refused += 1;
          await new Promise((resolve) => setTimeout(resolve, 1_000 * retryAfter));
        }
      }
    }),
  );
  agent.destroy();
  const cpu = process.cpuUsage(cpuAtStart);
  process.stdout.write(`cpu ${Math.round((cpu.user + cpu.system) / 1000)} refused ${refused}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run(JSON.parse(process.argv[2]!) as OtlpSendOptions);
