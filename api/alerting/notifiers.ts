import { createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { AlertIncident } from '../../contracts/index.js';
import type { AlertNotice, AlertRow } from '../../db/postgres/database.js';
import { credentialContext, type StoredAlertChannel } from '../../control/alert-channels.js';
import type { SecretCipher } from '../../control/secrets/cipher.js';

/** A channel that does not answer within this fails the attempt (retried by notification-queue.ts). */
export const notificationTimeoutMs = 10_000;
export const signatureHeader = 'x-syntra-signature';

export interface Notice {
  /** `test`: sent by hand from the rule (`POST /alerts/:id/test`), about no real incident. */
  kind: AlertNotice | 'test';
  rule: Pick<AlertRow, 'id' | 'name' | 'type'>;
  incident: AlertIncident;
}

/** The generic webhook's body; its HMAC-SHA256 under the channel's secret is the signature header. */
export function webhookBody(notice: Notice): string {
  return JSON.stringify({
    event: `incident.${notice.kind}`,
    rule: { id: notice.rule.id, name: notice.rule.name, type: notice.rule.type },
    incident: notice.incident,
  });
}

export const signature = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

const headlineTag: Record<Notice['kind'], string> = { fired: 'FIRING', resolved: 'RESOLVED', test: 'TEST' };
const headline = (notice: Notice) => `[${headlineTag[notice.kind]}] ${notice.incident.message}`;

export async function deliver(cipher: SecretCipher, channel: StoredAlertChannel, notice: Notice): Promise<void> {
  const open = (sealed: string, field: string) => cipher.open(Buffer.from(sealed, 'base64'), credentialContext(notice.rule.id, channel.id, field));
  switch (channel.type) {
    case 'webhook': {
      const body = webhookBody(notice);
      return post(channel.url, body, { [signatureHeader]: signature(open(channel.secret, 'secret'), body) });
    }
    case 'slack':
      return post(open(channel.webhook_url, 'webhook_url'), JSON.stringify({ text: headline(notice) }), {});
    case 'email': {
      const { smtp } = channel;
      const transport = nodemailer.createTransport({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.security === 'tls',
        requireTLS: smtp.security === 'starttls',
        ignoreTLS: smtp.security === 'none',
        connectionTimeout: notificationTimeoutMs,
        greetingTimeout: notificationTimeoutMs,
        socketTimeout: notificationTimeoutMs,
        ...(smtp.username ? { auth: { user: smtp.username, pass: smtp.password ? open(smtp.password, 'smtp.password') : '' } } : {}),
      });
      try {
        await transport.sendMail({ from: channel.from, to: channel.to, subject: headline(notice), text: emailText(notice) });
      } finally {
        transport.close();
      }
      return;
    }
  }
}

function emailText(notice: Notice): string {
  const { incident } = notice;
  return [
    headline(notice),
    '',
    `Rule: ${notice.rule.name} (${notice.rule.type})`,
    `Fired: ${incident.fired_at}`,
    ...(incident.resolved_at ? [`Resolved: ${incident.resolved_at}`] : []),
    `Incident: ${incident.id}`,
  ].join('\n');
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    // A receiver that redirects is answered as failed: the signed body goes only where the rule says.
    redirect: 'manual',
    signal: AbortSignal.timeout(notificationTimeoutMs),
  });
  if (!response.ok) throw new Error(`${new URL(url).origin} answered ${response.status}`);
}
