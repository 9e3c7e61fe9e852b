import type { DagNodeOutput } from '../contracts/dag.js';

/*
 * `{{ nodes.<id>.output.<field> }}` and `{{ inputs.<name> }}` in a step's text fields, replaced
 * with what earlier nodes output and the run's inputs. The definition was checked at save time
 * (each reference names an ancestor and a field its kind outputs), so a missing value here is a
 * node that output nothing for it: it becomes empty text.
 */
const reference = /\{\{\s*([^{}]*?)\s*\}\}/g;

export function resolveTemplates<T>(value: T, outputs: ReadonlyMap<string, DagNodeOutput>, inputs: Readonly<Record<string, string>>): T {
  const lookUp = (path: string): string => {
    const [head, name, part, field] = path.split('.');
    if (head === 'inputs' && name !== undefined) return inputs[name] ?? '';
    if (head === 'nodes' && name !== undefined && part === 'output' && field !== undefined) return String(outputs.get(name)?.[field] ?? '');
    return '';
  };
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') return item.replace(reference, (_match, path: string) => lookUp(path));
    if (Array.isArray(item)) return item.map(walk);
    if (item && typeof item === 'object') return Object.fromEntries(Object.entries(item).map(([key, inner]) => [key, walk(inner)]));
    return item;
  };
  return walk(value) as T;
}
