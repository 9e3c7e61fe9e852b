import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFlakyServer } from '../support/flaky-server.js';
import { z } from 'zod';
import { Workflow, WorkflowRun } from '../../contracts/api/automation.js';
import { bootstrappedOrganization } from '../support/auth.js';
import { createProject } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';
import { startInProcessWorker } from '../operations/stack.js';
import { cliHome, escapeCode } from './run-cli.js';

/*
 * `syntra workflows` against the real API and a real Temporal worker running the DAG
 * interpreter: nodes that need no Docker (http_request to a server of this test, condition, wait,
 * approval), followed by the real binary with --wait.
 */

let api: Awaited<ReturnType<typeof startTestApi>>;
let worker: { stop(): Promise<void> } | undefined;
let home: Awaited<ReturnType<typeof cliHome>>;
let ci: Record<string, string>;
let projectSlug: string;
let flaky: Awaited<ReturnType<typeof startFlakyServer>>;
let flakyUrl: string;
const workflows: Record<string, z.infer<typeof Workflow>> = {};

beforeAll(async () => {
  api = await startTestApi('cli-workflows');
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  worker = await startInProcessWorker(api.platform, api.platform.temporal.taskQueues.dag);
  const db = api.platform.db;
  const org = await bootstrappedOrganization(db);
  // The steps call this test's own server on 127.0.0.1.
  await db.updateTable('organizations').set({ workflow_http_private_allowed: true }).where('id', '=', org.id).execute();
  const project = await createProject(db, org.id, 'shop');
  projectSlug = project.slug;
  flaky = await startFlakyServer();
flakyUrl = flaky.url;
  const baseUrl = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  ci = { SYNTRA_URL: baseUrl, SYNTRA_TOKEN: api.ownerToken };
  home = await cliHome();

  const define = async (name: string, definition: object) => {
    const response = await api.app.inject({ method: 'POST', url: `/api/v1/projects/${project.id}/workflows`, headers: { authorization: `Bearer ${api.ownerToken}` }, payload: { name, definition } });
    expect(response.statusCode, response.body).toBe(201);
    workflows[name] = Workflow.parse(response.json().data);
  };
  await define('release', {
    nodes: [
      { id: 'call', name: 'ping the shop', step: { type: 'http_request', method: 'GET', url: `${flakyUrl}/?key=release&fail=1` }, retry: { max_attempts: 3, initial_interval_seconds: 3 } },
      { id: 'check', step: { type: 'condition', left: '{{ nodes.call.output.status }}', operator: 'equals', right: '200' } },
      { id: 'settle', step: { type: 'wait', seconds: 1 } },
    ],
    edges: [
      { from: 'call', to: 'check' },
      { from: 'check', to: 'settle' },
    ],
  });
  await define('broken', {
    nodes: [
      { id: 'call', step: { type: 'http_request', method: 'GET', url: `${flakyUrl}/?key=broken&fail=99` } },
      { id: 'after', step: { type: 'wait', seconds: 1 } },
    ],
    edges: [{ from: 'call', to: 'after' }],
  });
  await define('gated', {
    nodes: [
      { id: 'gate', step: { type: 'approval', message: 'Ship it to production?' } },
      { id: 'after', step: { type: 'wait', seconds: 1 } },
    ],
    edges: [{ from: 'gate', to: 'after' }],
  });
});

afterAll(async () => {
  await home?.cleanup();
  await flaky?.close();
  await worker?.stop();
  await api?.close();
});

describe('syntra workflows', () => {
  it('lists a project\'s workflows, as a table and as the contract\'s resources', async () => {
    const table = await home.run(['workflows', 'list', projectSlug], { env: ci });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^${projectSlug}/release\\s+3\\s+1\\s+${workflows.release!.id}$`, 'm'));
    const json = await home.run(['workflows', 'list', '--json'], { env: ci });
    expect(json.code, json.stderr).toBe(0);
    expect(z.array(Workflow).parse(JSON.parse(json.stdout)).map((workflow) => workflow.name).sort()).toEqual(['broken', 'gated', 'release']);
  });

  it('runs a workflow by name with --wait: each node\'s progress, attempts and duration, exit 0, no escape codes off a terminal', async () => {
    const run = await home.run(['workflows', 'run', 'release', '--wait'], { env: ci });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^${projectSlug}/release: run [0-9a-f-]{36} running \\(version 1\\)$`, 'm'));
    // The first attempt failed (fail=1), seen during the 3 s before the retry; the second of three succeeded.
    expect(run.stdout).toMatch(/^\d\d:\d\d:\d\d call \(ping the shop\) running {2}attempt 1 of 3 failed, UNEXPECTED_STATUS: GET \S+ answered 500, retrying$/m);
    expect(run.stdout).toMatch(/^\d\d:\d\d:\d\d call \(ping the shop\) succeeded {2}attempt 2 of 3, \d+\.\ds$/m);
    expect(run.stdout).toMatch(/^\d\d:\d\d:\d\d check succeeded {2}\d+\.\ds$/m);
    expect(run.stdout).toMatch(/^\d\d:\d\d:\d\d settle succeeded {2}\d+\.\ds$/m);
    expect(run.stdout.indexOf(' check succeeded')).toBeLessThan(run.stdout.indexOf(' settle succeeded'));
    expect(run.stdout).toMatch(new RegExp(`✓ ${projectSlug}/release: run \\w{8} succeeded in \\d+\\.\\ds`));
    expect(run.stdout + run.stderr).not.toMatch(escapeCode);
    expect(flaky.hits.get('release')).toBe(2);
  });

  it('exits 3 naming the failing node and its error when the run fails', async () => {
    const run = await home.run(['workflows', 'run', `${projectSlug}/broken`, '--wait'], { env: ci });
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/ call failed {2}\d+\.\ds, UNEXPECTED_STATUS: GET \S+ answered 500$/m);
    expect(run.stdout).toMatch(/ after skipped/);
    expect(run.stderr).toMatch(new RegExp(`^syntra: ${projectSlug}/broken: run \\w{8} ended failed: node call failed: UNEXPECTED_STATUS: GET .* answered 500\\n$`));
  });

  it('prints the ended run as the contract\'s WorkflowRun with --json, its progress on stderr; a workflow named by id', async () => {
    const run = await home.run(['workflows', 'run', workflows.release!.id, '--wait', '--json'], { env: ci });
    expect(run.code, run.stderr).toBe(0);
    const ended = WorkflowRun.parse(JSON.parse(run.stdout));
    expect(ended.status).toBe('succeeded');
    expect(ended.workflow_id).toBe(workflows.release!.id);
    expect(Object.values(ended.step_results).map((result) => result.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(run.stderr).toMatch(/ settle succeeded/);
    const started = await home.run(['workflows', 'run', 'release', '--json'], { env: ci });
    expect(started.code, started.stderr).toBe(0);
    expect(WorkflowRun.parse(JSON.parse(started.stdout)).status).toBe('running');
  });

  it('says an approval node waits and how to decide it; approving through the CLI lets the run finish', async () => {
    const waiting = home.start(['workflows', 'run', 'gated', '--wait'], ci);
    waiting.child.stdin.end();
    await expect.poll(() => waiting.output().stdout, { timeout: 60_000 }).toMatch(/gate waiting_approval/);
    const { stdout } = waiting.output();
    expect(stdout).toContain('asks: Ship it to production?');
    const decide = /decide: syntra workflows approve ([0-9a-f-]{36}) gate/.exec(stdout);
    expect(decide, stdout).not.toBeNull();
    const approve = await home.run(['workflows', 'approve', decide![1]!, 'gate', '--comment', 'go'], { env: ci });
    expect(approve.code, approve.stderr).toBe(0);
    expect(approve.stdout).toMatch(/node gate approved/);
    const run = await waiting.done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/ gate succeeded/);
    expect(run.stdout).toMatch(/ after succeeded/);

    const runs = await home.run(['workflows', 'runs', 'gated', '--json'], { env: ci });
    expect(z.array(WorkflowRun).parse(JSON.parse(runs.stdout))[0]).toMatchObject({ id: decide![1], status: 'succeeded' });
  });

  it('exits 3 naming the cancelled node when the run is cancelled while it waits', async () => {
    const waiting = home.start(['workflows', 'run', 'gated', '--wait'], ci);
    waiting.child.stdin.end();
    await expect.poll(() => waiting.output().stdout, { timeout: 60_000 }).toMatch(/gate waiting_approval/);
    const runId = /run ([0-9a-f-]{36})/.exec(waiting.output().stdout)![1]!;
    const cancel = await api.app.inject({ method: 'POST', url: `/api/v1/workflow-runs/${runId}/cancel`, headers: { authorization: `Bearer ${api.ownerToken}` } });
    expect(cancel.statusCode, cancel.body).toBe(202);
    const run = await waiting.done;
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/ gate cancelled/);
    expect(run.stderr).toMatch(new RegExp(`^syntra: ${projectSlug}/gated: run \\w{8} ended cancelled: node gate cancelled`));
  });

  it('an unknown workflow: one line and exit 1', async () => {
    const run = await home.run(['workflows', 'run', 'nope', '--wait'], { env: ci });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('syntra: No workflow named nope: `syntra workflows list` shows them\n');
  });
});
