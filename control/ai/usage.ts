import { AsyncLocalStorage } from 'node:async_hooks';
import type { AiTokenUsage } from '../../contracts/ai-tasks.js';

/*
 * Tokens spent by one AI call, as the provider reports them (`usage` of a completion, or of the
 * last chunk of a stream), for the audit entry. The meter rides along the call's async context,
 * so every provider request made for it counts, however deep (a Dockerfile's, a chat's tool
 * rounds), without threading a counter through each signature. The built-in engine spends none.
 */

interface ProviderUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
}

class UsageMeter {
  promptTokens = 0;
  completionTokens = 0;

  add(usage: ProviderUsage | null | undefined): void {
    this.promptTokens += usage?.prompt_tokens ?? 0;
    this.completionTokens += usage?.completion_tokens ?? 0;
  }
}

const meters = new AsyncLocalStorage<UsageMeter>();

/** Counts what a provider reports inside the current metered call; outside one it is dropped. */
export function countUsage(usage: ProviderUsage | null | undefined): void {
  meters.getStore()?.add(usage);
}

/** Runs `work` with a fresh meter: what its provider requests spent, read by usageSoFar() inside or returned after. */
export async function metered<T>(work: () => Promise<T>): Promise<{ value: T; usage: AiTokenUsage }> {
  const meter = new UsageMeter();
  const value = await meters.run(meter, work);
  return { value, usage: totals(meter) };
}

/** The tokens spent so far by the metered call this runs in (a stream's end, before its audit). */
export function usageSoFar(): AiTokenUsage {
  return totals(meters.getStore() ?? new UsageMeter());
}

const totals = (meter: UsageMeter): AiTokenUsage => ({ promptTokens: meter.promptTokens, completionTokens: meter.completionTokens });

/** The audit entry's figures. */
export function auditedTokens(usage: AiTokenUsage): { prompt: number; completion: number } {
  return { prompt: usage.promptTokens, completion: usage.completionTokens };
}
