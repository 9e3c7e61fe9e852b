/** PostgreSQL's SQLSTATE for a broken UNIQUE constraint; `constraint` names which one. */
const uniqueViolation = '23505';

export function isUniqueViolation(error: unknown): error is Error & { constraint?: string } {
  return error instanceof Error && (error as { code?: unknown }).code === uniqueViolation;
}
