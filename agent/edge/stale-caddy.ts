import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const STOP_TIMEOUT_MS = 10_000;

/*
 * An agent killed with SIGKILL cannot stop its Caddy, which keeps the HTTP(S) ports and the
 * admin socket. Each Caddy the agent starts has its pid in the run folder; one still alive and
 * still `caddy` at the next start is that leftover, stopped before a new one starts.
 */
export async function stopStaleCaddy(runDir: string): Promise<void> {
  const pid = Number.parseInt(await readFile(pidFile(runDir), 'utf8').catch(() => ''), 10);
  if (!Number.isInteger(pid) || pid <= 1 || !alive(pid)) return;
  const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!commandLine.split('\0').some((part) => path.basename(part) === 'caddy')) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (alive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function writeCaddyPid(runDir: string, pid: number | undefined): Promise<void> {
  if (pid !== undefined) await writeFile(pidFile(runDir), `${pid}\n`, { mode: 0o600 });
}

function pidFile(runDir: string): string {
  return path.join(runDir, 'caddy.pid');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
