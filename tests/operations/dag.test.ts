import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScheduleNotFoundError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFlakyServer } from '../support/flaky-server.js';
import { apiResponse, type WorkflowRun, WorkflowRun as WorkflowRunSchema, Workflow } from '../../contracts/index.js';
import { dagTemporalOf } from '../../control/dag/schedules.js';
import { addMember, bearer, bootstrappedOrganization } from '../support/auth.js';
import { createProject } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';
import { historyOf, replay, startInProcessWorker } from './stack.js';

/*
 * The DAG interpreter against real Temporal and PostgreSQL: runs started over REST, node states
 * read back from `GET /workflow-runs/:id` as a user sees them.
 */

describe('DAG workflow runs', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let workers: { stop(): Promise<void> }[] = [];
  let owner: Record<string, string>;
  let viewer: Record<string, string>;
  let projectId: string;
  let flaky: Awaited<ReturnType<typeof startFlakyServer>>;
  let flakyUrl: string;
  const runIds: string[] = [];

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, headers = owner) =>
    api.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });

  async function define(definition: object, extra: object = {}) {
    const response = await call('POST', `/projects/${projectId}/workflows`, { name: `dag-${Math.random()}`, definition, ...extra });
    expect(response.statusCode, response.body).toBe(201);
    return apiResponse(Workflow).parse(response.json()).data;
  }

  async function start(workflowId: string, inputs?: Record<string, string>): Promise<string> {
    const response = await call('POST', `/workflows/${workflowId}/runs`, inputs ? { inputs } : {});
    expect(response.statusCode, response.body).toBe(201);
    const id = response.json().data.id as string;
    runIds.push(id);
    return id;
  }

  async function run(runId: string): Promise<WorkflowRun> {
    return apiResponse(WorkflowRunSchema).parse((await call('GET', `/workflow-runs/${runId}`)).json()).data;
  }

  async function until(runId: string, done: (run: WorkflowRun) => boolean, timeout = 30_000): Promise<WorkflowRun> {
    let last: WorkflowRun | undefined;
    await expect.poll(async () => done((last = await run(runId))), { timeout, interval: 200 }).toBe(true);
    return last!;
  }
  const finished = (candidate: WorkflowRun) => ['succeeded', 'failed', 'cancelled'].includes(candidate.status);

  beforeAll(async () => {
    api = await startTestApi('dag');
    const taskQueues = api.platform.temporal.taskQueues;
    workers = [await startInProcessWorker(api.platform, taskQueues.operations), await startInProcessWorker(api.platform, taskQueues.dag)];
    owner = bearer(api.ownerToken);
    const org = await bootstrappedOrganization(api.platform.db);
    viewer = bearer((await addMember(api.platform.db, org.id, 'viewer')).token);
    projectId = (await createProject(api.platform.db, org.id, 'dag')).id;
    flaky = await startFlakyServer();
  flakyUrl = flaky.url;
  });

  afterAll(async () => {
    for (const worker of workers) await worker.stop();
    await flaky?.close();
    await api?.close();
  });

  const wait = (id: string, seconds: number) => ({ id, step: { type: 'wait', seconds } });

  it('runs independent branches at once: B and C of a diamond overlap, and D starts after both', async () => {
    const workflow = await define({
      nodes: [wait('A', 1), wait('B', 2), wait('C', 2), wait('D', 1)],
      edges: [
        { from: 'A', to: 'B' },
        { from: 'A', to: 'C' },
        { from: 'B', to: 'D' },
        { from: 'C', to: 'D' },
      ],
    });
    const done = await until(await start(workflow.id), finished);
    expect(done.status).toBe('succeeded');
    expect(done.version).toBe(1);
    expect(done.temporal_workflow_id).toBe(`dag-run-${done.id}`);
    const at = (id: string, field: 'started_at' | 'finished_at') => Date.parse(done.step_results[id]![field]!);
    // B and C overlapped: each started before the other finished.
    expect(at('B', 'started_at')).toBeLessThan(at('C', 'finished_at'));
    expect(at('C', 'started_at')).toBeLessThan(at('B', 'finished_at'));
    expect(at('D', 'started_at')).toBeGreaterThanOrEqual(Math.max(at('B', 'finished_at'), at('C', 'finished_at')));
    expect(at('B', 'started_at')).toBeGreaterThanOrEqual(at('A', 'finished_at'));
    for (const id of ['A', 'B', 'C', 'D']) expect(done.step_results[id]).toMatchObject({ state: 'succeeded', attempts: 1 });
  });

  it('refuses loopback addresses unless the organization allows them', async () => {
    const workflow = await define({ nodes: [{ id: 'call', step: { type: 'http_request', method: 'GET', url: `${flakyUrl}/?key=refused` } }], edges: [] });
    const done = await until(await start(workflow.id), finished);
    expect(done.status).toBe('failed');
    expect(done.step_results.call).toMatchObject({ state: 'failed', error: { code: 'ADDRESS_REFUSED' } });
    expect(flaky.hits.get('refused')).toBeUndefined();
    await api.platform.db.updateTable('organizations').set({ workflow_http_private_allowed: true }).execute();
  });

  it('retries a node under its policy: two failures, then success, its output read by the next node', async () => {
    const workflow = await define({
      nodes: [
        { id: 'call', step: { type: 'http_request', method: 'GET', url: `${flakyUrl}/?key=retry&fail=2` }, retry: { max_attempts: 3, initial_interval_seconds: 0.2 } },
        { id: 'check', step: { type: 'condition', left: '{{ nodes.call.output.body }}', operator: 'equals', right: 'attempt 3' } },
      ],
      edges: [{ from: 'call', to: 'check' }],
    });
    const done = await until(await start(workflow.id), finished);
    expect(done.status).toBe('succeeded');
    expect(done.step_results.call).toMatchObject({ state: 'succeeded', attempts: 3, output: { status: 200, body: 'attempt 3' } });
    expect(done.step_results.check).toMatchObject({ state: 'succeeded', output: { result: true } });
  });

  it('takes a failure edge (the success branch is skipped), and continue_on_error goes on', async () => {
    const workflow = await define({
      nodes: [
        { id: 'call', step: { type: 'http_request', method: 'GET', url: `${flakyUrl}/?key=edge&fail=99` } },
        wait('on_success', 1),
        wait('after_success', 1),
        wait('on_failure', 1),
        { id: 'tolerated', step: { type: 'http_request', method: 'GET', url: `${flakyUrl}/?key=tolerated&fail=99` }, continue_on_error: true },
        wait('after_tolerated', 1),
      ],
      edges: [
        { from: 'call', to: 'on_success' },
        { from: 'on_success', to: 'after_success' },
        { from: 'call', to: 'on_failure', on: 'failure' },
        { from: 'tolerated', to: 'after_tolerated' },
      ],
    });
    const done = await until(await start(workflow.id), finished);
    expect(done.status).toBe('succeeded');
    expect(Object.fromEntries(Object.entries(done.step_results).map(([id, result]) => [id, result.state]))).toEqual({
      call: 'failed',
      on_success: 'skipped',
      after_success: 'skipped',
      on_failure: 'succeeded',
      tolerated: 'failed',
      after_tolerated: 'succeeded',
    });
  });

  it('fails the run on an unhandled failure and starts nothing after it', async () => {
    const workflow = await define({
      nodes: [{ id: 'call', step: { type: 'http_request', method: 'GET', url: `${flakyUrl}/?key=unhandled&fail=99` } }, wait('next', 1)],
      edges: [{ from: 'call', to: 'next' }],
    });
    const done = await until(await start(workflow.id), finished);
    expect(done.status).toBe('failed');
    expect(done.step_results.next).toMatchObject({ state: 'skipped' });
  });

  it('notify sends its message through the channels of an alert rule of the project, signed; a rule of another project is refused at save', async () => {
    const received: { body: string; signature: string | undefined }[] = [];
    const receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ body, signature: request.headers['x-syntra-signature'] as string | undefined });
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const secret = 'a-webhook-secret-of-enough-length';
      const rule = await call('POST', '/alerts', {
        name: 'releases',
        project_id: projectId,
        condition: { type: 'latency', percentile: 95, threshold_ms: 800, window_minutes: 5 },
        channels: [{ type: 'webhook', url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, secret }],
      });
      expect(rule.statusCode, rule.body).toBe(201);
      const alertId = rule.json().data.id as string;
      const workflow = await define({
        nodes: [{ id: 'tell', step: { type: 'notify', alert_id: alertId, message: 'Released {{ inputs.tag }}' } }],
        edges: [],
      });
      const runId = await start(workflow.id, { tag: 'v7' });
      const done = await until(runId, finished);
      expect(done.status, JSON.stringify(done.step_results)).toBe('succeeded');
      expect(done.step_results.tell).toMatchObject({ state: 'succeeded', output: { delivered: 1 } });
      expect(received).toHaveLength(1);
      expect(JSON.parse(received[0]!.body)).toEqual({ event: 'workflow.notify', workflow: { id: workflow.id, name: workflow.name }, run_id: runId, node_id: 'tell', message: 'Released v7' });
      expect(received[0]!.signature).toBe(`sha256=${createHmac('sha256', secret).update(received[0]!.body).digest('hex')}`);

      const org = await bootstrappedOrganization(api.platform.db);
      const elsewhere = await createProject(api.platform.db, org.id, 'dag-elsewhere');
      const foreign = await call('POST', '/alerts', {
        name: 'elsewhere',
        project_id: elsewhere.id,
        condition: { type: 'latency', percentile: 95, threshold_ms: 800, window_minutes: 5 },
        channels: [{ type: 'webhook', url: 'http://127.0.0.1:9/hook', secret }],
      });
      expect(foreign.statusCode, foreign.body).toBe(201);
      const refused = await call('POST', `/projects/${projectId}/workflows`, {
        name: 'stray-notify',
        definition: { nodes: [{ id: 'tell', step: { type: 'notify', alert_id: foreign.json().data.id, message: 'hi' } }], edges: [] },
      });
      expect(refused.statusCode).toBe(422);
      expect(refused.json().error.details).toEqual([{ path: 'body.definition.nodes.0.step.alert_id', message: 'not an alert rule of this project' }]);
    } finally {
      receiver.close();
    }
  });

  describe('approval', () => {
    let workflowId: string;
    beforeAll(async () => {
      workflowId = (
        await define({
          nodes: [{ id: 'gate', step: { type: 'approval', message: 'Ship it?', timeout_seconds: 3 } }, wait('after', 1)],
          edges: [{ from: 'gate', to: 'after' }],
        })
      ).id;
    });
    const waiting = (runId: string) => until(runId, (candidate) => candidate.status === 'waiting_approval' && candidate.step_results.gate?.state === 'waiting_approval');

    it('approved: a viewer may not decide, the owner may, and the run goes on', async () => {
      const runId = await start(workflowId);
      await waiting(runId);
      expect((await call('POST', `/workflow-runs/${runId}/nodes/gate/approve`, {}, viewer)).statusCode).toBe(403);
      expect((await call('POST', `/workflow-runs/${runId}/nodes/gate/approve`, { comment: 'go' })).statusCode).toBe(202);
      const done = await until(runId, finished);
      expect(done.status).toBe('succeeded');
      expect(done.step_results.gate).toMatchObject({ state: 'succeeded', output: { decision: 'approved', comment: 'go' } });
      const audit = await api.platform.db.selectFrom('audit_logs').select('action').where('resource_id', '=', runId).orderBy('created_at').execute();
      expect(audit.map((entry) => entry.action)).toEqual(['workflow.run', 'workflow_run.approve']);
    });

    it('rejected: the node fails and the next is skipped', async () => {
      const runId = await start(workflowId);
      await waiting(runId);
      expect((await call('POST', `/workflow-runs/${runId}/nodes/gate/reject`, { comment: 'no' })).statusCode).toBe(202);
      const done = await until(runId, finished);
      expect(done.status).toBe('failed');
      expect(done.step_results.gate).toMatchObject({ state: 'failed', error: { code: 'APPROVAL_REJECTED' } });
      expect(done.step_results.after).toMatchObject({ state: 'skipped' });
      expect((await call('POST', `/workflow-runs/${runId}/nodes/gate/approve`, {})).statusCode).toBe(409);
    });

    it('timed out: rejected by default', async () => {
      const done = await until(await start(workflowId), finished);
      expect(done.step_results.gate).toMatchObject({ state: 'failed', error: { code: 'APPROVAL_TIMED_OUT' } });
    });
  });

  it('cancels a run: the node in flight and those after it are cancelled', async () => {
    const workflow = await define({ nodes: [wait('long', 600), wait('after', 1)], edges: [{ from: 'long', to: 'after' }] });
    const runId = await start(workflow.id);
    await until(runId, (candidate) => candidate.step_results.long?.state === 'running');
    expect((await call('POST', `/workflow-runs/${runId}/cancel`, {}, viewer)).statusCode).toBe(403);
    expect((await call('POST', `/workflow-runs/${runId}/cancel`)).statusCode).toBe(202);
    const done = await until(runId, finished);
    expect(done.status).toBe('cancelled');
    expect(done.step_results.long).toMatchObject({ state: 'cancelled' });
    expect(done.step_results.after).toMatchObject({ state: 'cancelled' });
    expect((await call('POST', `/workflow-runs/${runId}/cancel`)).statusCode).toBe(409);
  });

  it('a run keeps the version it started with when the definition is edited', async () => {
    const workflow = await define({ nodes: [wait('first', 2)], edges: [] });
    const runId = await start(workflow.id);
    const edited = await call('PATCH', `/workflows/${workflow.id}`, { definition: { nodes: [wait('second', 1)], edges: [] } });
    expect(edited.json().data.version).toBe(2);
    const done = await until(runId, finished);
    expect(done).toMatchObject({ status: 'succeeded', version: 1 });
    expect(Object.keys(done.step_results)).toEqual(['first']);
  });

  it('a per-second schedule fires runs with trigger schedule; pausing stops it; deleting removes it', async () => {
    const workflow = await define({ nodes: [wait('tick', 1)], edges: [] }, { cron_expression: '* * * * * *' });
    const scheduledRuns = () =>
      api.platform.db.selectFrom('workflow_runs').select(['id', 'trigger_type']).where('workflow_id', '=', workflow.id).execute();
    await expect.poll(async () => (await scheduledRuns()).length, { timeout: 20_000, interval: 250 }).toBeGreaterThanOrEqual(2);
    expect((await scheduledRuns()).every((row) => row.trigger_type === 'schedule')).toBe(true);
    const paused = await call('POST', `/workflows/${workflow.id}/schedule/pause`);
    expect(paused.json().data.schedule).toMatchObject({ paused: true, next_fire_times: [] });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const countAfterPause = (await scheduledRuns()).length;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await scheduledRuns()).length).toBe(countAfterPause);
    const schedule = dagTemporalOf(api.platform).client.schedule.getHandle(`dag-schedule-${workflow.id}`);
    expect((await schedule.describe()).state.paused).toBe(true);
    await expect.poll(async () => (await scheduledRuns()).length === 0 || !(await api.platform.db.selectFrom('workflow_runs').select('id').where('workflow_id', '=', workflow.id).where('status', '=', 'running').executeTakeFirst()), { timeout: 10_000 }).toBe(true);
    expect((await call('DELETE', `/workflows/${workflow.id}`)).statusCode).toBe(204);
    await expect(schedule.describe()).rejects.toThrow(ScheduleNotFoundError);
  });

  it('editing the cron changes the next fire times, in GET /workflows/:id and in the Temporal schedule', async () => {
    const workflow = await define({ nodes: [wait('tick', 1)], edges: [] }, { cron_expression: '0 3 * * *' });
    const nextFireTimes = async () => apiResponse(Workflow).parse((await call('GET', `/workflows/${workflow.id}`)).json()).data.schedule!.next_fire_times;
    const before = await nextFireTimes();
    expect(before).toHaveLength(5);
    for (const at of before) expect(new Date(at).toISOString()).toMatch(/T03:00:00\.000Z$/);
    const edited = await call('PATCH', `/workflows/${workflow.id}`, { cron_expression: '30 14 * * 1', timezone: 'Asia/Kolkata' });
    expect(edited.statusCode, edited.body).toBe(200);
    const after = await nextFireTimes();
    expect(after).toHaveLength(5);
    // 14:30 in Kolkata (UTC+5:30, no daylight saving) is 09:00 UTC, on Mondays.
    for (const at of after) expect([new Date(at).getUTCDay(), new Date(at).toISOString().slice(11, 19)]).toEqual([1, '09:00:00']);
    const schedule = await dagTemporalOf(api.platform).client.schedule.getHandle(`dag-schedule-${workflow.id}`).describe();
    expect(schedule.info.nextActionTimes.slice(0, 5).map((at) => at.toISOString())).toEqual(after.map((at) => new Date(at).toISOString()));
    expect((await call('DELETE', `/workflows/${workflow.id}`)).statusCode).toBe(204);
  });

  it('the interpreter histories of these runs replay without nondeterminism', async () => {
    const histories = await Promise.all(
      runIds.map(async (runId) => ({ workflowId: `dag-run-${runId}`, history: await historyOf(api.platform.temporal.address, api.platform.temporal.namespace, `dag-run-${runId}`) })),
    );
    expect(histories.length).toBeGreaterThan(8);
    expect(await replay(histories)).toEqual([]);
  });

  it('histories recorded before a change to the interpreter replay on the patched interpreter', async () => {
    // This file's runs, recorded (History protobufs) on the interpreter that awaited each node's
    // `running` write before starting its step.
    const directory = fileURLToPath(new URL('./histories/dag-before-step-alongside-running-record/', import.meta.url));
    const recorded = readdirSync(directory).map((file) => ({
      workflowId: file.replace(/\.binpb$/, ''),
      history: temporal.api.history.v1.History.decode(readFileSync(join(directory, file))),
    }));
    expect(recorded.length).toBeGreaterThan(8);
    expect(await replay(recorded)).toEqual([]);
  });
});
