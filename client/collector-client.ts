// Typed HTTP client of the collector's sync API, used by `vigil plan/apply` and bundled into the
// GitHub Action. Uses the platform's fetch only, so it bundles without dependencies. Every failure
// is a CollectorError with a stable code: the server's `VIGIL_ERR_*`, or VIGIL_ERR_UNREACHABLE
// (no answer) and VIGIL_ERR_BAD_RESPONSE (an answer that is not the API's).
import { formatDurationForPeople } from '../common/format.ts';
import type { ApiError, SyncPlan, SyncRequest } from '../schema/plan-types.ts';
import type { Diagnostic } from '../schema/types.ts';

export interface ClientOptions {
  /** Collector base URL, e.g. `https://vigil.example.com` (a path prefix is kept). */
  url: string;
  /** Admin token; needed by sync. */
  token?: string;
  /** ms before giving up on an answer (default 120 s: a large apply takes a while). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class CollectorError extends Error {
  override name = 'CollectorError';
  readonly code: string;
  /** HTTP status, or 0 when there was no HTTP answer. */
  readonly statusCode: number;
  readonly diagnostics: Diagnostic[];

  constructor(code: string, message: string, statusCode = 0, diagnostics: Diagnostic[] = []) {
    super(message);
    this.code = code;
    this.statusCode = statusCode;
    this.diagnostics = diagnostics;
  }
}

/** Plans (dryRun) or applies `request`; the answer is the collector's plan. */
export function syncPlan(options: ClientOptions, request: SyncRequest): Promise<SyncPlan> {
  return call<SyncPlan>(options, 'POST', 'v1/sync', request);
}

export interface MonitorView {
  id: string;
  name: string;
  spec: Record<string, unknown>;
  revision: number;
  gitRevision: string | null;
  createdAt: string;
  updatedAt: string;
  state: string;
}

export async function listMonitors(options: ClientOptions): Promise<MonitorView[]> {
  return (await call<{ monitors: MonitorView[] }>(options, 'GET', 'v1/monitors')).monitors;
}

export function getMonitor(options: ClientOptions, id: string): Promise<MonitorView> {
  return call<MonitorView>(options, 'GET', `v1/monitors/${encodeURIComponent(id)}`);
}

async function call<T>(options: ClientOptions, method: string, path: string, body?: unknown): Promise<T> {
  let url: URL;
  try {
    url = new URL(path, options.url.endsWith('/') ? options.url : `${options.url}/`);
  } catch {
    throw new CollectorError('VIGIL_ERR_BAD_URL', `not a valid collector URL: ${options.url}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CollectorError('VIGIL_ERR_BAD_URL', `the collector URL must be http or https: ${options.url}`);
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const timeoutMs = options.timeoutMs ?? 120_000;

  let response: Response;
  let text: string;
  try {
    response = await (options.fetch ?? fetch)(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    throw unreachable(url, error, timeoutMs, method !== 'GET');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CollectorError(
      'VIGIL_ERR_BAD_RESPONSE',
      `${url.origin} answered ${response.status} with a body that is not JSON; is this a Vigil collector?`,
      response.status,
    );
  }
  if (response.ok) return parsed as T;
  const apiError = parsed as Partial<ApiError>;
  if (typeof apiError?.code !== 'string' || typeof apiError.message !== 'string') {
    throw new CollectorError(
      'VIGIL_ERR_BAD_RESPONSE',
      `${url.origin} answered ${response.status} without a Vigil error body`,
      response.status,
    );
  }
  throw new CollectorError(apiError.code, apiError.message, response.status, apiError.diagnostics ?? []);
}

function unreachable(url: URL, error: unknown, timeoutMs: number, mutating: boolean): CollectorError {
  const name = (error as Error)?.name;
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const timedOut = name === 'TimeoutError' || name === 'AbortError';
  const why = timedOut
    ? `no answer within ${formatDurationForPeople(timeoutMs)}`
    : (cause?.code ?? cause?.message ?? String(error));
  const outcome =
    timedOut && mutating ? ' (the change may or may not have been applied; plan again to see)' : '';
  return new CollectorError(
    'VIGIL_ERR_UNREACHABLE',
    `cannot reach the collector at ${url.origin}: ${why}${outcome}`,
  );
}
