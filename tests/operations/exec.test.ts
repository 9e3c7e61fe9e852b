import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { startOperationsStack, type OperationsStack } from './operations-stack.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../api/app.js';
import { EXEC_OUTPUT_SHOWN_MAX_BYTES } from '../../contracts/index.js';
import { bearer, otherOrganization } from '../support/auth.js';
import { FakeAgent } from '../support/fake-agent.js';
import { createServer } from '../support/fixtures.js';
import { imageService, operationsApi, waitFor } from './stack.js';

/*
 * POST /services/:id/exec end to end: REST → outbox → a real agent → docker exec in the service's
 * container, and the answer back through command_response, its NOTIFY and the waiting request.
 */

let stack: OperationsStack;
let registry: OperationsStack['registry'];
let api: OperationsStack['api'];
let otherProcess: Awaited<ReturnType<typeof buildApi>>;
let host: OperationsStack['host'];
let rest: ReturnType<typeof operationsApi>;
let orgId: string;
let project: OperationsStack['project'];
let serviceId: string;

const db = () => api.platform.db;
const commandRows = (type: string) => db().selectFrom('agent_commands').selectAll().where('type', '=', type).orderBy('created_at').execute();

beforeAll(async () => {
  stack = await startOperationsStack('exec');
  ({ registry, api, host, orgId, project } = stack);
  serviceId = (await imageService(db(), api.platform.secrets, registry, { projectId: project.id, serverId: host.server.id })).id;
  stack.serviceIds.push(serviceId);
  // A second API process on the same database: it does not hold the agent's socket.
  otherProcess = await buildApi(api.platform, pino({ level: 'warn' }));
  await otherProcess.listen({ port: 0, host: '127.0.0.1' });
  rest = operationsApi(`http://127.0.0.1:${(otherProcess.server.address() as AddressInfo).port}`, api.ownerToken);
  const deploymentId = await rest.deploy(serviceId);
  await waitFor('the first deployment to run', async () => (await rest.deployment(deploymentId)).status === 'running', 90_000);
});

afterAll(async () => {
  await stack?.stop(async () => void (await otherProcess?.close()));
});

const exec = (body: unknown, id = serviceId) => rest.call('POST', `/services/${id}/exec`, body);
const problemOf = (answer: Awaited<ReturnType<typeof exec>>) => {
  if (answer.body.success) throw new Error(`expected an error, got ${JSON.stringify(answer.body.data)}`);
  return answer.body.error as { code: string; message: string; details?: any };
};

describe('running a command in a service', () => {
  it("answers with the command's exit code and output, through an API process that does not hold the agent's socket", async () => {
    expect(otherProcess.agentGateway.session(host.server.id)).toBeUndefined();
    const answer = await exec({ command: ['sh', '-c', 'echo "hello from $(cat /www/version)"; echo oops >&2; exit 3'] });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.data).toEqual({ exit_code: 3, stdout: 'hello from v1\n', stderr: 'oops\n', truncated: false });
  });

  it('runs in the working directory asked for', async () => {
    const answer = await exec({ command: ['pwd'], working_dir: '/www' });
    expect(answer.body.data).toMatchObject({ exit_code: 0, stdout: '/www\n' });
  });

  it('audits the command, and keeps only how it ended in the outbox, not what it printed', async () => {
    await exec({ command: ['echo', 'not-kept-anywhere'] });
    const audit = await db()
      .selectFrom('audit_logs')
      .select(['details', 'user_id'])
      .where('action', '=', 'service.exec')
      .where('resource_id', '=', serviceId)
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ command: ['echo', 'not-kept-anywhere'], working_dir: null, via: 'token' });
    const row = (await commandRows('exec')).at(-1)!;
    expect(row.status).toBe('answered');
    expect(row.response).toEqual({ request_id: row.request_id, success: true, data: { exit_code: 0 } });
    expect(JSON.stringify(row.response)).not.toContain('not-kept-anywhere');
  });

  it('shows only the end of an output too long to show, and says so', async () => {
    // 50,000 lines of 11 bytes: more than the API shows, less than the agent keeps.
    const answer = await exec({ command: ['sh', '-c', 'i=0; while [ $i -lt 50000 ]; do echo 0123456789; i=$((i+1)); done; echo last'] });
    expect(answer.status).toBe(200);
    expect(answer.body.data.truncated).toBe(true);
    expect(Buffer.byteLength(answer.body.data.stdout)).toBeLessThanOrEqual(EXEC_OUTPUT_SHOWN_MAX_BYTES);
    expect(answer.body.data.stdout.length).toBeGreaterThan(EXEC_OUTPUT_SHOWN_MAX_BYTES - 11);
    expect(answer.body.data.stdout.endsWith('0123456789\nlast\n')).toBe(true);
  });

  it("answers 422 EXEC_TIMEOUT with what was printed when the command outlives its timeout", async () => {
    const answer = await exec({ command: ['sh', '-c', 'echo started; sleep 30'], timeout_seconds: 1 });
    expect(answer.status).toBe(422);
    expect(problemOf(answer)).toMatchObject({ code: 'UNPROCESSABLE', details: { agent_error: 'EXEC_TIMEOUT', stdout: 'started\n' } });
  });

  it('reports a program the container does not have as Docker does: exit code 126 and why', async () => {
    const answer = await exec({ command: ['no-such-program'] });
    expect(answer.status).toBe(200);
    expect(answer.body.data.exit_code).toBe(126);
    expect(`${answer.body.data.stdout}${answer.body.data.stderr}`).toMatch(/no-such-program.*not found/);
  });

  it('refuses a malformed body with 400 and sends nothing', async () => {
    const before = (await commandRows('exec')).length;
    for (const body of [{ command: [] }, { command: [''] }, { command: ['ls'], timeout_seconds: 301 }, { command: ['ls'], working_dir: 'relative' }, {}]) {
      const answer = await exec(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(problemOf(answer).code).toBe('VALIDATION_ERROR');
    }
    expect(await commandRows('exec')).toHaveLength(before);
  });

  it('answers 422 for a service never deployed, and 404 for a service of another organization', async () => {
    const idle = await imageService(db(), api.platform.secrets, registry, { projectId: project.id, serverId: host.server.id });
    expect((await exec({ command: ['ls'] }, idle.id)).status).toBe(422);
    const stranger = await otherOrganization(db(), 'exec-other');
    const theirs = await api.app.inject({ method: 'POST', url: `/api/v1/services/${serviceId}/exec`, headers: bearer(stranger.ownerToken), payload: { command: ['ls'] } });
    expect(theirs.statusCode).toBe(404);
  });
});

describe('when the agent cannot answer', () => {
  it('answers 503 at once while the server is offline, and queues nothing', async () => {
    await host.stopAgent();
    await expect.poll(async () => (await db().selectFrom('servers').select('status').where('id', '=', host.server.id).executeTakeFirstOrThrow()).status).toBe('offline');
    const before = (await commandRows('exec')).length;
    const answer = await exec({ command: ['ls'] });
    expect(answer.status).toBe(503);
    expect(problemOf(answer).message).toMatch(/is offline/);
    expect(await commandRows('exec')).toHaveLength(before);
    await host.startAgent();
  });

  it('gives up after the timeout and its grace, and a late answer changes nothing', async () => {
    const { server, token } = await createServer(db(), orgId, 'silent-host');
    const silent = await imageService(db(), api.platform.secrets, registry, { projectId: project.id, serverId: server.id });
    const deployment = await db().insertInto('deployments').values({ service_id: silent.id, status: 'running' }).returning('id').executeTakeFirstOrThrow();
    await db().updateTable('services').set({ current_deployment_id: deployment.id }).where('id', '=', silent.id).execute();
    const agent = await FakeAgent.connect(`http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`, token, server.id);
    await agent.hello();

    const answer = await exec({ command: ['ls'], timeout_seconds: 1 }, silent.id);
    expect(answer.status).toBe(503);
    expect(problemOf(answer).message).toMatch(/did not answer within 16 s/);
    const sent = await agent.next('exec');
    const row = async () => db().selectFrom('agent_commands').selectAll().where('request_id', '=', sent.payload.request_id).executeTakeFirstOrThrow();
    expect((await row()).status).toBe('expired');

    agent.send('command_response', { request_id: sent.payload.request_id, success: true, data: { exit_code: 0, stdout: 'late', stderr: '' } });
    // The session handles messages in order: once this ping is answered, the late answer was handled.
    agent.send('ping', { nonce: 'after-the-late-answer', sent_at: new Date().toISOString() });
    await agent.next('pong');
    expect(await row()).toMatchObject({ status: 'expired', response: null });
    await agent.close();
  }, 40_000);
});
