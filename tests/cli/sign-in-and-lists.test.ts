import { stat } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AuthIdentity } from '../../contracts/api/access.js';
import { Project, Server, Service, ServiceWithDeployments } from '../../contracts/api/resources.js';
import { bootstrappedOrganization } from '../support/auth.js';
import { createProject, createServer as registerServer, createService } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';
import { cliHome, escapeCode } from './run-cli.js';

/* `syntra login`, `whoami`, the lists and `status`, as a CI job runs them: the real binary, the real API over HTTP. */

let api: Awaited<ReturnType<typeof startTestApi>>;
let baseUrl: string;
let home: Awaited<ReturnType<typeof cliHome>>;
let project: Awaited<ReturnType<typeof createProject>>;
let serviceId: string;
let identityProfile: string;

beforeAll(async () => {
  api = await startTestApi('cli-lists');
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  const db = api.platform.db;
  const orgId = (await bootstrappedOrganization(db)).id;
  project = await createProject(db, orgId, 'shop');
  const { server } = await registerServer(db, orgId, 'edge-1');
  serviceId = (await createService(db, api.platform.secrets, { projectId: project.id, serverId: server.id, name: 'web', image: { registry: 'registry.example.com', repository: 'shop/web', tag: 'v1' }, port: 8080 })).id;
  home = await cliHome();
});

afterAll(async () => {
  await home?.cleanup();
  await api?.close();
});

describe('signing in', () => {
  it('takes a token on stdin, keeps it in a file only its owner reads, and says who signed in', async () => {
    const login = await home.run(['login', '--url', baseUrl, '--token-stdin'], { stdin: `${api.ownerToken}\n` });
    expect(login.stderr).toMatch(/Signed in as .*owner in/);
    expect(login.code).toBe(0);
    const tokenFiles = path.join(home.configDir, 'tokens');
    const profileName = (await home.run(['whoami', '--json'])).stdout;
    const identity = JSON.parse(profileName) as AuthIdentity & { profile: string; url: string };
    identityProfile = identity.profile;
    expect(AuthIdentity.parse(identity).role).toBe('owner');
    expect(identity.url).toBe(baseUrl);
    expect((await stat(path.join(tokenFiles, identity.profile))).mode & 0o777).toBe(0o600);
    expect((await stat(tokenFiles)).mode & 0o777).toBe(0o700);
    const whoami = await home.run(['whoami']);
    expect(whoami.stdout).toContain(`owner in`);
    expect(whoami.stdout).not.toMatch(escapeCode);
  });

  it('refuses a wrong token with one line and exit 1, and keeps no profile for it', async () => {
    const login = await home.run(['login', '--url', baseUrl, '--token', 'syn_usr_wrong', '--profile', 'wrong']);
    expect(login.code).toBe(1);
    expect(login.stderr.trim().split('\n')).toHaveLength(1);
    expect(login.stderr).toMatch(/^syntra: Invalid API token \(UNAUTHORIZED, request \S+\)$/m);
    expect((await home.run(['switch', 'wrong'])).code).toBe(1);
  });

  it('says so in one line when the control plane does not answer', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const run = await home.run(['projects', 'list'], { env: { SYNTRA_URL: `http://127.0.0.1:${port}`, SYNTRA_TOKEN: api.ownerToken } });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`syntra: Cannot reach the control plane at http://127.0.0.1:${port}: ECONNREFUSED\n`);
  });

  it("signs in with a new member's one-time link, making itself a token, and the link is then used up", async () => {
    const added = await fetch(`${baseUrl}/api/v1/members`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.ownerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'dev@example.com', role: 'developer' }),
    });
    expect(added.status).toBe(201);
    const link = `${baseUrl}${new URL(((await added.json()) as { data: { login_url: string } }).data.login_url).pathname}`;
    const login = await home.run(['login', '--link', link, '--profile', 'dev']);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stderr).toMatch(/Signed in as dev@example\.com, developer in/);
    const tokens = await api.platform.db.selectFrom('api_tokens').select('name').where('name', 'like', 'syntra CLI on %').execute();
    expect(tokens).toHaveLength(1);
    expect((await home.run(['whoami', '--profile', 'dev'])).stdout).toContain('dev@example.com, developer');
    const again = await home.run(['login', '--link', link, '--profile', 'dev2']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/invalid, already used or expired/);
    // The owner's profile is current again for the tests below.
    expect((await home.run(['switch', identityProfile])).code).toBe(0);
  });

  it('uses SYNTRA_URL and SYNTRA_TOKEN without any profile (CI)', async () => {
    const bare = await cliHome();
    try {
      const run = await bare.run(['whoami'], { env: { SYNTRA_URL: baseUrl, SYNTRA_TOKEN: api.ownerToken } });
      expect(run.code, run.stderr).toBe(0);
      expect((await bare.run(['whoami'])).stderr).toMatch(/Not signed in/);
    } finally {
      await bare.cleanup();
    }
  });
});

describe('lists and status', () => {
  it('lists projects, services and servers, as tables and as the API resources', async () => {
    const projects = await home.run(['projects', 'list']);
    expect(projects.code).toBe(0);
    expect(projects.stdout).toContain(project.slug);
    expect(z.array(Project).parse(JSON.parse((await home.run(['projects', 'list', '--json'])).stdout)).map((found) => found.id)).toContain(project.id);
    const services = await home.run(['services', 'list']);
    expect(services.stdout).toContain(`${project.slug}/web`);
    expect(z.array(Service).parse(JSON.parse((await home.run(['services', 'list', '--project', project.slug, '--json'])).stdout))).toHaveLength(1);
    const servers = await home.run(['servers', 'list', '--json']);
    expect(z.array(Server).parse(JSON.parse(servers.stdout)).map((server) => server.name)).toContain('edge-1');
  });

  it("shows a service's status by name, by project/name and by id", async () => {
    for (const name of ['web', `${project.slug}/web`, serviceId]) {
      const run = await home.run(['status', name]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`${project.slug}/web`);
      expect(run.stdout).toMatch(/current\s+none running/);
      expect(run.stdout).not.toMatch(escapeCode);
    }
    const json = JSON.parse((await home.run(['status', 'web', '--json'])).stdout);
    expect(ServiceWithDeployments.parse(json.service).id).toBe(serviceId);
  });

  it('names an unknown service in one line and exits 1', async () => {
    const run = await home.run(['status', 'no-such-service']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('syntra: No service named no-such-service: `syntra services list` shows them\n');
  });

  it('answers a wrong command line with usage and exit 2', async () => {
    const run = await home.run(['projects', 'list', '--no-such-flag']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown option/);
  });

  it('forgets the profile on logout', async () => {
    expect((await home.run(['logout'])).code).toBe(0);
    const after = await home.run(['projects', 'list']);
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/Not signed in/);
  });
});
