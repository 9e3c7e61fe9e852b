import { type ApiErrorCode } from '../contracts/index.js';

interface ProblemOptions {
  details?: unknown;
  headers?: Record<string, string>;
  /** Only for statuses the code table cannot express (413, 415 from the HTTP layer). */
  status?: number;
}

/**
 * A refusal thrown on purpose, by a route or by the operations it delegates to; the HTTP layer's
 * error handler turns it into the contract's ApiError (api/http/errors.ts).
 */
export class ApiProblem extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly options: ProblemOptions = {},
  ) {
    super(message);
    this.name = 'ApiProblem';
  }
}

/** One fault of a request, the shape of a VALIDATION_ERROR's details. */
export interface FieldProblem {
  /** Where the fault is: `body.name`, `query.per_page`, `params.serverId`; the location alone for a missing whole. */
  path: string;
  message: string;
}
