import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, rename, rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { promisify } from 'node:util';
import type { UpdateAgentPayload } from '../../contracts/index.js';
import { AgentError, messageOf } from '../errors.js';

const run = promisify(execFile);

/* A release bundle is a few MB; anything far larger is not one, and must not fill the disk. */
const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 120_000;
const PROBE_TIMEOUT_MS = 15_000;

/** How a release-build agent replaces itself: the file it runs from, and a restart into it. */
export interface AgentRelease {
  /** The running bundle; an update writes the new one here (the old one is kept as `.previous`). */
  path: string;
  /** Ends this process and starts the bundle now at `path`, after pending answers have gone out. */
  restart(): void;
}

/**
 * Puts the `wanted` release where the running bundle is: downloads it, checks its SHA-256 (the
 * trusted value arrives over the authenticated session, so the download itself may be plain
 * HTTP), asks the new bundle for its version and swaps it in atomically, keeping the old one as
 * `.previous`. Each failure leaves the running bundle untouched and throws its own code;
 * restarting into the new one is the caller's move.
 */
export async function installRelease(release: AgentRelease, wanted: Pick<UpdateAgentPayload, 'version' | 'download_url' | 'sha256'>): Promise<void> {
  // Named .mjs: `--version` below runs it, and Node loads only known extensions as ES modules.
  const staged = `${release.path}.${wanted.version}.download.mjs`;
  try {
    const sha256 = await download(wanted.download_url, staged);
    if (sha256 !== wanted.sha256) {
      throw new AgentError('CHECKSUM_MISMATCH', `The download from ${wanted.download_url} has SHA-256 ${sha256}, not the expected ${wanted.sha256}`);
    }
    const reported = await probeVersion(staged);
    if (reported !== wanted.version) {
      throw new AgentError('VERSION_MISMATCH', `The downloaded agent reports version ${reported}, not ${wanted.version}`);
    }
    await copyFile(release.path, `${release.path}.previous`);
    await rename(staged, release.path);
  } finally {
    await rm(staged, { force: true });
  }
}

async function download(url: string, target: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  } catch (error) {
    throw new AgentError('DOWNLOAD_FAILED', `Could not download ${url}: ${messageOf(error)}`);
  }
  if (!response.ok || !response.body) throw new AgentError('DOWNLOAD_FAILED', `Downloading ${url} answered HTTP ${response.status}`);
  const hash = createHash('sha256');
  let bytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > MAX_BUNDLE_BYTES) return callback(new AgentError('DOWNLOAD_FAILED', `${url} is larger than ${MAX_BUNDLE_BYTES} bytes: not an agent release`));
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), measure, createWriteStream(target, { mode: 0o755 }));
  } catch (error) {
    if (error instanceof AgentError) throw error;
    throw new AgentError('DOWNLOAD_FAILED', `Downloading ${url} broke off: ${messageOf(error)}`);
  }
  return hash.digest('hex');
}

/* Running the new bundle once before trusting it catches a build that does not even start here. */
async function probeVersion(bundle: string): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [bundle, '--version'], { timeout: PROBE_TIMEOUT_MS });
    return stdout.trim();
  } catch (error) {
    throw new AgentError('UPDATE_FAILED', `The downloaded agent does not start: ${messageOf(error)}`);
  }
}

/**
 * Replaces this process with the bundle at `bundlePath`, same arguments and environment. Under
 * systemd (`INVOCATION_ID` is set) the unit's `Restart=always` starts it; elsewhere the agent
 * starts its successor itself, detached, before it exits.
 */
export function relaunch(bundlePath: string): never {
  if (!process.env.INVOCATION_ID) {
    spawn(process.execPath, [...process.execArgv, bundlePath, ...process.argv.slice(2)], { detached: true, stdio: 'inherit', env: process.env }).unref();
  }
  process.exit(0);
}
