import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout } from 'node:timers/promises';

/*
 * A local model provider speaking OpenAI's chat-completions protocol on 127.0.0.1: a JSON answer,
 * or Server-Sent Events chunks ending in `[DONE]` when the request asks to stream, with tool calls
 * streamed as OpenAI streams them (the id and name first, the arguments in pieces) and the usage
 * chunk when `stream_options.include_usage` asks for it. It records every request whole, so a test
 * can prove what did (and did not) leave the control plane.
 */

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * `intervalMs` spaces the streamed chunks out, as a model's tokens come, so a reader can stop
 * midway. `toolCalls` asks for tools (streamed only); `malformed` is sent as a data line verbatim.
 */
export type ModelReply =
  | { content: string }
  | { chunks: string[]; intervalMs?: number }
  | { toolCalls: { name: string; arguments: string }[] }
  | { malformed: string }
  | { status: number };

/** Token counts every answer reports. */
export const localUsage = { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 };

export async function startOpenAiCompatibleServer() {
  const received: ReceivedRequest[] = [];
  let script: ModelReply[] = [{ content: '{}' }];
  let abandoned = 0;
  let calls = 0;

  const streamReply = async (response: ServerResponse, reply: ModelReply, base: object, includeUsage: boolean) => {
    const send = (choice: object) => response.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, ...choice }] })}\n\n`);
    if ('malformed' in reply) {
      response.end(`data: ${reply.malformed}\n\n`);
      return;
    }
    let finish = 'stop';
    if ('toolCalls' in reply) {
      finish = 'tool_calls';
      reply.toolCalls.forEach((call, index) => {
        calls += 1;
        const half = Math.ceil(call.arguments.length / 2);
        send({ delta: { role: 'assistant', tool_calls: [{ index, id: `call_${calls}`, type: 'function', function: { name: call.name, arguments: call.arguments.slice(0, half) } }] }, finish_reason: null });
        send({ delta: { tool_calls: [{ index, function: { arguments: call.arguments.slice(half) } }] }, finish_reason: null });
      });
    } else {
      const chunks = 'chunks' in reply ? reply.chunks : 'content' in reply ? [reply.content] : [];
      const intervalMs = 'chunks' in reply ? (reply.intervalMs ?? 0) : 0;
      for (const content of chunks) {
        if (response.destroyed) return;
        send({ delta: { content }, finish_reason: null });
        if (intervalMs > 0) await setTimeout(intervalMs);
      }
    }
    send({ delta: {}, finish_reason: finish });
    if (includeUsage) response.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage: localUsage })}\n\n`);
    response.end('data: [DONE]\n\n');
  };

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
      const { model, stream, stream_options } = JSON.parse(body) as { model: string; stream?: boolean; stream_options?: { include_usage?: boolean } };
      // The script's replies in turn, the last one for every request after.
      const reply = script.length > 1 ? script.shift()! : script[0]!;
      const base = { id: 'chatcmpl-local', created: Math.floor(Date.now() / 1000), model };
      if ('status' in reply) {
        response.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'model unavailable', type: 'server_error' } }));
        return;
      }
      if (stream) {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.on('close', () => {
          if (!response.writableFinished) abandoned += 1;
        });
        void streamReply(response, reply, base, stream_options?.include_usage === true);
        return;
      }
      const content = 'content' in reply ? reply.content : 'chunks' in reply ? reply.chunks.join('') : '';
      response.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          ...base,
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: localUsage,
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
      script = [next];
    },
    /** One reply per request in this order; the last stands for every request after. */
    answerInTurn(...replies: ModelReply[]) {
      script = replies;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
