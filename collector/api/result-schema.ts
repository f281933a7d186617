// The JSON schema of a runner's CheckResult (probe/types.ts) in POST /v1/runners/results. Every
// field the collector stores is declared with its type and bounds: an accepted result is written
// by the next flush as it is, so a value the store cannot bind (an object where a number goes)
// must be refused here, with a 400 naming it, not fail the flush after the runner got a 200.
// Unknown extra fields pass (a newer runner may send more detail than this version stores).
import { FAILURE_REASONS } from '../../probe/types.ts';

/** Longest time a phase can report, in ms (a day: far above any check's timeout). */
const MAX_MS = 86_400_000;
const ms = { type: 'number', minimum: 0, maximum: MAX_MS } as const;
/** A phase the check never entered is null; runners before null phases sent 0 (probe/phase-clock.ts `reportedTimings`). */
const phaseMs = { type: ['number', 'null'], minimum: 0, maximum: MAX_MS } as const;
const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;
const textOrNull = (maxLength: number) => ({ type: ['string', 'null'], maxLength }) as const;
const headers = { type: 'object', additionalProperties: text(65_536), maxProperties: 500 } as const;

const timingsSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    resolve: phaseMs,
    connect: phaseMs,
    tls: phaseMs,
    processing: phaseMs,
    transfer: phaseMs,
    total: ms,
  },
} as const;

const remoteSchema = {
  anyOf: [
    { type: 'null' },
    {
      type: 'object',
      required: ['ip', 'family'],
      additionalProperties: true,
      properties: {
        ip: text(64),
        family: { type: 'integer', enum: [4, 6], minimum: 4, maximum: 6 },
        port: { type: 'integer', minimum: 0, maximum: 65_535 },
      },
    },
  ],
} as const;

const tlsSchema = {
  anyOf: [
    { type: 'null' },
    {
      type: 'object',
      additionalProperties: true,
      properties: {
        version: textOrNull(64),
        cipher: textOrNull(256),
        alpn: textOrNull(64),
        subject: textOrNull(4096),
        issuer: textOrNull(4096),
        sans: { type: 'array', maxItems: 10_000, items: text(4096) },
        validFrom: textOrNull(64),
        validTo: textOrNull(64),
        // Days until the certificate expires: negative once expired; any date a certificate can hold.
        daysLeft: { type: ['integer', 'null'], minimum: -100_000_000, maximum: 100_000_000 },
        selfSigned: { type: 'boolean' },
        legacyFallback: { type: 'boolean' },
      },
    },
  ],
} as const;

const statusSchema = { type: ['integer', 'null'], minimum: 0, maximum: 999 } as const;

const redirectSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    url: text(16_384),
    method: text(32),
    status: statusSchema,
    location: textOrNull(16_384),
    remote: remoteSchema,
    timings: timingsSchema,
  },
} as const;

const assertionSchema = {
  type: 'object',
  additionalProperties: true,
  properties: { description: text(10_000), pass: { type: 'boolean' }, expected: {}, actual: {} },
} as const;

const logSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    request: {
      type: 'object',
      additionalProperties: true,
      properties: { line: text(20_000), headers },
    },
    response: {
      anyOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: true,
          properties: { status: { type: 'integer', minimum: 0, maximum: 999 }, headers },
        },
      ],
    },
    body: textOrNull(1_048_576),
    bodyTruncated: { type: 'boolean' },
    connection: { type: 'array', maxItems: 1000, items: text(10_000) },
  },
} as const;

export const checkResultSchema = {
  type: 'object',
  required: ['ok', 'reason', 'message', 'startedAt', 'timings'],
  additionalProperties: true,
  properties: {
    ok: { type: 'boolean' },
    reason: { anyOf: [{ type: 'string', enum: FAILURE_REASONS }, { type: 'null' }] },
    message: text(10_000),
    phase: textOrNull(32),
    status: statusSchema,
    httpVersion: textOrNull(16),
    remote: remoteSchema,
    timings: timingsSchema,
    tls: tlsSchema,
    redirects: { type: 'array', maxItems: 100, items: redirectSchema },
    assertions: { type: 'array', maxItems: 1000, items: assertionSchema },
    startedAt: { type: 'string', minLength: 1, maxLength: 64 },
    log: logSchema,
  },
} as const;
