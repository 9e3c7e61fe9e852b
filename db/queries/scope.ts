/**
 * What every query of a caller's request is narrowed to: their organization, and for a
 * project-scoped token also its one project. A row outside the scope is simply not found.
 */
export interface Scope {
  orgId: string;
  projectId?: string;
}

/** A page of rows and how many match in all, for the envelope's `meta`. */
export interface Page<Row> {
  rows: Row[];
  total: number;
}

export interface PageRequest {
  page: number;
  perPage: number;
}

export function pageOffset({ page, perPage }: PageRequest): number {
  return (page - 1) * perPage;
}
