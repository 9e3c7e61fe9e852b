import type { WorkflowDefinition } from '../../contracts/index.js';
import type { DagPlan } from '../../contracts/dag.js';

const initialIntervalDefaultSeconds = 1;
const backoffDefault = 2;

/**
 * A definition version as the interpreter runs it: defaults filled in, nodes in an order where
 * each comes after every node it depends on (the definition was checked acyclic at save).
 */
export function compilePlan(definition: WorkflowDefinition, version: number): DagPlan {
  const parents = new Map(definition.nodes.map((node) => [node.id, definition.edges.filter((edge) => edge.to === node.id).map((edge) => edge.from)]));
  const placed = new Set<string>();
  const ordered: WorkflowDefinition['nodes'] = [];
  while (ordered.length < definition.nodes.length) {
    for (const node of definition.nodes) {
      if (placed.has(node.id) || !parents.get(node.id)!.every((parent) => placed.has(parent))) continue;
      placed.add(node.id);
      ordered.push(node);
    }
  }
  return {
    version,
    nodes: ordered.map((node) => ({
      id: node.id,
      step: node.step,
      maxAttempts: node.retry?.max_attempts ?? 1,
      initialIntervalMs: (node.retry?.initial_interval_seconds ?? initialIntervalDefaultSeconds) * 1000,
      backoffCoefficient: node.retry?.backoff_coefficient ?? backoffDefault,
      ...(node.timeout_seconds === undefined ? {} : { timeoutSeconds: node.timeout_seconds }),
      continueOnError: node.continue_on_error ?? false,
    })),
    edges: definition.edges.map((edge) => ({ from: edge.from, to: edge.to, on: edge.on ?? 'success' })),
  };
}
