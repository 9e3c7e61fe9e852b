import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { LIVE_PATH, liveEvents, type LiveAck, type LiveDeploymentEvent, type LiveRoom } from '../../contracts/index.js';
import { recordStatusChange } from '../../db/queries/deployment-events.js';
import { bootstrappedOrganization } from '../support/auth.js';
import { createOrganization, createProject, createServer, createService } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';

/*
 * socket.io against the real API and PostgreSQL: events recorded in `deployment_events` (by any
 * process) reach the sockets that joined their service's or deployment's room.
 */
describe('live updates (socket.io)', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let baseUrl: string;
  const sockets: Socket[] = [];
  let serviceId: string;
  let deploymentId: string;
  let otherServiceId: string;

  beforeAll(async () => {
    api = await startTestApi('live');
    baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
    const { db, secrets } = api.platform;
    const org = await bootstrappedOrganization(db);
    const { server } = await createServer(db, org.id, 'live');
    const image = { registry: '127.0.0.1:5000', repository: 'web', tag: 'v1' };
    const project = await createProject(db, org.id, 'live');
    ({ id: serviceId } = await createService(db, secrets, { projectId: project.id, serverId: server.id, name: 'web', image, port: 8080 }));
    ({ id: deploymentId } = await db.insertInto('deployments').values({ service_id: serviceId }).returning('id').executeTakeFirstOrThrow());

    const other = await createOrganization(db, 'live-other');
    const otherServer = await createServer(db, other.org.id, 'elsewhere');
    const otherProject = await createProject(db, other.org.id, 'elsewhere');
    ({ id: otherServiceId } = await createService(db, secrets, { projectId: otherProject.id, serverId: otherServer.server.id, name: 'web', image, port: 8080 }));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await api?.close();
  });

  function open(options: { token?: string; cookie?: string } = {}): Socket {
    const socket = connect(baseUrl, {
      path: LIVE_PATH,
      transports: ['websocket'],
      reconnection: false,
      ...(options.token ? { auth: { token: options.token } } : {}),
      ...(options.cookie ? { extraHeaders: { cookie: options.cookie } } : {}),
    });
    sockets.push(socket);
    return socket;
  }

  const connected = (socket: Socket) =>
    new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });

  const subscribe = (socket: Socket, payload: unknown) =>
    socket.timeout(10_000).emitWithAck(liveEvents.subscribe, payload) as Promise<LiveAck>;
  const room = (kind: LiveRoom['kind'], id: string) => ({ room: { kind, id } });

  /** Every deployment_event the socket receives from now on. */
  function collect(socket: Socket): LiveDeploymentEvent[] {
    const received: LiveDeploymentEvent[] = [];
    socket.on(liveEvents.deploymentEvent, (message: LiveDeploymentEvent) => received.push(message));
    return received;
  }

  it('refuses a handshake without credentials, or with a wrong token, naming the reason', async () => {
    for (const socket of [open(), open({ token: 'syn_usr_not-a-real-token' })]) {
      const error = await connected(socket).then(
        () => null,
        (failure: Error & { data?: { code: string } }) => failure,
      );
      expect(error?.data).toEqual({ code: 'UNAUTHORIZED' });
    }
  });

  it('streams every status change of a deployment to its service room and its deployment room, once per socket, in order', async () => {
    const socket = open({ token: api.ownerToken });
    await connected(socket);
    const received = collect(socket);
    expect(await subscribe(socket, room('service', serviceId))).toEqual({ ok: true });
    expect(await subscribe(socket, room('deployment', deploymentId))).toEqual({ ok: true });

    await recordStatusChange(api.platform.db, { deploymentId, status: 'deploying', message: 'Deploying web:v1' });
    await recordStatusChange(api.platform.db, { deploymentId, status: 'running', message: 'web:v1 is running' });

    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(2);
    expect(received.map((message) => [message.deployment_id, message.service_id, message.event.status, message.event.source])).toEqual([
      [deploymentId, serviceId, 'deploying', 'control_plane'],
      [deploymentId, serviceId, 'running', 'control_plane'],
    ]);
  });

  it("answers a malformed subscription or another organization's service with an error, and the socket keeps working", async () => {
    const socket = open({ token: api.ownerToken });
    await connected(socket);
    const received = collect(socket);
    expect(await subscribe(socket, { room: { kind: 'server', id: 'x' } })).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    expect(await subscribe(socket, 'service:everything')).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    expect(await subscribe(socket, room('service', otherServiceId))).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

    const { id: otherDeployment } = await api.platform.db
      .insertInto('deployments')
      .values({ service_id: otherServiceId })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordStatusChange(api.platform.db, { deploymentId: otherDeployment, status: 'deploying', message: 'elsewhere' });

    expect(await subscribe(socket, room('deployment', deploymentId))).toEqual({ ok: true });
    await recordStatusChange(api.platform.db, { deploymentId, status: 'failed', message: 'health check failed', errorCode: 'HEALTH_CHECK_FAILED' });
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(1);
    expect(received[0]!.event).toMatchObject({ status: 'failed', error_code: 'HEALTH_CHECK_FAILED' });
    expect(socket.connected).toBe(true);
  });

  it('signs a browser in by its session cookie', async () => {
    const login = await api.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { token: api.ownerToken } });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const socket = open({ cookie });
    await connected(socket);
    expect(await subscribe(socket, room('service', serviceId))).toEqual({ ok: true });
  });
});
