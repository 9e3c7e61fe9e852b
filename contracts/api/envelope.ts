import { z } from 'zod';
import { NonNegativeInt, PositiveInt } from '../primitives.js';

export const API_ERROR_CODES = [
  'VALIDATION_ERROR',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  // Not in the contract's list: a known path asked with a method it does not declare.
  'METHOD_NOT_ALLOWED',
  'CONFLICT',
  'UNPROCESSABLE',
  'RATE_LIMITED',
  'INTERNAL_ERROR',
  // Not in the contract's list: the health check answers 503 while a dependency is down.
  'SERVICE_UNAVAILABLE',
] as const;
export const ApiErrorCode = z.enum(API_ERROR_CODES);
export type ApiErrorCode = z.infer<typeof ApiErrorCode>;

/** The one HTTP status each error code is sent with. */
export const apiErrorStatus = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  UNPROCESSABLE: 422,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const satisfies Record<ApiErrorCode, number>;

export const ResponseMeta = z.object({
  total: NonNegativeInt.optional(),
  page: PositiveInt.optional(),
  per_page: PositiveInt.optional(),
  cursor: z.string().min(1).optional().describe('Pass back as `cursor` to fetch the next page'),
});
export type ResponseMeta = z.infer<typeof ResponseMeta>;

/** `ApiResponse<T>`: the success envelope around `data`. */
export function apiResponse<Data extends z.ZodType>(data: Data) {
  return z.object({
    success: z.literal(true),
    data,
    meta: ResponseMeta.optional(),
  });
}
export type ApiResponse<Data> = z.infer<ReturnType<typeof apiResponse<z.ZodType<Data>>>>;

export const ApiError = z.object({
  success: z.literal(false),
  error: z.object({
    code: ApiErrorCode,
    message: z.string().min(1),
    details: z.unknown().optional(),
    request_id: z.string().min(1),
  }),
});
export type ApiError = z.infer<typeof ApiError>;
