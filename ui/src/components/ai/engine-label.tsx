import type { AiEngine } from '../../../../contracts/api/ai.js';

/** Which engine answered, always said: the built-in rules or the organization's model. */
export function EngineLabel({ engine, model }: { engine: AiEngine; model?: string | null }) {
  return (
    <span className="muted" data-testid="ai-engine">
      {engine === 'builtin' ? 'Answered by the built-in engine (rules, no model)' : `Answered by the model${model ? ` ${model}` : ''}`}
    </span>
  );
}
