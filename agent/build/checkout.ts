import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BuildPayload } from '../../contracts/index.js';
import { AgentError } from '../errors.js';
import { runProcess } from './process.js';

/*
 * One checkout per service, kept between builds and fetched (shallow), never cloned again. The
 * repository URL is given on each fetch rather than stored as a remote, and credentials travel
 * in the environment (git's GIT_CONFIG_* or GIT_SSH_COMMAND), never in argv or on disk beyond
 * the build: `ps` shows argv to every user of the server.
 */

export interface Checkout {
  directory: string;
  sha: string;
  message: string;
}

interface GitRun {
  signal: AbortSignal;
  onLine: (line: string) => void;
}

async function git(directory: string, args: string[], env: NodeJS.ProcessEnv, run: GitRun, capture?: string[]): Promise<number> {
  return runProcess('git', ['-C', directory, ...args], {
    env,
    signal: run.signal,
    onLine: (line) => (capture ? capture.push(line) : run.onLine(line)),
  });
}

async function gitOutput(directory: string, args: string[], env: NodeJS.ProcessEnv, run: GitRun): Promise<string> {
  const lines: string[] = [];
  const code = await git(directory, args, env, run, lines);
  if (code !== 0) throw new AgentError('GIT_FAILED', `git ${args[0]} failed: ${lines.join('\n')}`);
  return lines.join('\n').trim();
}

/** The environment that lets git authenticate, and a key file to remove afterwards (ssh). */
async function credentialEnv(auth: BuildPayload['git_auth'], scratch: string): Promise<NodeJS.ProcessEnv> {
  const base: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', LC_ALL: 'C' };
  if (!auth) return base;
  if (auth.kind === 'token') {
    const basic = Buffer.from(`${auth.username ?? 'x-access-token'}:${auth.token}`).toString('base64');
    return { ...base, GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}` };
  }
  const keyFile = path.join(scratch, 'deploy-key');
  await writeFile(keyFile, auth.private_key.endsWith('\n') ? auth.private_key : `${auth.private_key}\n`, { mode: 0o600 });
  return { ...base, GIT_SSH_COMMAND: `ssh -i ${keyFile} -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new -o BatchMode=yes` };
}

/** Fetches the branch (or the pinned commit) into the service's checkout and checks it out clean. */
export async function checkOut(root: string, payload: BuildPayload, run: GitRun): Promise<Checkout> {
  const directory = path.join(root, payload.service_id, 'src');
  const scratch = path.join(root, payload.service_id, 'scratch');
  await mkdir(directory, { recursive: true });
  await mkdir(scratch, { recursive: true, mode: 0o700 });
  try {
    const env = await credentialEnv(payload.git_auth, scratch);
    await gitOutput(directory, ['init', '-q'], env, run);
    const { url, branch, commit_sha: pinned } = payload.git;
    run.onLine(`Fetching ${branch}${pinned ? ` at ${pinned}` : ''} from ${redactUrl(url)}`);
    const fetched = await git(directory, ['fetch', '--depth=1', '--no-tags', '--progress', url, `refs/heads/${branch}`], env, run);
    if (fetched !== 0) throw new AgentError('GIT_FAILED', `Could not fetch branch ${branch} from ${redactUrl(url)}`);
    let head = await gitOutput(directory, ['rev-parse', 'FETCH_HEAD'], env, run);
    if (pinned && head !== pinned) {
      // The branch moved on since the push that asked for this commit: fetch the commit itself.
      if ((await git(directory, ['fetch', '--depth=1', '--no-tags', url, pinned], env, run)) !== 0) {
        throw new AgentError('COMMIT_NOT_FOUND', `Commit ${pinned} is not on ${branch} any more (the branch is at ${head})`);
      }
      head = pinned;
    }
    await gitOutput(directory, ['checkout', '-q', '--force', '--detach', head], env, run);
    await gitOutput(directory, ['clean', '-qffdx'], env, run);
    const message = await gitOutput(directory, ['log', '-1', '--format=%B', head], env, run);
    return { directory, sha: head, message };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** A URL as it may be logged: without a password or token in it. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//');
}
