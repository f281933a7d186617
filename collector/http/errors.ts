// Stable error codes of the collector API and the one error handler that turns every failure
// into an `ApiError` body. 5xx answers never carry internals: the details go to the log only.

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CodedError } from '../../common/errors.ts';
import type { ApiError } from '../../schema/plan-types.ts';
import type { Diagnostic } from '../../schema/types.ts';

export const ERROR_STATUS = {
  VIGIL_ERR_BAD_REQUEST: 400,
  VIGIL_ERR_INVALID_MONITORS: 400,
  VIGIL_ERR_MISSING_SECRET: 400,
  VIGIL_ERR_UNAUTHORIZED: 401,
  VIGIL_ERR_RUNNER_UNKNOWN: 401,
  VIGIL_ERR_NOT_FOUND: 404,
  VIGIL_ERR_METHOD_NOT_ALLOWED: 405,
  VIGIL_ERR_REQUEST_TIMEOUT: 408,
  VIGIL_ERR_STALE_PLAN: 409,
  VIGIL_ERR_BODY_TOO_LARGE: 413,
  VIGIL_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  VIGIL_ERR_HEADERS_TOO_LARGE: 431,
  VIGIL_ERR_INTERNAL: 500,
  VIGIL_ERR_UNAVAILABLE: 503,
  VIGIL_ERR_STORAGE_FULL: 503,
  VIGIL_ERR_STORAGE_IO: 503,
  VIGIL_ERR_STORAGE_READ_ONLY: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** An expected failure with a code the client can act on. */
export class VigilError extends CodedError<ErrorCode> {
  override name = 'VigilError';
  readonly statusCode: number;
  readonly diagnostics: Diagnostic[] | undefined;

  constructor(code: ErrorCode, message: string, diagnostics?: Diagnostic[]) {
    super(code, message);
    this.statusCode = ERROR_STATUS[code];
    this.diagnostics = diagnostics;
  }
}

/** JSON schema of an `ApiError` body, for route response declarations. */
export const apiErrorSchema = {
  title: 'ApiError',
  type: 'object',
  required: ['code', 'message', 'statusCode'],
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    statusCode: { type: 'integer' },
    parameter: { type: 'string' },
    diagnostics: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          file: { type: 'string' },
          line: { type: 'integer' },
          column: { type: 'integer' },
          endLine: { type: 'integer' },
          endColumn: { type: 'integer' },
          code: { type: 'string' },
          message: { type: 'string' },
          hint: { type: 'string' },
          severity: { type: 'string' },
          path: { type: 'string' },
        },
      },
    },
  },
} as const;

/** An `ApiError`; a refused input also names where it is (`querystring/limit`, `body/max`). */
export interface ApiErrorBody extends ApiError {
  parameter?: string;
}

/** Where a schema refused the request: the part, then the JSON pointer to the value. */
export function parameterOf(error: FastifyError): string {
  const first = error.validation?.[0];
  const params = (first?.params ?? {}) as { missingProperty?: unknown; additionalProperty?: unknown };
  const named = params.missingProperty ?? params.additionalProperty;
  const path = `${first?.instancePath ?? ''}${typeof named === 'string' ? `/${named}` : ''}`;
  return `${error.validationContext ?? 'request'}${path}`;
}

/** Fastify's own errors (body parsing, limits) mapped to ours. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'VIGIL_ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VIGIL_ERR_BAD_REQUEST',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'VIGIL_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VIGIL_ERR_BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VIGIL_ERR_BAD_REQUEST',
};

/**
 * The store's storage failures (collector/store/errors.ts StorageError codes) mapped to ours: a
 * 503 whose message (the file and what to do) is shown, as the failure is the operator's to fix.
 */
export const STORAGE_CODES: Record<string, ErrorCode> = {
  VIGIL_STORE_FULL: 'VIGIL_ERR_STORAGE_FULL',
  VIGIL_STORE_IO: 'VIGIL_ERR_STORAGE_IO',
  VIGIL_STORE_READ_ONLY: 'VIGIL_ERR_STORAGE_READ_ONLY',
  VIGIL_STORE_CANT_OPEN: 'VIGIL_ERR_STORAGE_IO',
};

/** The ApiError of a storage failure, or null when `error` is not one. */
export function storageApiError(error: unknown): ApiErrorBody | null {
  const code = error instanceof CodedError ? STORAGE_CODES[error.code] : undefined;
  return code === undefined
    ? null
    : { code, message: (error as Error).message, statusCode: ERROR_STATUS[code] };
}

/** The body and status for any error thrown while handling a request. */
export function toApiError(error: FastifyError | VigilError | Error): ApiErrorBody {
  if (error instanceof VigilError) {
    return {
      code: error.code,
      message: error.message,
      statusCode: error.statusCode,
      ...(error.diagnostics === undefined ? {} : { diagnostics: error.diagnostics }),
    };
  }
  const storage = storageApiError(error);
  if (storage !== null) return storage;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation !== undefined) {
    return {
      code: 'VIGIL_ERR_BAD_REQUEST',
      message: fastifyError.message,
      statusCode: 400,
      parameter: parameterOf(fastifyError),
    };
  }
  const mapped = fastifyError.code === undefined ? undefined : FASTIFY_CODES[fastifyError.code];
  if (mapped !== undefined) {
    return { code: mapped, message: fastifyError.message, statusCode: ERROR_STATUS[mapped] };
  }
  const status = fastifyError.statusCode;
  // Any other client error from Fastify's core (e.g. a malformed request) keeps its 4xx status.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { code: 'VIGIL_ERR_BAD_REQUEST', message: fastifyError.message, statusCode: status };
  }
  return { code: 'VIGIL_ERR_INTERNAL', message: 'internal error', statusCode: 500 };
}

const STORAGE_API_CODES = new Set<string>(Object.values(STORAGE_CODES));

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const body = toApiError(error);
    if (STORAGE_API_CODES.has(body.code)) {
      request.log.error({ err: error, code: body.code }, 'request failed: storage');
      reply.header('retry-after', '10');
    } else if (body.statusCode >= 500) {
      request.log.error({ err: error }, 'request failed');
      body.message = `internal error (request ${request.id})`;
    } else {
      request.log.info({ code: body.code, statusCode: body.statusCode }, body.message);
    }
    return reply.code(body.statusCode).type('application/json').send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const body: ApiError = {
      code: 'VIGIL_ERR_NOT_FOUND',
      message: `no route ${request.method} ${request.url.split('?')[0]}`,
      statusCode: 404,
    };
    return reply.code(404).send(body);
  });
}
