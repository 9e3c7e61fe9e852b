import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP server on loopback that fails the first `?fail=N` requests of each `?key=` with 500,
 * then answers 200 with the count: what the DAG's `http_request` retries are tested against.
 * `hits` counts the requests per key.
 */
export async function startFlakyServer() {
  const hits = new Map<string, number>();
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const key = url.searchParams.get('key') ?? '';
    const count = (hits.get(key) ?? 0) + 1;
    hits.set(key, count);
    response.statusCode = count <= Number(url.searchParams.get('fail') ?? 0) ? 500 : 200;
    response.end(`attempt ${count}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
