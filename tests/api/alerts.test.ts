import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { signature, signatureHeader } from '../../control/alerting/channel-delivery.js';
import { AlertIncident, AlertRule, AlertTestResult, apiResponse, SECRET_MASK } from '../../contracts/index.js';
import { addMember, bearer, bootstrappedOrganization, otherOrganization } from '../support/auth.js';
import { startTestApi } from '../support/platform.js';
import { projectWithServices } from './observability-fixtures.js';

const webhookSecret = 'whsec-0123456789abcdef';
const slackUrl = 'https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX';
const smtpPassword = 'smtp-pass-word!';

const channels = [
  { type: 'webhook', url: 'https://ops.example.com/hooks/syntra', secret: webhookSecret },
  { type: 'slack', webhook_url: slackUrl },
  { type: 'email', to: ['ops@example.com'], from: 'syntra@localhost', smtp: { host: 'mail.example.com', port: 587, security: 'starttls', username: 'syntra', password: smtpPassword } },
];
const latency = { type: 'latency', percentile: 95, threshold_ms: 800, window_minutes: 5 };

describe('alert rules and incidents', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let owner: Record<string, string>;
  let orgId: string;
  let ownerId: string;
  let projectId: string;
  let serviceId: string;
  let foreign: { token: Record<string, string>; serviceId: string };

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, headers = owner) =>
    api.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });
  const createRule = async (body: object, headers = owner) => {
    const response = await call('POST', '/alerts', body, headers);
    expect(response.statusCode, response.body).toBe(201);
    return apiResponse(AlertRule).parse(response.json()).data;
  };
  const faultPaths = (response: { json(): { error: { details: { path: string }[] } } }) =>
    response.json().error.details.map((fault) => fault.path);

  beforeAll(async () => {
    api = await startTestApi('alerts');
    owner = bearer(api.ownerToken);
    const organization = await bootstrappedOrganization(api.platform.db);
    [orgId, ownerId] = [organization.id, organization.owner_id];
    const ours = await projectWithServices(api.platform.db, orgId, 1);
    [projectId, serviceId] = [ours.project.id, ours.services[0]!.id];
    const other = await otherOrganization(api.platform.db, 'alerts-other');
    foreign = { token: bearer(other.ownerToken), serviceId: (await projectWithServices(api.platform.db, other.org.id, 1)).services[0]!.id };
  });
  afterAll(async () => {
    await api?.close();
  });

  describe('rules', () => {
    it('creates a project rule and never shows, logs or stores a credential in the clear', async () => {
      const response = await call('POST', '/alerts', { name: 'Slow checkout', project_id: projectId, condition: latency, channels });
      expect(response.statusCode, response.body).toBe(201);
      for (const secret of [webhookSecret, slackUrl, smtpPassword]) expect(response.body).not.toContain(secret);
      const rule = apiResponse(AlertRule).parse(response.json()).data;
      expect(rule).toMatchObject({ org_id: orgId, project_id: projectId, service_id: null, type: 'latency', condition: latency, is_active: true });
      expect(rule.channels).toMatchObject([
        { type: 'webhook', url: 'https://ops.example.com/hooks/syntra', secret: SECRET_MASK },
        { type: 'slack', webhook_url: `https://hooks.slack.com/${SECRET_MASK}` },
        { type: 'email', to: ['ops@example.com'], smtp: { host: 'mail.example.com', username: 'syntra', password: SECRET_MASK } },
      ]);

      const { db } = api.platform;
      const stored = await db.selectFrom('alerts').select('channels').where('id', '=', rule.id).executeTakeFirstOrThrow();
      const audit = await db.selectFrom('audit_logs').select(['action', 'details']).where('resource_id', '=', rule.id).execute();
      expect(audit.map((entry) => entry.action)).toEqual(['alert.create']);
      for (const text of [JSON.stringify(stored.channels), JSON.stringify(audit)]) {
        for (const secret of [webhookSecret, slackUrl, smtpPassword]) expect(text).not.toContain(secret);
      }
      const sealedSecret = (stored.channels as { secret?: string }[])[0]!.secret!;
      expect(api.platform.secrets.open(Buffer.from(sealedSecret, 'base64'), `alerts.channels:${rule.id}:${rule.channels[0]!.id}:secret`)).toBe(webhookSecret);
    });

    it("creates a service rule under the service's project", async () => {
      const rule = await createRule({ name: 'Down', service_id: serviceId, condition: { type: 'downtime', consecutive_failures: 3 }, channels: [channels[1]] });
      expect(rule).toMatchObject({ project_id: projectId, service_id: serviceId, type: 'downtime' });
    });

    it('answers 400 naming each bad field, and 422 for a target outside the organization', async () => {
      const cases: [object, string][] = [
        [{ name: 'x', condition: latency, channels }, 'body.project_id'],
        [{ name: 'x', project_id: projectId, service_id: serviceId, condition: latency, channels }, 'body.project_id'],
        [{ name: 'x', project_id: projectId, condition: { ...latency, percentile: 42 }, channels }, 'body.condition.percentile'],
        [{ name: 'x', project_id: projectId, condition: { type: 'anomaly' }, channels }, 'body.condition.type'],
        [{ name: 'x', project_id: projectId, condition: latency, channels: [] }, 'body.channels'],
        [{ name: 'x', project_id: projectId, condition: latency, channels: [{ ...channels[0], secret: 'short' }] }, 'body.channels.0.secret'],
        [{ name: 'x', project_id: projectId, condition: latency, channels: [{ type: 'slack', webhook_url: 'ftp://hooks.example.com/x' }] }, 'body.channels.0.webhook_url'],
        [{ name: 'x', project_id: projectId, condition: latency, channels: [{ ...channels[2], to: ['nobody'] }] }, 'body.channels.0.to.0'],
        // The mask keeps a stored credential; a new channel has none to keep.
        [{ name: 'x', project_id: projectId, condition: latency, channels: [{ ...channels[0], secret: SECRET_MASK }] }, 'body.channels.0.secret'],
      ];
      for (const [body, path] of cases) {
        const response = await call('POST', '/alerts', body);
        expect(response.statusCode, path).toBe(400);
        expect(faultPaths(response), path).toContain(path);
      }
      const foreignTarget = await call('POST', '/alerts', { name: 'x', service_id: foreign.serviceId, condition: latency, channels });
      expect(foreignTarget.statusCode).toBe(422);
    });

    it('updates channels, keeping a credential sent back masked and replacing one sent anew', async () => {
      const rule = await createRule({ name: 'Errors', project_id: projectId, condition: { type: 'error_rate', threshold_percent: 5, window_minutes: 10 }, channels });
      const [webhook, slack, email] = rule.channels;
      if (email?.type !== 'email') throw new Error('the third channel is the email one');
      const response = await call('PATCH', `/alerts/${rule.id}`, {
        name: 'Errors (paging)',
        is_active: false,
        channels: [
          { ...webhook, secret: SECRET_MASK },
          { ...slack, webhook_url: 'https://chat.example.com/hooks/new' },
          { ...email, smtp: { ...email.smtp, password: SECRET_MASK } },
        ],
      });
      expect(response.statusCode, response.body).toBe(200);
      const updated = apiResponse(AlertRule).parse(response.json()).data;
      expect(updated).toMatchObject({ name: 'Errors (paging)', is_active: false });
      expect(updated.channels.map((channel) => channel.id)).toEqual(rule.channels.map((channel) => channel.id));
      expect(updated.channels[1]).toMatchObject({ webhook_url: `https://chat.example.com/${SECRET_MASK}` });

      const stored = await api.platform.db.selectFrom('alerts').select('channels').where('id', '=', rule.id).executeTakeFirstOrThrow();
      const [storedWebhook, storedSlack, storedEmail] = stored.channels as { secret: string; webhook_url: string; smtp: { password: string } }[];
      const open = (sealed: string, channelId: string, field: string) =>
        api.platform.secrets.open(Buffer.from(sealed, 'base64'), `alerts.channels:${rule.id}:${channelId}:${field}`);
      expect(open(storedWebhook!.secret, webhook!.id, 'secret')).toBe(webhookSecret);
      expect(open(storedSlack!.webhook_url, slack!.id, 'webhook_url')).toBe('https://chat.example.com/hooks/new');
      expect(open(storedEmail!.smtp.password, email.id, 'smtp.password')).toBe(smtpPassword);
    });

    it('refuses a channel id the rule does not have, or of another type', async () => {
      const rule = await createRule({ name: 'Ids', project_id: projectId, condition: latency, channels: [channels[0]] });
      const [webhook] = rule.channels;
      const asSlack = await call('PATCH', `/alerts/${rule.id}`, { channels: [{ type: 'slack', id: webhook!.id, webhook_url: slackUrl }] });
      expect(faultPaths(asSlack)).toEqual(['body.channels.0.id']);
      const unknown = await call('PATCH', `/alerts/${rule.id}`, { channels: [{ ...webhook, id: '7d3f0a52-9b1e-4c6a-8f2d-000000000000' }] });
      expect(unknown.statusCode).toBe(400);
    });

    it('lists with filters, gets, and deletes; 404 across organizations', async () => {
      const list = async (query: string, headers = owner) => apiResponse(z.array(AlertRule)).parse((await call('GET', `/alerts?${query}`, undefined, headers)).json());
      const all = await list('');
      expect(all.meta?.total).toBe(all.data.length);
      expect((await list('type=downtime')).data.map((rule) => rule.name)).toEqual(['Down']);
      expect((await list(`service_id=${serviceId}`)).data.map((rule) => rule.name)).toEqual(['Down']);
      expect((await list('', foreign.token)).data).toEqual([]);

      const rule = all.data[0]!;
      expect((await call('GET', `/alerts/${rule.id}`)).json().data.name).toBe(rule.name);
      expect((await call('GET', `/alerts/${rule.id}`, undefined, foreign.token)).statusCode).toBe(404);
      expect((await call('PATCH', `/alerts/${rule.id}`, { name: 'theirs' }, foreign.token)).statusCode).toBe(404);
      expect((await call('DELETE', `/alerts/${rule.id}`, undefined, foreign.token)).statusCode).toBe(404);
      expect((await call('DELETE', `/alerts/${rule.id}`)).statusCode).toBe(204);
      expect((await call('GET', `/alerts/${rule.id}`)).statusCode).toBe(404);
    });

    it("shows a project token only its project's rules", async () => {
      const elsewhere = await projectWithServices(api.platform.db, orgId, 1);
      const projectToken = bearer((await addMember(api.platform.db, orgId, 'developer', { projectId: elsewhere.project.id })).token);
      const mine = await createRule({ name: 'Mine', project_id: elsewhere.project.id, condition: latency, channels: [channels[1]] }, projectToken);
      const seen = (await call('GET', '/alerts', undefined, projectToken)).json().data.map((rule: { id: string }) => rule.id);
      expect(seen).toEqual([mine.id]);
      expect((await call('POST', '/alerts', { name: 'x', project_id: projectId, condition: latency, channels }, projectToken)).statusCode).toBe(422);
    });
  });

  describe('send test', () => {
    it("sends a signed test notice to each channel, says how each went, and audits it without credentials", async () => {
      const received: { headers: IncomingHttpHeaders; body: string }[] = [];
      const receiver = createHttpServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString()));
        request.on('end', () => {
          received.push({ headers: request.headers, body });
          response.end('ok');
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = receiver.address() as AddressInfo;
        const rule = await createRule({
          name: 'test me',
          project_id: projectId,
          condition: latency,
          channels: [
            { type: 'webhook', url: `http://127.0.0.1:${port}/hooks`, secret: webhookSecret },
            // Nothing listens on the discard port: the channel fails and says why.
            { type: 'slack', webhook_url: 'http://127.0.0.1:9/hooks/slack-secret' },
          ],
        });
        const response = await call('POST', `/alerts/${rule.id}/test`);
        expect(response.statusCode, response.body).toBe(200);
        const { channels } = apiResponse(AlertTestResult).parse(response.json()).data;
        expect(channels.map(({ id, type, delivered }) => ({ id, type, delivered }))).toEqual([
          { id: rule.channels[0]!.id, type: 'webhook', delivered: true },
          { id: rule.channels[1]!.id, type: 'slack', delivered: false },
        ]);
        expect(channels[0]!.error).toBeNull();
        expect(channels[1]!.error).toBeTruthy();
        expect(received).toHaveLength(1);
        const [delivery] = received;
        expect(JSON.parse(delivery!.body)).toMatchObject({ event: 'incident.test', rule: { id: rule.id, name: 'test me' }, incident: { alert_id: rule.id, details: { test: true } } });
        expect(delivery!.headers[signatureHeader]).toBe(signature(webhookSecret, delivery!.body));
        // No incident is made.
        expect(await api.platform.db.selectFrom('alert_incidents').select('id').where('alert_id', '=', rule.id).execute()).toEqual([]);
        const audit = await api.platform.db.selectFrom('audit_logs').select(['action', 'details']).where('resource_id', '=', rule.id).where('action', '=', 'alert.test').execute();
        expect(audit).toHaveLength(1);
        expect(JSON.stringify(audit[0]!.details)).not.toContain('slack-secret');
        expect(JSON.stringify(audit[0]!.details)).not.toContain(webhookSecret);
      } finally {
        await new Promise((resolve) => receiver.close(resolve));
      }
    });

    it('answers 404 across organizations and 403 to a viewer', async () => {
      const rule = await createRule({ name: 'not yours', project_id: projectId, condition: latency, channels: [channels[0]] });
      expect((await call('POST', `/alerts/${rule.id}/test`, undefined, foreign.token)).statusCode).toBe(404);
      const viewer = bearer((await addMember(api.platform.db, orgId, 'viewer')).token);
      expect((await call('POST', `/alerts/${rule.id}/test`, undefined, viewer)).statusCode).toBe(403);
    });
  });

  describe('incidents', () => {
    let incidents: Record<'firing' | 'older' | 'resolved', string>;
    let alertId: string;

    beforeAll(async () => {
      alertId = (await createRule({ name: 'For incidents', project_id: projectId, condition: latency, channels: [channels[1]] })).id;
      const insert = (values: { status: 'firing' | 'resolved'; fired_at: string }) =>
        api.platform.db
          .insertInto('alert_incidents')
          .values({ alert_id: alertId, message: `p95 above 800 ms (${values.fired_at})`, details: JSON.stringify({ p95_ms: 1200 }), ...values })
          .returning('id')
          .executeTakeFirstOrThrow()
          .then((row) => row.id);
      incidents = {
        firing: await insert({ status: 'firing', fired_at: '2025-11-20T10:00:00Z' }),
        older: await insert({ status: 'firing', fired_at: '2025-11-19T10:00:00Z' }),
        resolved: await insert({ status: 'resolved', fired_at: '2025-11-18T10:00:00Z' }),
      };
    });

    it('lists incidents newest first, filtered by status and rule', async () => {
      const ids = async (query: string) => apiResponse(z.array(AlertIncident)).parse((await call('GET', `/incidents?${query}`)).json()).data.map((incident) => incident.id);
      expect(await ids(`alert_id=${alertId}`)).toEqual([incidents.firing, incidents.older, incidents.resolved]);
      expect(await ids('status=resolved')).toEqual([incidents.resolved]);
      expect((await call('GET', '/incidents?status=open')).statusCode).toBe(400);
      expect((await call('GET', '/incidents', undefined, foreign.token)).json().data).toEqual([]);
    });

    it('acknowledges a firing incident once, by the caller, and audits it', async () => {
      const response = await call('POST', `/incidents/${incidents.firing}/acknowledge`);
      expect(response.statusCode, response.body).toBe(200);
      const incident = apiResponse(AlertIncident).parse(response.json()).data;
      expect(incident).toMatchObject({ status: 'acknowledged', acknowledged_by: ownerId, details: { p95_ms: 1200 } });
      expect((await call('GET', `/incidents/${incidents.firing}`)).json().data.status).toBe('acknowledged');
      const again = await call('POST', `/incidents/${incidents.firing}/acknowledge`);
      expect(again.statusCode).toBe(409);
      expect((await call('POST', `/incidents/${incidents.resolved}/acknowledge`)).statusCode).toBe(409);
      const audit = await api.platform.db.selectFrom('audit_logs').select('action').where('resource_id', '=', incidents.firing).execute();
      expect(audit).toEqual([{ action: 'incident.acknowledge' }]);
    });

    it('answers 404 across organizations and 403 to a viewer', async () => {
      expect((await call('GET', `/incidents/${incidents.older}`, undefined, foreign.token)).statusCode).toBe(404);
      expect((await call('POST', `/incidents/${incidents.older}/acknowledge`, undefined, foreign.token)).statusCode).toBe(404);
      const viewer = bearer((await addMember(api.platform.db, orgId, 'viewer')).token);
      expect((await call('POST', `/incidents/${incidents.older}/acknowledge`, undefined, viewer)).statusCode).toBe(403);
      expect((await call('GET', `/incidents/${incidents.older}`, undefined, viewer)).statusCode).toBe(200);
    });
  });
});
