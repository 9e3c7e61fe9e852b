import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

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

export type ModelReply = { content: string } | { chunks: string[] } | { status: number };

export async function startOpenAiCompatibleServer() {
  const received: ReceivedRequest[] = [];
  let reply: ModelReply = { content: '{}' };
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
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const content of chunks) {
          response.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`);
        }
        response.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
        response.end('data: [DONE]\n\n');
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
    answerWith(next: ModelReply) {
      reply = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
