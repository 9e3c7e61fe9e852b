import type { FastifyReply, FastifyRequest } from 'fastify';

/*
 * Server-Sent Events on a hijacked reply: the headers the hooks already set (security headers,
 * the API version) are kept, each event is `event: <name>` and one JSON `data:` line, and a client
 * that goes away aborts the source, which stops asking the provider.
 */

export interface StreamEvent {
  event: string;
  data: unknown;
}

export async function streamEvents(request: FastifyRequest, reply: FastifyReply, source: (signal: AbortSignal) => AsyncIterable<StreamEvent>): Promise<void> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  reply.raw.on('close', abort);
  reply.hijack();
  const hooked = Object.entries(reply.getHeaders()).filter((entry): entry is [string, string | number | string[]] => entry[1] !== undefined);
  reply.raw.writeHead(200, {
    ...Object.fromEntries(hooked),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // Proxies such as nginx would otherwise hold the tokens back until the answer ends.
    'x-accel-buffering': 'no',
  });
  try {
    for await (const { event, data } of source(controller.signal)) {
      if (controller.signal.aborted) break;
      reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    }
  } catch (error) {
    request.log.error({ err: error }, 'chat stream failed');
    if (!controller.signal.aborted) reply.raw.write(`event: error\ndata: ${JSON.stringify({ error: 'The answer failed; try again' })}\n\n`);
  } finally {
    reply.raw.off('close', abort);
    reply.raw.end();
  }
}
