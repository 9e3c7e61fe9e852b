import type { AlertIncident } from '../../contracts/index.js';
import type { AlertNotice, AlertRow } from '../../db/postgres/database.js';
import type { StoredAlertChannel } from '../../control/alert-channels.js';
import { type ChannelMessage, deliver as deliverMessage } from '../../control/alerting/channel-delivery.js';
import type { SecretCipher } from '../../control/secrets/cipher.js';

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

const headlineTag: Record<Notice['kind'], string> = { fired: 'FIRING', resolved: 'RESOLVED', test: 'TEST' };
const headline = (notice: Notice) => `[${headlineTag[notice.kind]}] ${notice.incident.message}`;

/** An incident's notice through one of its rule's channels. */
export function deliver(cipher: SecretCipher, channel: StoredAlertChannel, notice: Notice): Promise<void> {
  return deliverMessage(cipher, notice.rule.id, channel, messageOf(notice));
}

function messageOf(notice: Notice): ChannelMessage {
  const { incident } = notice;
  const text = [
    headline(notice),
    '',
    `Rule: ${notice.rule.name} (${notice.rule.type})`,
    `Fired: ${incident.fired_at}`,
    ...(incident.resolved_at ? [`Resolved: ${incident.resolved_at}`] : []),
    `Incident: ${incident.id}`,
  ].join('\n');
  return { webhookBody: webhookBody(notice), headline: headline(notice), text };
}
