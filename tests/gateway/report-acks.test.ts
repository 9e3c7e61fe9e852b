import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueAgentCommand } from '../../db/queries/agent-commands.js';
import { FakeAgent } from '../support/fake-agent.js';
import { createOrganization, createProject, createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';

/*
 * Protocol 1.3: the gateway acknowledges each command_response and deploy_status once it is
 * stored (and signalled), and a report the agent sends again, with the same envelope id, is
 * applied once. The agent's side of it is in tests/agent/report-outbox.test.ts; a report lost
 * with a killed API process, in tests/scale/multi-process.test.ts.
 */
describe('acknowledged agent reports', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let baseUrl: string;
  let orgId: string;
  beforeAll(async () => {
    api = await startTestApi('report-acks');
    baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
    orgId = (await createOrganization(api.platform.db, 'acks')).org.id;
  });
  afterAll(async () => {
    await api?.close();
  });
  const db = () => api.platform.db;

  /** A report with an envelope id of the test's choosing, as an agent sends one again. */
  const report = (agent: FakeAgent, id: string, type: string, payload: unknown) =>
    agent.sendRaw(JSON.stringify({ id, type, timestamp: new Date().toISOString(), payload }));
  const acksOf = (agent: FakeAgent) => agent.received.filter((message) => message.type === 'report_ack').map((message) => message.payload.message_id);

  async function deploymentOn(serverId: string) {
    const project = await createProject(db(), orgId, 'acks');
    const service = await db()
      .insertInto('services')
      .values({ project_id: project.id, server_id: serverId, name: 'web', source_type: 'image', image_name: 'registry.test/web', image_tag: 'v1', port: 8080 })
      .returning('id')
      .executeTakeFirstOrThrow();
    const deployment = await db().insertInto('deployments').values({ service_id: service.id, status: 'deploying' }).returning('id').executeTakeFirstOrThrow();
    return { serviceId: service.id, deploymentId: deployment.id };
  }

  it('stores a deploy_status sent twice with one envelope id once, and acknowledges both', async () => {
    const { server, token } = await createServer(db(), orgId, 'acked-deploy');
    const { serviceId, deploymentId } = await deploymentOn(server.id);
    const agent = await FakeAgent.connect(baseUrl, token, server.id);
    expect((await agent.hello({ protocol_version: '1.3' })).payload.protocol_version).toBe('1.3');
    const status = {
      deployment_id: deploymentId,
      service_id: serviceId,
      status: 'running',
      phase: 'cleanup',
      progress_percent: 100,
      message: 'Running',
      started_at: new Date().toISOString(),
    };
    const id = randomUUID();
    report(agent, id, 'deploy_status', status);
    await expect.poll(() => acksOf(agent)).toEqual([id]);
    const events = () => db().selectFrom('deployment_events').selectAll().where('deployment_id', '=', deploymentId).execute();
    expect(await events()).toMatchObject([{ report_id: id, status: 'running', source: 'agent' }]);

    // The agent did not see the acknowledgement (its socket died) and says it again, to whichever process.
    await agent.close();
    const again = await FakeAgent.connect(baseUrl, token, server.id);
    await again.hello({ protocol_version: '1.3' });
    report(again, id, 'deploy_status', status);
    const later = randomUUID();
    report(again, later, 'deploy_status', { ...status, message: 'Still running' });
    await expect.poll(() => acksOf(again)).toEqual([id, later]);
    expect((await events()).map((event) => [event.report_id, event.message])).toEqual([
      [id, 'Running'],
      [later, 'Still running'],
    ]);
    await again.close();
  });

  it('records a command_response sent twice once, and acknowledges both', async () => {
    const { server, token } = await createServer(db(), orgId, 'acked-answer');
    const agent = await FakeAgent.connect(baseUrl, token, server.id);
    await agent.hello({ protocol_version: '1.3' });
    const payload = { request_id: 'restart-acked', service_id: randomUUID(), timeout_seconds: 10 };
    await enqueueAgentCommand(db(), { serverId: server.id, requestId: 'restart-acked', type: 'restart', payload });
    await agent.next('restart');
    const id = randomUUID();
    report(agent, id, 'command_response', { request_id: 'restart-acked', success: true, data: { restarted: 1 } });
    await expect.poll(() => acksOf(agent)).toEqual([id]);
    const answered = () => db().selectFrom('agent_commands').selectAll().where('request_id', '=', 'restart-acked').executeTakeFirstOrThrow();
    const first = await answered();
    expect(first).toMatchObject({ status: 'answered', response: { success: true, data: { restarted: 1 } } });

    report(agent, id, 'command_response', { request_id: 'restart-acked', success: false, error: { code: 'COMMAND_FAILED', message: 'a different answer' } });
    await expect.poll(() => acksOf(agent)).toEqual([id, id]);
    expect(await answered()).toEqual(first);
    await agent.close();
  });

  it('sends no report_ack to an agent of protocol 1.2, which keeps nothing for it', async () => {
    const { server, token } = await createServer(db(), orgId, 'unacked');
    const { serviceId, deploymentId } = await deploymentOn(server.id);
    const agent = await FakeAgent.connect(baseUrl, token, server.id);
    expect((await agent.hello({ protocol_version: '1.2' })).payload.protocol_version).toBe('1.2');
    agent.send('deploy_status', { deployment_id: deploymentId, service_id: serviceId, status: 'pulling', phase: 'pull_image', progress_percent: 10, message: 'Pulling', started_at: new Date().toISOString() });
    const stored = () => db().selectFrom('deployment_events').select('id').where('deployment_id', '=', deploymentId).execute();
    await expect.poll(stored).toHaveLength(1);
    // Handled, so an acknowledgement would be on the socket already, before the pong.
    await api.app.agentGateway.settled();
    agent.send('ping', { nonce: 'after-report', sent_at: new Date().toISOString() });
    await agent.next('pong');
    expect(acksOf(agent)).toEqual([]);
    await agent.close();
  });
});
