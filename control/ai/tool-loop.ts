import type OpenAI from 'openai';
import { ProviderAnswerError, type Provider } from './provider.js';
import { countUsage } from './usage.js';

/*
 * A chat with a model that may call tools (OpenAI's `tools` / `tool_calls`, streamed): each round
 * streams the model's text as it comes and collects the tool calls it asks for; the calls are run
 * and their answers appended, and the model is asked again. After `maxToolRounds` rounds the
 * model gets one last request with `tool_choice: "none"`, so a model that keeps asking for tools
 * ends with an answer or a clear error, never a loop.
 */

type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;
type ToolDefinition = OpenAI.Chat.Completions.ChatCompletionTool;

export const maxToolRounds = 4;

export type ToolLoopEvent = { kind: 'token'; content: string } | { kind: 'tool'; name: string };

export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** What the loop needs from its caller: the tools offered, and how to run one (its answer as text for the model). */
export interface ToolRunner {
  definitions: ToolDefinition[];
  run(call: ToolCall): Promise<string>;
}

interface Round {
  text: string;
  calls: ToolCall[];
}

async function* streamRound(provider: Provider, messages: Message[], tools: ToolRunner, last: boolean, signal: AbortSignal): AsyncGenerator<string, Round> {
  const stream = await provider.client.chat.completions.create(
    {
      model: provider.model,
      messages,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      tools: tools.definitions,
      tool_choice: last ? 'none' : 'auto',
    },
    { signal },
  );
  let text = '';
  const calls: { id?: string; name?: string; arguments: string }[] = [];
  for await (const chunk of stream) {
    countUsage(chunk.usage);
    if (!Array.isArray(chunk.choices)) throw new ProviderAnswerError('The provider sent a chunk that is not a chat completion chunk');
    const delta = chunk.choices[0]?.delta;
    if (!delta) continue;
    if (typeof delta.content === 'string' && delta.content) {
      text += delta.content;
      yield delta.content;
    }
    for (const part of delta.tool_calls ?? []) {
      const call = (calls[part.index] ??= { arguments: '' });
      if (part.id) call.id = part.id;
      if (part.function?.name) call.name = (call.name ?? '') + part.function.name;
      if (part.function?.arguments) call.arguments += part.function.arguments;
    }
  }
  // The SDK ends an aborted stream quietly, as if the answer were whole: a round cut by a client
  // gone or the deadline must not pass for a finished answer (stored, audited as answered).
  signal.throwIfAborted();
  const complete = calls.filter((call) => call !== undefined);
  for (const call of complete) {
    if (!call.id || !call.name) throw new ProviderAnswerError('The model asked for a tool call without an id or a function name');
  }
  return { text, calls: complete as ToolCall[] };
}

/** The model's answer as it streams, tools run between rounds; throws ProviderAnswerError on a malformed answer. */
export async function* chatWithTools(provider: Provider, start: Message[], tools: ToolRunner, signal: AbortSignal): AsyncGenerator<ToolLoopEvent> {
  const messages = [...start];
  for (let round = 0; round <= maxToolRounds; round += 1) {
    const last = round === maxToolRounds;
    const rounds = streamRound(provider, messages, tools, last, signal);
    let next = await rounds.next();
    for (; !next.done; next = await rounds.next()) yield { kind: 'token', content: next.value };
    const { text, calls } = next.value;
    if (calls.length === 0) return;
    if (last) throw new ProviderAnswerError(`The model still asked for tools after ${maxToolRounds} rounds of them`);
    messages.push({
      role: 'assistant',
      content: text || null,
      tool_calls: calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })),
    });
    for (const call of calls) {
      yield { kind: 'tool', name: call.name };
      messages.push({ role: 'tool', tool_call_id: call.id, content: await tools.run(call) });
    }
  }
}
