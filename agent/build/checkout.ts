import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BuildPayload } from '../../contracts/index.js';
import { AgentError } from '../errors.js';
import { runProcess } from './process.js';

/*
 * One checkout per service, kept between builds and fetched (shallow), never cloned again. The
 * repository URL is given on each fetch rather than stored as a remote, and credentials travel
 * in the environment (git's GIT_CONFIG_* or GIT_SSH_COMMAND), never in argv: `ps` shows argv to
 * every user of the server. An ssh deploy key is written for the checkout alone, 0600 in a 0700
 * folder, and removed after it (and before the next build, should the agent have died mid-fetch).
 *
 * ssh host keys are trusted on first use, per service: the first fetch records the host's key in
 * the service's own known_hosts beside its checkout (never the agent user's ~/.ssh, shared with
 * whatever else runs as that user), and every later fetch must meet the same key. A changed key
 * fails the build and says which file to delete to trust the new one.
 */

/*
 * The last commit fetched, kept as a ref. A fetch tells the server what the checkout already has
 * only through its refs: without one, every shallow fetch receives the commit's whole tree again
 * (a clone in all but name); with it, only what changed. git writes the ref only once the fetched
 * objects are all there and connected, so a build of that same commit again needs no fetch.
 */
const fetchedRef = 'refs/syntra/fetched';
/*
 * A pinned commit (a push's) is fetched by itself: one request fewer than a branch, whose refs
 * must be listed first. The commit is not checked against the branch: a push names a commit it
 * put there, and a manual deploy may pin any commit the credential reads.
 */
const fetchOptions = ['--depth=1', '--no-tags', '--no-write-fetch-head', '--progress'];

/** How much of what git said a failed fetch's error keeps. */
const maxReasonChars = 500;

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

/** The environment that lets git authenticate; an ssh key goes in `scratch`, removed afterwards. */
async function credentialEnv(auth: BuildPayload['git_auth'], files: { scratch: string; knownHosts: string }): Promise<NodeJS.ProcessEnv> {
  const base: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', LC_ALL: 'C' };
  if (!auth) return base;
  if (auth.kind === 'token') {
    const basic = Buffer.from(`${auth.username ?? 'x-access-token'}:${auth.token}`).toString('base64');
    return { ...base, GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}` };
  }
  const keyFile = path.join(files.scratch, 'deploy-key');
  await writeFile(keyFile, auth.private_key.endsWith('\n') ? auth.private_key : `${auth.private_key}\n`, { mode: 0o600 });
  const options = ['IdentitiesOnly=yes', 'BatchMode=yes', 'StrictHostKeyChecking=accept-new', `UserKnownHostsFile=${shellQuoted(files.knownHosts)}`];
  // git runs GIT_SSH_COMMAND through the shell: every path in it is quoted.
  return { ...base, GIT_SSH_COMMAND: ['ssh', '-i', shellQuoted(keyFile), ...options.flatMap((option) => ['-o', option])].join(' ') };
}

const shellQuoted = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/** Why a fetch failed, in one line, from what git and ssh said. */
function fetchFailure(output: string[], knownHosts: string): string {
  if (output.some((line) => /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/.test(line))) {
    return `the repository host's ssh key is not the one recorded at this service's first fetch; if the host changed its key, delete ${knownHosts} on the build server to trust the new one`;
  }
  const said = output.filter((line) => /^(fatal|error|remote): |Permission denied|Could not resolve|Connection (refused|timed out)/.test(line));
  return [...new Set(said.length > 0 ? said : output.slice(-1))].join(' ').slice(0, maxReasonChars);
}

/** Fetches the branch (or the pinned commit) into the service's checkout and checks it out clean. */
export async function checkOut(root: string, payload: BuildPayload, run: GitRun): Promise<Checkout> {
  const directory = path.join(root, payload.service_id, 'src');
  const scratch = path.join(root, payload.service_id, 'scratch');
  const knownHosts = path.join(root, payload.service_id, 'known_hosts');
  await mkdir(directory, { recursive: true });
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true, mode: 0o700 });
  try {
    const env = await credentialEnv(payload.git_auth, { scratch, knownHosts });
    if (!existsSync(path.join(directory, '.git', 'HEAD'))) await gitOutput(directory, ['init', '-q'], env, run);
    const { url, branch, commit_sha: pinned } = payload.git;
    const fetch = async (source: string) => {
      const said: string[] = [];
      const code = await git(directory, ['fetch', ...fetchOptions, url, `+${source}:${fetchedRef}`], env, {
        signal: run.signal,
        onLine: (line) => {
          said.push(line);
          run.onLine(line);
        },
      });
      return { ok: code === 0, said };
    };
    const fetchBranch = async () => {
      run.onLine(`Fetching ${branch} from ${redactUrl(url)}`);
      const answer = await fetch(`refs/heads/${branch}`);
      if (!answer.ok) throw new AgentError('GIT_FAILED', `Could not fetch branch ${branch} from ${redactUrl(url)}: ${fetchFailure(answer.said, knownHosts)}`);
      const head = await fetchedCommit(directory, env, run);
      if (pinned && head?.sha !== pinned) {
        throw new AgentError('COMMIT_NOT_FOUND', `Commit ${pinned} could not be fetched, and the branch ${branch} is at ${head?.sha} now`);
      }
      return head;
    };
    /** A pinned commit by itself; null from a server that gives no commit that way (the branch's head is then the way). */
    const fetchPinned = async (commit: string) => {
      run.onLine(`Fetching ${commit} (${branch}) from ${redactUrl(url)}`);
      return (await fetch(commit)).ok ? fetchedCommit(directory, env, run) : null;
    };
    let fetched = pinned ? await fetchedCommit(directory, env, run) : null;
    if (pinned && fetched?.sha === pinned) run.onLine(`${pinned} was fetched whole for an earlier build: not fetched again`);
    else fetched = (pinned ? await fetchPinned(pinned) : null) ?? (await fetchBranch());
    if (!fetched) throw new AgentError('GIT_FAILED', `git fetched ${branch} from ${redactUrl(url)} but recorded no commit`);
    await gitOutput(directory, ['checkout', '-q', '--force', '--detach', fetched.sha], env, run);
    await gitOutput(directory, ['clean', '-qffdx'], env, run);
    return { directory, ...fetched };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The commit `fetchedRef` names and its message; null before the first fetch. */
async function fetchedCommit(directory: string, env: NodeJS.ProcessEnv, run: GitRun): Promise<{ sha: string; message: string } | null> {
  const lines: string[] = [];
  if ((await git(directory, ['log', '-1', '--format=%H%n%B', fetchedRef, '--'], env, run, lines)) !== 0) return null;
  const [sha = '', ...message] = lines;
  return { sha, message: message.join('\n').trim() };
}

/** A URL as it may be logged: without a password or token in it. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//');
}
