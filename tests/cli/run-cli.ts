import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/*
 * The real `syntra` binary as a child process, as a person or a CI job runs it: no terminal, its
 * own config folder (XDG_CONFIG_HOME), and none of the caller's SYNTRA_* sign-in variables.
 */

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const CLI_TIMEOUT_MS = 150_000;

export async function cliHome() {
  const home = await mkdtemp(path.join(tmpdir(), 'syntra-cli-'));
  return {
    configDir: path.join(home, 'syntra'),
    run: (args: string[], options: { stdin?: string; env?: Record<string, string> } = {}) => runCli(args, { XDG_CONFIG_HOME: home, ...options.env }, options.stdin),
    /** Starts the command and hands back the child, for a test that signals it. */
    start: (args: string[], env: Record<string, string> = {}) => startCli(args, { XDG_CONFIG_HOME: home, ...env }),
    cleanup: () => rm(home, { recursive: true, force: true }),
  };
}

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ['SYNTRA_URL', 'SYNTRA_TOKEN', 'SYNTRA_PROFILE', 'SYNTRA_CONFIG_DIR', 'FORCE_COLOR']) if (!(name in extra)) delete env[name];
  return env;
}

export function startCli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['bin/syntra.js', ...args], { env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliRun>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`syntra ${args.join(' ')} did not end in ${CLI_TIMEOUT_MS} ms; stdout: ${stdout}; stderr: ${stderr}`));
    }, CLI_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, done, output: () => ({ stdout, stderr }) };
}

async function runCli(args: string[], env: Record<string, string>, stdin?: string): Promise<CliRun> {
  const started = startCli(args, env);
  started.child.stdin.end(stdin ?? '');
  return started.done;
}

/** Any ANSI escape sequence: output to a pipe must have none. */
export const escapeCode = /\u001b\[/;
