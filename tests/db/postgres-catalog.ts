import { type Kysely, sql } from 'kysely';

/**
 * Reads the `public` schema back from PostgreSQL's catalog, in the shapes of
 * postgres-contract-inventory.ts, so a test compares what exists with what the contract says
 * rather than with the migration's own text. Kysely's bookkeeping tables are left out.
 */
export interface Catalog {
  /** table → column → definition, columns in table order. */
  columns: Record<string, Record<string, string>>;
  /** table → constraint definitions. */
  keys: Record<string, string[]>;
  enums: Record<string, string[]>;
  indexes: Record<string, string>;
  triggers: Record<string, string>;
  functions: Record<string, string>;
  extensions: string[];
}

const kyselyTables = sql`('kysely_migration', 'kysely_migration_lock')`;

export async function readCatalog<DB>(db: Kysely<DB>): Promise<Catalog> {
  const columns = await sql<{ table: string; column: string; definition: string }>`
    SELECT c.relname AS table, a.attname AS column,
           format_type(a.atttypid, a.atttypmod)
             || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
             || COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '') AS definition
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid AND c.relkind = 'r'
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relname NOT IN ${kyselyTables}
    ORDER BY c.relname, a.attnum`.execute(db);

  const keys = await sql<{ table: string; definition: string }>`
    SELECT c.relname AS table, pg_get_constraintdef(k.oid) AS definition
    FROM pg_constraint k
    JOIN pg_class c ON c.oid = k.conrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
    WHERE k.contype IN ('p', 'u', 'f') AND c.relname NOT IN ${kyselyTables}
    ORDER BY c.relname, definition`.execute(db);

  const enums = await sql<{ type: string; label: string }>`
    SELECT t.typname AS type, e.enumlabel AS label
    FROM pg_enum e
    JOIN pg_type t ON t.oid = e.enumtypid
    JOIN pg_namespace n ON n.oid = t.typnamespace AND n.nspname = 'public'
    ORDER BY t.typname, e.enumsortorder`.execute(db);

  // Indexes that back a primary key or unique constraint are covered by `keys`.
  const indexes = await sql<{ name: string; table: string; definition: string }>`
    SELECT i.indexname AS name, i.tablename AS table, i.indexdef AS definition
    FROM pg_indexes i
    WHERE i.schemaname = 'public'
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)
    ORDER BY i.indexname`.execute(db);

  const triggers = await sql<{ name: string; definition: string }>`
    SELECT t.tgname AS name, pg_get_triggerdef(t.oid) AS definition
    FROM pg_trigger t
    JOIN pg_class c ON c.oid = t.tgrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
    WHERE NOT t.tgisinternal
    ORDER BY t.tgname`.execute(db);

  // Functions that extensions install are theirs, not the schema's.
  const functions = await sql<{ name: string; definition: string }>`
    SELECT p.proname AS name, format_type(p.prorettype, NULL) || ' / ' || l.lanname AS definition
    FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'public'
    JOIN pg_language l ON l.oid = p.prolang
    WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    ORDER BY p.proname`.execute(db);

  const extensions = await sql<{ name: string }>`
    SELECT extname AS name FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY extname`.execute(db);

  return {
    columns: groupBy(columns.rows, (row) => [row.table, row.column, row.definition]),
    keys: collect(keys.rows, (row) => [row.table, row.definition]),
    enums: collect(enums.rows, (row) => [row.type, row.label]),
    indexes: Object.fromEntries(indexes.rows.map((row) => [row.name, indexKey(row.table, row.definition)])),
    triggers: Object.fromEntries(triggers.rows.map((row) => [row.name, row.definition])),
    functions: Object.fromEntries(functions.rows.map((row) => [row.name, row.definition])),
    extensions: extensions.rows.map((row) => row.name),
  };
}

/** `CREATE INDEX idx ON public.t USING btree (a, b DESC)` → `t (a, b DESC)`. */
function indexKey(table: string, definition: string): string {
  const columns = /USING btree (\(.*\))$/.exec(definition)?.[1];
  return columns === undefined ? definition : `${table} ${columns}`;
}

function groupBy<T>(rows: T[], split: (row: T) => [string, string, string]): Record<string, Record<string, string>> {
  const grouped: Record<string, Record<string, string>> = {};
  for (const row of rows) {
    const [group, key, value] = split(row);
    (grouped[group] ??= {})[key] = value;
  }
  return grouped;
}

function collect<T>(rows: T[], split: (row: T) => [string, string]): Record<string, string[]> {
  const grouped: Record<string, string[]> = {};
  for (const row of rows) {
    const [group, value] = split(row);
    (grouped[group] ??= []).push(value);
  }
  return grouped;
}
