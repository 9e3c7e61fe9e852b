import { describe, expect, it } from 'vitest';
import { parseEvents, readEvents } from '../../ui/src/logic/event-stream.js';

/* The chat panel's reader of Server-Sent Events from a fetch body. */

describe('reading Server-Sent Events', () => {
  it('keeps an event cut between chunks for the next one, and joins multi-line data', () => {
    const first = parseEvents('event: token\ndata: {"content":"a"}\n\nevent: tok');
    expect(first.events).toEqual([{ event: 'token', data: '{"content":"a"}' }]);
    const second = parseEvents(`${first.rest}en\r\ndata: one\r\ndata: two\r\n\r\n: a comment\n\n`);
    expect(second).toEqual({ events: [{ event: 'token', data: 'one\ntwo' }], rest: '' });
  });

  it('decodes a character whose bytes arrive in two chunks', async () => {
    const bytes = new TextEncoder().encode('event: token\ndata: {"content":"é"}\n\nevent: done\ndata: {}\n\n');
    const split = bytes.indexOf(0xc3) + 1;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, split));
        controller.enqueue(bytes.slice(split));
        controller.close();
      },
    });
    const events = [];
    for await (const event of readEvents(body)) events.push(event);
    expect(events).toEqual([
      { event: 'token', data: '{"content":"é"}' },
      { event: 'done', data: '{}' },
    ]);
  });
});
