// Shared by bench/ingest-errors.ts and bench/ingest-spans.ts (not a benchmark itself): a control
// plane with one server and its services, a protocol-level agent on it, and a sender that keeps a
// window of zstd batches in flight and waits for every acknowledgement.
import { randomUUID } from 'node:crypto';
import { compress } from 'zstd-napi';
import { issueToken } from '../contracts/tokens.js';
import { toAgentProtocolId, type TelemetryData } from '../contracts/index.js';
import { FakeAgent } from '../tests/support/fake-agent.js';
import { startBenchControlPlane } from './support/control-plane.js';

export async function ingestBench(serviceCount: number) {
  const controlPlane = await startBenchControlPlane();
  const { db, orgId } = controlPlane;
  const token = issueToken('agt');
  const server = await db.insertInto('servers').values({ org_id: orgId, name: 'bench-host', agent_token_hash: token.hash }).returning('id').executeTakeFirstOrThrow();
  const project = await db.insertInto('projects').values({ org_id: orgId, name: 'bench', slug: 'bench' }).returning('id').executeTakeFirstOrThrow();
  const services = await db
    .insertInto('services')
    .values(Array.from({ length: serviceCount }, (_, index) => ({ project_id: project.id, server_id: server.id, name: `svc-${index}`, source_type: 'image' as const })))
    .returning('id')
    .execute();
  const agent = await FakeAgent.connect(controlPlane.url, token.token, server.id);
  await agent.hello();
  const empty: TelemetryData = { errors: [], traces: [], logs: [], metrics: [], health_checks: [] };

  const encode = (data: Partial<TelemetryData>) => ({
    batch_id: randomUUID(),
    agent_id: toAgentProtocolId(server.id),
    compression: 'zstd' as const,
    data: compress(Buffer.from(JSON.stringify({ ...empty, ...data }))).toString('base64'),
  });

  /** Sends every batch with at most `window` unacknowledged; resolves with the elapsed ms. */
  const sendAll = async (batches: ReturnType<typeof encode>[], window: number): Promise<number> => {
    const started = performance.now();
    let next = 0;
    let refused = 0;
    await new Promise<void>((resolve, reject) => {
      let acked = 0;
      const sendOne = () => {
        const batch = batches[next++];
        if (batch) agent.send('telemetry_batch', batch);
      };
      agent.socket.on('message', function onAck(data) {
        const message = JSON.parse(data.toString());
        if (message.type !== 'telemetry_ack') return;
        if (!message.payload.accepted) refused += 1;
        acked += 1;
        if (acked === batches.length) {
          agent.socket.off('message', onAck);
          return refused === 0 ? resolve() : reject(new Error(`${refused} batches refused`));
        }
        sendOne();
      });
      for (let index = 0; index < Math.min(window, batches.length); index += 1) sendOne();
    });
    return performance.now() - started;
  };

  return {
    platform: controlPlane.platform,
    serverId: server.id,
    serviceIds: services.map((service) => service.id),
    encode,
    sendAll,
    stop: async () => {
      await agent.close();
      await controlPlane.stop();
    },
  };
}
