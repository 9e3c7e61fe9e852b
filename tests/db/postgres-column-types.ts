/* Column types in PostgreSQL's own spelling (`format_type()`, `pg_get_expr()`), shared by the column lists. */
export const uuidKey = 'uuid NOT NULL DEFAULT uuid_generate_v4()';
export const now = 'timestamp with time zone DEFAULT now()';
export const timestamp = 'timestamp with time zone';
export const requiredTimestamp = 'timestamp with time zone NOT NULL';
export const varchar = (length: number, suffix = '') => `character varying(${length})${suffix}`;
