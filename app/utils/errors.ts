/**
 * Errors are values with a stable code. Domain functions throw AppError (or return it);
 * routes map the code to an HTTP status in one place: httpStatusFor().
 */
export const ERROR_STATUS = {
  invalid_request: 400,
  unauthenticated: 401,
  insufficient_credits: 402,
  forbidden: 403,
  /** The customer's plan does not include the rate-card feature (app/features/). */
  feature_not_included: 403,
  /** The rate-card feature is archived: it can no longer be used. */
  feature_archived: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  idempotency_conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  /** An API key past its requests per second (app/auth/rate-limit.server.ts). */
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
  /** The disk under the database is full, read-only or failing (app/utils/storage-errors.server.ts). */
  storage_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  /** Extra top-level fields for the JSON answer (e.g. balance, requested on 402). */
  readonly extra?: Record<string, unknown>;
  /** Extra headers for the answer (e.g. the rate-limit headers of a 429). */
  readonly headers?: Record<string, string>;
  constructor(
    code: ErrorCode,
    message: string,
    opts: { field?: string; extra?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.field = opts.field;
    this.extra = opts.extra;
    this.headers = opts.headers;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

export function httpStatusFor(code: ErrorCode): number {
  return ERROR_STATUS[code];
}

/** `{"error": {"code", "message", "field"?}, ...extra}` — the API's one error shape. */
export function errorBody(e: AppError): Record<string, unknown> {
  return {
    error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) },
    ...(e.extra ?? {}),
  };
}
