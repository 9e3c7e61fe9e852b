import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestRegistry } from '../../tests/support/docker.js';

/*
 * The Go programs of bench/proxy-overhead.ts (bench/support/go/), built at bench time with the
 * host's Go toolchain: standard library only, static, no module download. Bench only, never CI.
 */

const run = promisify(execFile);
const GO = process.env.GO ?? '/usr/local/go/bin/go';
const sources = fileURLToPath(new URL('go/', import.meta.url));
const LOAD_OUTPUT_MAX_BYTES = 1024 * 1024;

export type GoProgram = 'keep-alive-server' | 'http-load' | 'tls-proxy';

/** Builds one program into `outDir`; returns the binary's path. */
export async function buildGoProgram(program: GoProgram, outDir: string): Promise<string> {
  const binary = path.join(outDir, program);
  await run(GO, ['build', '-trimpath', '-o', binary, path.join(sources, program, 'main.go')], { env: { ...process.env, CGO_ENABLED: '0' } });
  return binary;
}

/**
 * The keep-alive server as the only file of an image (`docker import`, as the test images are
 * made), pushed to the bench's registry so the agent pulls it like any deploy.
 */
export async function pushKeepAliveServer(registry: TestRegistry, binary: string): Promise<{ repository: string; tag: string }> {
  const root = await mkdtemp(path.join(tmpdir(), 'syntra-keep-alive-'));
  try {
    const repository = 'syntra/keep-alive';
    const tag = 'bench';
    const target = `${registry.registry}/${repository}:${tag}`;
    const tarball = path.join(root, 'image.tar');
    await run('tar', ['-C', path.dirname(binary), '-cf', tarball, path.basename(binary)]);
    await run('docker', ['import', '--change', `CMD ["/${path.basename(binary)}"]`, '--change', 'EXPOSE 8080', tarball, target]);
    // A private client config: logging in must not touch the machine's ~/.docker.
    const env = { ...process.env, DOCKER_CONFIG: path.join(root, 'client') };
    await new Promise<void>((resolve, reject) => {
      const login = spawn('docker', ['login', registry.registry, '-u', registry.username, '--password-stdin'], { env, stdio: ['pipe', 'ignore', 'inherit'] });
      login.on('exit', (code) => (code === 0 ? resolve() : reject(new Error('docker login to the bench registry failed'))));
      login.stdin.end(registry.password);
    });
    await run('docker', ['push', target], { env });
    await run('docker', ['rmi', target]);
    return { repository, tag };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export interface HttpLoadResult {
  requests: number;
  failed: number;
  per_second: number;
  p50_ms: number;
  p99_ms: number;
  /** The generator's own CPU time over the phase. */
  cpu_ms: number;
}

/** One phase of the Go load generator: closed loop, or open loop at `rate` requests a second (see its header). */
export async function httpLoad(
  binary: string,
  options: { url: string; host?: string; caFile?: string; concurrency: number; seconds: number; rate?: number },
): Promise<HttpLoadResult> {
  const args = ['-url', options.url, '-c', String(options.concurrency), '-d', `${options.seconds}s`];
  if (options.host) args.push('-host', options.host);
  if (options.caFile) args.push('-ca', options.caFile);
  if (options.rate) args.push('-rate', String(options.rate));
  const { stdout } = await run(binary, args, { maxBuffer: LOAD_OUTPUT_MAX_BYTES });
  return JSON.parse(stdout) as HttpLoadResult;
}
