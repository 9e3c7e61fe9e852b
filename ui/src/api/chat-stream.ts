import type { z } from 'zod';
import { ChatDoneEvent, ChatErrorEvent, ChatTokenEvent, type ChatRequest } from '../../../contracts/api/ai.js';
import { readEvents } from '../logic/event-stream.js';
import { ApiFailure, failureOf, sendRequest } from './client.js';

/* `POST /ai/chat`: the answer's tokens as they stream, then how it ended. Errors before the stream are the usual JSON envelope. */

export type ChatEnd = { kind: 'done'; done: z.infer<typeof ChatDoneEvent> } | { kind: 'error'; error: string };

export async function streamChat(body: z.input<typeof ChatRequest>, signal: AbortSignal, onToken: (content: string) => void): Promise<ChatEnd> {
  const path = '/ai/chat';
  const response = await sendRequest('POST', path, { body, accept: 'text/event-stream', signal });
  if (!response.ok) throw await failureOf(response, path);
  if (!response.body) throw new ApiFailure('INTERNAL_ERROR', 'The answer came without a body.', response.status, response.headers.get('x-request-id'));
  for await (const { event, data } of readEvents(response.body)) {
    const payload = JSON.parse(data) as unknown;
    if (event === 'token') onToken(ChatTokenEvent.parse(payload).content);
    else if (event === 'done') return { kind: 'done', done: ChatDoneEvent.parse(payload) };
    else if (event === 'error') return { kind: 'error', error: ChatErrorEvent.parse(payload).error };
  }
  return { kind: 'error', error: 'The answer stopped before it ended; try again.' };
}
