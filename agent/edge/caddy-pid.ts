import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const STOP_TIMEOUT_MS = 10_000;
const POLL_MS = 100;

/*
 * The Caddy an agent runs is followed by its pid, kept in the run folder, not by a child process
 * handle: it outlives the agent process that started it (a crash, or a self-update that leaves it
 * serving), and the next agent process adopts it from this file.
 */

export async function writeCaddyPid(runDir: string, pid: number): Promise<void> {
  await writeFile(pidFile(runDir), `${pid}\n`, { mode: 0o600 });
}

/** The pid in the run folder, if that process is alive and still a `caddy` started on this folder's bootstrap config. */
export async function runningCaddyPid(runDir: string, bootstrap: string): Promise<number | null> {
  const pid = Number.parseInt(await readFile(pidFile(runDir), 'utf8').catch(() => ''), 10);
  if (!Number.isInteger(pid) || pid <= 1 || !alive(pid)) return null;
  // A pid reused since by another program (even the machine's own Caddy service) is not ours to adopt or stop.
  const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
  return argv.some((part) => path.basename(part) === 'caddy') && argv.includes(bootstrap) ? pid : null;
}

/** SIGTERM (Caddy stops gracefully), SIGKILL past the timeout; resolves once it is gone. */
export async function stopCaddy(pid: number): Promise<void> {
  if (!signal(pid, 'SIGTERM')) return;
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (alive(pid)) {
    if (Date.now() > deadline) {
      signal(pid, 'SIGKILL');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export function alive(pid: number): boolean {
  return signal(pid, 0);
}

function signal(pid: number, name: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

function pidFile(runDir: string): string {
  return path.join(runDir, 'caddy.pid');
}
