import { z } from 'zod';

/** What a boundary needs of a schema to check input: a parse that reports why it failed. */
export interface Parser<T> {
  safeParse(input: unknown): z.ZodSafeParseResult<T>;
}

/** A parser that can also only check, without building a copy of the input. */
export interface CompiledParser<T> extends Parser<T> {
  validate(input: unknown): input is T;
}

/**
 * The schema's parser as zod generates it (`z.compile`: the same answers and issues at a fraction
 * of the cost per record), generated on first use: its code costs megabytes, which a process that
 * never parses this schema should not carry.
 */
export function compiledOnFirstUse<T extends z.ZodType>(schema: T): CompiledParser<z.output<T>> {
  let compiled: T | undefined;
  const parser = () => (compiled ??= z.compile(schema));
  return {
    safeParse: (input) => parser().safeParse(input),
    validate: (input): input is z.output<T> => parser().validate(input),
  };
}
