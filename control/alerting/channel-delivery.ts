import { createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';
import { credentialContext, type StoredAlertChannel } from '../alert-channels.js';
import type { SecretCipher } from '../secrets/cipher.js';

/*
 * Sending one message through one of an alert rule's channels: what incident notices
 * (api/alerting/) and a workflow's `notify` steps (activities/dag-notify.ts) both do. The message
 * comes in the forms the channels need: a JSON body for the signed webhook, a headline for Slack
 * and an email's subject, and a text for the email's body.
 */

/** A channel that does not answer within this fails the attempt. */
export const notificationTimeoutMs = 10_000;
export const signatureHeader = 'x-syntra-signature';

export interface ChannelMessage {
  webhookBody: string;
  headline: string;
  text: string;
}

export const signature = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** Sends `message` through `channel` of the alert rule `ruleId` (whose id seals its credentials). */
export async function deliver(cipher: SecretCipher, ruleId: string, channel: StoredAlertChannel, message: ChannelMessage): Promise<void> {
  const open = (sealed: string, field: string) => cipher.open(Buffer.from(sealed, 'base64'), credentialContext(ruleId, channel.id, field));
  switch (channel.type) {
    case 'webhook':
      return post(channel.url, message.webhookBody, { [signatureHeader]: signature(open(channel.secret, 'secret'), message.webhookBody) });
    case 'slack':
      return post(open(channel.webhook_url, 'webhook_url'), JSON.stringify({ text: message.headline }), {});
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
        await transport.sendMail({ from: channel.from, to: channel.to, subject: message.headline, text: message.text });
      } finally {
        transport.close();
      }
      return;
    }
  }
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
