import { execFile } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  concurrency: number;
  durationMs: number;
  /** Requests made and thrown away first, so both sides are warm when measuring starts. */
  warmupMs?: number;
}

export interface LoadResult {
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Answers other than 200, and failed requests. */
  errors: number;
}

/**
 * A closed-loop HTTP load: `concurrency` keep-alive connections, each sending its next GET as
 * soon as the previous answer is read. Runs in a process of its own, so the load generator does
 * not queue behind the server it measures.
 */
export function measureLoad(options: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), JSON.stringify(options)], (error, stdout) => {
      if (error) reject(error);
      else resolve(JSON.parse(stdout) as LoadResult);
    });
  });
}

function get(agent: http.Agent, url: URL, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent, headers }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
    });
    request.once('error', reject);
  });
}

async function run(options: LoadOptions): Promise<LoadResult> {
  const url = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const headers = options.headers ?? {};
  const latencies: number[] = [];
  let errors = 0;
  const loop = async (until: number, record: boolean) => {
    while (performance.now() < until) {
      const started = performance.now();
      const status = await get(agent, url, headers).catch(() => 0);
      if (!record) continue;
      latencies.push(performance.now() - started);
      if (status !== 200) errors += 1;
    }
  };
  const warmupEnd = performance.now() + (options.warmupMs ?? 1_000);
  await Promise.all(Array.from({ length: options.concurrency }, () => loop(warmupEnd, false)));
  const started = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, () => loop(started + options.durationMs, true)));
  const elapsed = performance.now() - started;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (quantile: number) => latencies[Math.min(latencies.length - 1, Math.floor(quantile * latencies.length))] ?? 0;
  return { requests: latencies.length, perSecond: (latencies.length / elapsed) * 1000, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1), errors };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(JSON.stringify(await run(JSON.parse(process.argv[2]!) as LoadOptions)));
}
