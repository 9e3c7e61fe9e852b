import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BuildPayload } from '../../contracts/index.js';

/*
 * A real git server on loopback for the build tests: `git http-backend` (smart HTTP) behind a
 * tiny Node server that asks for a token as Basic auth, as GitHub or GitLab do over https, plus a
 * working copy the tests commit to and push from.
 */

const run = promisify(execFile);

export interface GitServer {
  /** http://127.0.0.1:<port>/<name>.git */
  url: string;
  /** The bare repository's folder, for another transport to serve (tests/support/ssh-git-server.ts). */
  repository: string;
  token: string;
  /** Requests the server refused for want of the token. */
  refused: number;
  /**
   * Writes `files` in the working copy, commits them and pushes; returns the commit's sha. With
   * `replace`, the commit's tree is `files` alone (another app on its own branch).
   */
  commit(message: string, files: Record<string, string>, branch?: string, options?: { replace?: boolean }): Promise<string>;
  close(): Promise<void>;
}

const identity = ['-c', 'user.name=Syntra Test', '-c', 'user.email=test@syntra.local', '-c', 'commit.gpgsign=false'];

export async function startGitServer(name = 'app'): Promise<GitServer> {
  const root = await mkdtemp(path.join(tmpdir(), 'syntra-git-'));
  const bare = path.join(root, 'repos', `${name}.git`);
  await mkdir(path.dirname(bare), { recursive: true });
  await run('git', ['init', '-q', '--bare', '--initial-branch=main', bare]);
  await run('git', ['-C', bare, 'config', 'http.receivepack', 'true']);
  const token = `gt-${Math.random().toString(36).slice(2)}`;
  const state = { refused: 0 };

  const server = http.createServer((request, response) => {
    const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const password = basic ? Buffer.from(basic, 'base64').toString().split(':').slice(1).join(':') : null;
    if (password !== token) {
      state.refused += 1;
      response.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
      return;
    }
    const url = new URL(request.url ?? '/', 'http://git.local');
    const backend = spawn('git', ['http-backend'], {
      env: {
        ...process.env,
        GIT_PROJECT_ROOT: path.join(root, 'repos'),
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: request.method ?? 'GET',
        CONTENT_TYPE: request.headers['content-type'] ?? '',
        REMOTE_USER: 'test',
        REMOTE_ADDR: '127.0.0.1',
        ...(request.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: request.headers['content-encoding'] } : {}),
        ...(request.headers['git-protocol'] ? { GIT_PROTOCOL: String(request.headers['git-protocol']) } : {}),
      },
    });
    request.pipe(backend.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    backend.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) return void response.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const colon = line.indexOf(':');
        const [key, value] = [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
        if (key.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else headers[key] = value;
      }
      response.writeHead(status, headers);
      response.write(head.subarray(end + 4));
    });
    backend.stdout.on('end', () => response.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${name}.git`;

  const work = path.join(root, 'work');
  await run('git', ['clone', '-q', bare, work]);
  const auth = ['-c', `http.extraHeader=Authorization: Basic ${Buffer.from(`test:${token}`).toString('base64')}`];
  return {
    url,
    repository: bare,
    token,
    get refused() {
      return state.refused;
    },
    async commit(message, files, branch = 'main', { replace = false } = {}) {
      // An existing branch is continued; a new one starts from wherever the last commit went.
      await run('git', ['-C', work, 'checkout', '-q', branch]).catch(() => run('git', ['-C', work, 'checkout', '-q', '-b', branch]));
      if (replace) await run('git', ['-C', work, 'rm', '-rq', '--ignore-unmatch', '--', '.']);
      for (const [file, contents] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(work, file)), { recursive: true });
        await writeFile(path.join(work, file), contents);
      }
      await run('git', ['-C', work, 'add', '-A']);
      await run('git', ['-C', work, ...identity, 'commit', '-q', '-m', message]);
      // Pushed over HTTP with the token, as a developer would.
      await run('git', ['-C', work, ...auth, 'push', '-q', url, `${branch}:${branch}`]);
      return (await run('git', ['-C', work, 'rev-parse', 'HEAD'])).stdout.trim();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * A build of `server`'s main branch (at `commitSha` when given) for the agent's checkout alone:
 * the image and push credential are there for the shape, nothing pushes.
 */
export function checkoutPayload(server: GitServer, serviceId: string, commitSha?: string): BuildPayload {
  return {
    request_id: `build-${randomUUID()}`,
    deployment_id: randomUUID(),
    service_id: serviceId,
    git: { url: server.url, branch: 'main', ...(commitSha && { commit_sha: commitSha }) },
    git_auth: { kind: 'token', username: 'ci', token: server.token },
    dockerfile: { path: 'Dockerfile', context: '.' },
    build_args: {},
    build_secrets: {},
    image: { registry: '127.0.0.1:5010', repository: `services/${serviceId}`, tag: 'checkout' },
    registry_auth: { username: 'unused', password: 'unused' },
    timeout_seconds: 300,
  };
}
