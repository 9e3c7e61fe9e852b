import OpenAI from 'openai';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../../db/postgres/database.js';
import { aiSettingsOf } from '../../db/queries/ai-settings.js';
import type { SecretCipher } from '../secrets/cipher.js';
import { openAiProviderKey } from '../secrets/ai-provider-key.js';
import { countUsage } from './usage.js';

/*
 * The organization's OpenAI-compatible provider (OpenAI, Ollama, llama.cpp's server, vLLM, LM
 * Studio), through the `openai` SDK with its base URL. Only an enabled provider exists: with it
 * off, `providerOf` answers null and no byte leaves the control plane.
 */

/** Where the AI modules report a provider's failure: a request's logger or the process's. */
export interface AiLog {
  warn(details: object, message: string): void;
}

export interface Provider {
  client: OpenAI;
  model: string;
}

/* A model that is down must not hold an operator's request for the SDK's ten minutes. */
const requestTimeoutMs = 60_000;

export async function providerOf(db: Kysely<Database>, cipher: SecretCipher, orgId: string): Promise<Provider | null> {
  const settings = await aiSettingsOf(db, orgId);
  if (!settings?.enabled || !settings.base_url || !settings.model) return null;
  const client = new OpenAI({
    baseURL: settings.base_url,
    // Always explicit: left undefined, the SDK would send the control plane's own OPENAI_API_KEY to this org's URL.
    apiKey: openAiProviderKey(cipher, settings) ?? 'no-key',
    organization: null,
    project: null,
    timeout: requestTimeoutMs,
    maxRetries: 1,
  });
  return { client, model: settings.model };
}

export type ChatMessage = { role: 'system' | 'user'; content: string };

/** Why a model's answer was not used: the caller falls back to the built-in engine with it. */
export class ProviderAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderAnswerError';
  }
}

/** A JSON answer checked against `schema`; throws ProviderAnswerError on anything else. */
export async function askForJson<Schema extends z.ZodType>(provider: Provider, messages: ChatMessage[], schema: Schema, signal?: AbortSignal): Promise<z.output<Schema>> {
  const completion = await provider.client.chat.completions.create(
    { model: provider.model, messages, response_format: { type: 'json_object' }, temperature: 0.2 },
    signal ? { signal } : {},
  );
  countUsage(completion.usage);
  const content = completion.choices[0]?.message.content;
  if (!content) throw new ProviderAnswerError('The model answered nothing');
  let parsed: unknown;
  try {
    // Models wrap JSON in a fence now and then even when asked not to.
    parsed = JSON.parse(content.replace(/^\s*```(?:json)?\s*|\s*```\s*$/g, ''));
  } catch {
    throw new ProviderAnswerError('The model did not answer JSON');
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw new ProviderAnswerError(`The model's answer has the wrong shape: ${result.error.issues.map((issue) => issue.path.join('.') || 'answer').join(', ')}`);
  return result.data;
}

/**
 * Why a call failed, for the log: our own reasons in full, the provider's only as a status and
 * class, since a provider's error text may quote the key or the prompt.
 */
export function failureReason(error: unknown): string {
  if (error instanceof ProviderAnswerError) return error.message;
  if (error instanceof OpenAI.APIError) return `${error.constructor.name} ${error.status ?? ''}`.trim();
  return error instanceof Error ? error.name : 'unknown error';
}
