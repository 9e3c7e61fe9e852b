import { z } from 'zod';

/*
 * One set of options for every generated schema. `io: 'input'` describes what a sender may put on
 * the wire: fields with a default are optional, and objects stay open to unknown keys, which zod
 * strips, so a newer peer's extra fields do not fail an older one's validation.
 */
export const jsonSchemaOptions = {
  target: 'draft-2020-12',
  io: 'input',
  // `z.undefined()` marks a field that must be left out (see ServiceSourceChange).
  unrepresentable: ({ zodSchema }) => (zodSchema._zod.def.type === 'undefined' ? { not: {} } : 'throw'),
} as const satisfies z.core.ToJSONSchemaParams;

export type JsonSchema = Record<string, unknown>;

export function toJsonSchema(schema: z.core.$ZodType): JsonSchema {
  return z.toJSONSchema(schema, jsonSchemaOptions);
}
