import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';

const stopTimeoutMs = 15_000;

/**
 * A dev stack killed with SIGKILL cannot stop its engines, which keep running and holding their
 * ports and data folders. Each engine records its pid in a file inside its own data folder; if
 * that pid is still alive and is the expected program, it is ours: stop it before starting anew.
 */
export async function stopStaleProcess(pidFile: string, program: string, log: Logger): Promise<void> {
  const pid = await readPid(pidFile);
  if (pid === null || !isAlive(pid) || !(await commandLine(pid)).includes(program)) return;
  log.warn({ pid, program }, 'stopping a leftover engine process from an earlier run');
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + stopTimeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function readPid(pidFile: string): Promise<number | null> {
  try {
    const pid = Number.parseInt((await readFile(pidFile, 'utf8')).split('\n')[0] ?? '', 10);
    return Number.isInteger(pid) && pid > 1 ? pid : null;
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function commandLine(pid: number): Promise<string> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
  } catch {
    return '';
  }
}
