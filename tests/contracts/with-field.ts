export type Path = (string | number)[];

/** Pass as the replacement to leave the field out. */
export const REMOVE = Symbol('remove');

/** A deep copy of `value` with the field at `path` replaced, or removed for REMOVE. */
export function withField<Value>(value: Value, path: Path, replacement: unknown): Value {
  const copy = structuredClone(value) as { [key: string | number]: unknown };
  let parent = copy;
  for (const segment of path.slice(0, -1)) parent = parent[segment] as typeof copy;
  const last = path.at(-1)!;
  if (replacement === REMOVE) delete parent[last];
  else parent[last] = replacement;
  return copy as Value;
}
