/*
 * Server-Sent Events read from a fetch body: the chat is a POST, which EventSource cannot send.
 * Only what the API writes is understood: `event:` and `data:` lines, a blank line ending each
 * event (comments and `id:`/`retry:` are skipped, as the API sends none).
 */

export interface ServerSentEvent {
  event: string;
  data: string;
}

/** Splits the text received so far into complete events and what is left for the next chunk. */
export function parseEvents(buffered: string): { events: ServerSentEvent[]; rest: string } {
  const normalized = buffered.replace(/\r\n?/g, '\n');
  const blocks = normalized.split('\n\n');
  const rest = blocks.pop() ?? '';
  const events: ServerSentEvent[] = [];
  for (const block of blocks) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) events.push({ event, data: data.join('\n') });
  }
  return { events, rest };
}

/** Every event of a response body as it arrives. */
export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // stream: a character split across chunks waits for its other bytes.
      const parsed = parseEvents(buffered + decoder.decode(value, { stream: true }));
      buffered = parsed.rest;
      yield* parsed.events;
    }
  } finally {
    reader.releaseLock();
  }
}
