import type { z } from 'zod';
import { Field } from '../field.js';

/*
 * A form generated from a zod object schema of the contract: one control per field, chosen by the
 * field's type (enum → select, boolean → checkbox, number → number input, list of numbers → comma
 * list, list of texts → one per line, string map → "Name: value" lines, anything else → text), its `.describe()` as the hint,
 * and the fault the same schema reports at that field under it. A new field in the contract shows
 * up here without a change.
 */

export type Choices = Record<string, { value: string; label: string }[]>;
type Shape = Record<string, z.ZodType>;
type Values = Record<string, unknown>;

interface FieldSchema {
  kind: 'enum' | 'boolean' | 'number' | 'numbers' | 'lines' | 'map' | 'text';
  optional: boolean;
  options: string[];
  description: string | undefined;
}

/** What control a field needs, looking through `.optional()`. */
function fieldSchema(schema: z.ZodType): FieldSchema {
  const description = schema.description;
  const optional = schema.def.type === 'optional';
  const inner = optional ? (schema as unknown as z.ZodOptional<z.ZodType>).unwrap() : schema;
  const type = inner.def.type;
  const listOf = type === 'array' ? (inner as unknown as z.ZodArray<z.ZodType>).element.def.type : undefined;
  const kind: FieldSchema['kind'] =
    type === 'enum' ? 'enum' : type === 'boolean' ? 'boolean' : type === 'number' ? 'number' : listOf === 'string' ? 'lines' : type === 'array' ? 'numbers' : type === 'record' ? 'map' : 'text';
  const options = kind === 'enum' ? ((inner as unknown as z.ZodEnum).options as string[]) : [];
  return { kind, optional, options, description: description ?? inner.description };
}

const labelOf = (key: string) => (key.charAt(0).toUpperCase() + key.slice(1)).replace(/_/g, ' ');

function textOf(kind: FieldSchema['kind'], value: unknown): string {
  if (value === undefined || value === null) return '';
  if (kind === 'numbers' && Array.isArray(value)) return value.join(', ');
  if (kind === 'lines' && Array.isArray(value)) return value.join('\n');
  if (kind === 'map' && typeof value === 'object') return Object.entries(value as Record<string, string>).map(([name, text]) => `${name}: ${text}`).join('\n');
  return String(value);
}

/** The typed input of a text the user typed; undefined clears an optional field. */
function valueOf(field: FieldSchema, text: string): unknown {
  if (text.trim() === '') return field.optional ? undefined : field.kind === 'number' ? Number.NaN : '';
  switch (field.kind) {
    case 'number':
      return Number(text);
    case 'numbers':
      return text.split(',').map((part) => Number(part.trim()));
    case 'lines':
      return text.split('\n');
    case 'map':
      return Object.fromEntries(
        text
          .split('\n')
          .filter((line) => line.includes(':'))
          .map((line) => [line.slice(0, line.indexOf(':')).trim(), line.slice(line.indexOf(':') + 1).trim()]),
      );
    default:
      return text;
  }
}

export function SchemaFields({
  shape,
  values,
  skip = [],
  prefix,
  faults,
  choices = {},
  onChange,
}: {
  shape: Shape;
  values: Values;
  skip?: string[];
  /** Where these fields sit in the node, for the faults' paths (`step.`, `retry.`, or ''). */
  prefix: string;
  faults: Map<string, string> | undefined;
  choices?: Choices;
  onChange: (values: Values) => void;
}) {
  const set = (key: string, value: unknown) => {
    const next = { ...values };
    if (value === undefined) delete next[key];
    else next[key] = value;
    onChange(next);
  };
  return (
    <>
      {Object.entries(shape)
        .filter(([key]) => !skip.includes(key))
        .map(([key, schema]) => {
          const field = fieldSchema(schema);
          const label = `${labelOf(key)}${field.optional ? '' : ' *'}`;
          const error = faults?.get(`${prefix}${key}`);
          const value = values[key];
          const listed = choices[key];
          if (field.kind === 'boolean') {
            return (
              <Field key={key} label={label} hint={field.description} error={error}>
                {(control) => <input {...control} type="checkbox" checked={value === true} onChange={(event) => set(key, event.target.checked || (field.optional ? undefined : false))} />}
              </Field>
            );
          }
          if (field.kind === 'enum' || listed) {
            const options = listed ?? field.options.map((option) => ({ value: option, label: option }));
            return (
              <Field key={key} label={label} hint={field.description} error={error}>
                {(control) => (
                  <select {...control} value={textOf('text', value)} onChange={(event) => set(key, valueOf(field.kind === 'enum' ? field : { ...field, kind: 'text' }, event.target.value))}>
                    {field.optional || listed ? <option value="">{field.optional ? '(default)' : '(choose)'}</option> : null}
                    {options.map((option) => (
                      <option key={option.value} value={option.value}>
                        {option.label}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            );
          }
          if (field.kind === 'map' || field.kind === 'lines') {
            const perLine = field.kind === 'map' ? 'One "Name: value" per line' : 'One item per line';
            return (
              <Field key={key} label={label} hint={field.description ?? perLine} error={error}>
                {(control) => <textarea {...control} rows={3} value={textOf(field.kind, value)} onChange={(event) => set(key, valueOf(field, event.target.value))} />}
              </Field>
            );
          }
          return (
            <Field
              key={key}
              label={label}
              hint={field.kind === 'numbers' ? `${field.description ?? ''} (comma-separated)`.trim() : field.description}
              error={error}
              type={field.kind === 'number' ? 'number' : 'text'}
              value={textOf(field.kind, value)}
              onChange={(event) => set(key, valueOf(field, event.target.value))}
            />
          );
        })}
    </>
  );
}
