import { EnvelopeHeader, EnvelopeItemHeader, SentryEvent, SentrySpanItem, type SentryStreamedSpan } from './sentry-schema.js';

/** One item of an envelope that Syntra maps; other item types (sessions, client reports, attachments) are skipped. */
export type EnvelopeEvent = { type: 'event' | 'transaction'; event: SentryEvent } | { type: 'span'; spans: SentryStreamedSpan[] };

export class MalformedEnvelope extends Error {}

const NEWLINE = 0x0a;

/**
 * Parses a Sentry envelope (https://develop.sentry.dev/sdk/data-model/envelopes/): a JSON
 * header line, then items, each a JSON header line and a payload of `length` bytes (or up to
 * the next newline when the header has no length).
 */
export function parseEnvelope(body: Buffer): { eventId: string | undefined; items: EnvelopeEvent[] } {
  let offset = 0;
  const line = (): Buffer => {
    const end = body.indexOf(NEWLINE, offset);
    const slice = body.subarray(offset, end === -1 ? body.length : end);
    offset = end === -1 ? body.length : end + 1;
    return slice;
  };
  const header = EnvelopeHeader.safeParse(parseJson(line()));
  if (!header.success) throw new MalformedEnvelope('the envelope header is not a JSON object');
  const items: EnvelopeEvent[] = [];
  while (offset < body.length) {
    const headerLine = line();
    if (headerLine.length === 0) continue;
    const itemHeader = EnvelopeItemHeader.safeParse(parseJson(headerLine));
    if (!itemHeader.success) throw new MalformedEnvelope('an item header is not valid');
    let payload: Buffer;
    if (itemHeader.data.length !== undefined) {
      if (offset + itemHeader.data.length > body.length) throw new MalformedEnvelope('an item is shorter than its length');
      payload = body.subarray(offset, offset + itemHeader.data.length);
      offset += itemHeader.data.length;
      if (body[offset] === NEWLINE) offset += 1;
    } else {
      payload = line();
    }
    const type = itemHeader.data.type;
    if (type === 'event' || type === 'transaction') items.push({ type, event: parseEvent(payload) });
    else if (type === 'span') items.push({ type, spans: parseSpans(payload) });
  }
  return { eventId: header.data.event_id, items };
}

/** The body of the legacy `/store/` endpoint: one event. */
export function parseEvent(payload: Buffer): SentryEvent {
  const event = SentryEvent.safeParse(parseJson(payload));
  if (!event.success) {
    const issue = event.error.issues[0];
    throw new MalformedEnvelope(`the event is not valid: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return event.data;
}

function parseSpans(payload: Buffer): SentryStreamedSpan[] {
  const spans = SentrySpanItem.safeParse(parseJson(payload));
  if (!spans.success) throw new MalformedEnvelope(`a span item is not valid: ${spans.error.issues[0]?.message}`);
  return spans.data.items;
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new MalformedEnvelope('not JSON');
  }
}
