import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AlertChannel, type AlertChannelInput, SECRET_MASK } from '../contracts/index.js';
import { ApiProblem } from './problem.js';
import type { FieldProblem } from './problem.js';
import type { SecretCipher } from './secrets/cipher.js';

/*
 * Alert channels as `alerts.channels` stores them. Credentials (a webhook's signing secret, a
 * Slack webhook URL, an SMTP password) are sealed under the master key like env vars, each with
 * its own context naming the rule, the channel and the field, and never leave the API unmasked:
 * responses show SECRET_MASK, which a client sends back to keep the stored credential.
 */

const Sealed = z.base64().describe('SecretCipher.seal output');
const [webhook, slack, email] = AlertChannel.options;

export const StoredAlertChannel = z.discriminatedUnion('type', [
  webhook.extend({ secret: Sealed }),
  slack.extend({ webhook_url: Sealed, webhook_origin: z.string() }),
  email.extend({ smtp: email.shape.smtp.extend({ password: Sealed.optional() }) }),
]);
export type StoredAlertChannel = z.infer<typeof StoredAlertChannel>;

export const StoredAlertChannels = z.array(StoredAlertChannel);

export const credentialContext = (alertId: string, channelId: string, field: string) => `alerts.channels:${alertId}:${channelId}:${field}`;

const slackMask = (origin: string) => `${origin}/${SECRET_MASK}`;

export function maskChannel(channel: StoredAlertChannel): AlertChannel {
  switch (channel.type) {
    case 'webhook':
      return { ...channel, secret: SECRET_MASK };
    case 'slack': {
      const { webhook_origin: origin, ...rest } = channel;
      return { ...rest, webhook_url: slackMask(origin) };
    }
    case 'email': {
      const { password, ...smtp } = channel.smtp;
      return { ...channel, smtp: { ...smtp, ...(password ? { password: SECRET_MASK } : {}) } };
    }
  }
}

function channelProblem(problem: FieldProblem): ApiProblem {
  return new ApiProblem('VALIDATION_ERROR', `Invalid request: ${problem.path}`, { details: [problem] });
}

/**
 * The channels of a request, sealed for storage. A channel naming the `id` of one of `previous`
 * (the rule's channels before an update) may send SECRET_MASK for a credential to keep it; a new
 * channel must carry every credential in full.
 */
export function sealChannels(
  cipher: SecretCipher,
  alertId: string,
  inputs: readonly AlertChannelInput[],
  previous: readonly StoredAlertChannel[] = [],
): StoredAlertChannel[] {
  return inputs.map((input, index) => {
    const at = (field: string) => `body.channels.${index}.${field}`;
    const before = input.id === undefined ? undefined : previous.find((channel) => channel.id === input.id);
    if (input.id !== undefined && before?.type !== input.type) {
      throw channelProblem({ path: at('id'), message: `no ${input.type} channel ${input.id} on this rule` });
    }
    const id = input.id ?? randomUUID();
    const seal = (field: string, value: string, kept: string | undefined, shownAs: string) => {
      if (value !== shownAs) return cipher.seal(value, credentialContext(alertId, id, field)).toString('base64');
      if (kept === undefined) throw channelProblem({ path: at(field), message: `give the ${field} in full: there is no stored one to keep` });
      return kept;
    };
    switch (input.type) {
      case 'webhook': {
        const kept = before?.type === 'webhook' ? before.secret : undefined;
        return { id, type: 'webhook', url: input.url, secret: seal('secret', input.secret, kept, SECRET_MASK) };
      }
      case 'slack': {
        const kept = before?.type === 'slack' ? before : undefined;
        const sealed = seal('webhook_url', input.webhook_url, kept?.webhook_url, kept ? slackMask(kept.webhook_origin) : SECRET_MASK);
        const origin = kept && sealed === kept.webhook_url ? kept.webhook_origin : new URL(input.webhook_url).origin;
        return { id, type: 'slack', webhook_url: sealed, webhook_origin: origin };
      }
      case 'email': {
        const { password, ...smtp } = input.smtp;
        const kept = before?.type === 'email' ? before.smtp.password : undefined;
        const sealed = password === undefined ? undefined : seal('smtp.password', password, kept, SECRET_MASK);
        return { id, type: 'email', to: input.to, from: input.from, smtp: { ...smtp, ...(sealed ? { password: sealed } : {}) } };
      }
    }
  });
}
