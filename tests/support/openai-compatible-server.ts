import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout } from 'node:timers/promises';

/*
 * A local model provider speaking OpenAI's chat-completions protocol on 127.0.0.1: a JSON answer,
 * or Server-Sent Events chunks ending in `[DONE]` when the request asks to stream. It records
 * every request whole, so a test can prove what did (and did not) leave the control plane.
 */

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** `intervalMs` spaces the streamed chunks out, as a model's tokens come, so a reader can stop midway. */
export type ModelReply = { content: string } | { chunks: string[]; intervalMs?: number } | { status: number };

export async function startOpenAiCompatibleServer() {
  const received: ReceivedRequest[] = [];
  let reply: ModelReply = { content: '{}' };
  let abandoned = 0;
  const server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      const body = Buffer.concat(parts).toString('utf8');
      received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      if (request.url !== '/v1/chat/completions') {
        response.writeHead(404).end();
        return;
      }
      const { model, stream } = JSON.parse(body) as { model: string; stream?: boolean };
      const base = { id: 'chatcmpl-local', created: Math.floor(Date.now() / 1000), model };
      if ('status' in reply) {
        response.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'model unavailable', type: 'server_error' } }));
        return;
      }
      if (stream) {
        const chunks = 'chunks' in reply ? reply.chunks : [reply.content];
        const intervalMs = 'chunks' in reply ? (reply.intervalMs ?? 0) : 0;
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.on('close', () => {
          if (!response.writableFinished) abandoned += 1;
        });
        void (async () => {
          for (const content of chunks) {
            if (response.destroyed) return;
            response.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`);
            if (intervalMs > 0) await setTimeout(intervalMs);
          }
          response.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
          response.end('data: [DONE]\n\n');
        })();
        return;
      }
      const content = 'content' in reply ? reply.content : reply.chunks.join('');
      response.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          ...base,
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    received,
    /** How many streamed answers the client closed before their end. */
    abandoned: () => abandoned,
    answerWith(next: ModelReply) {
      reply = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
