// A cluster of real collector processes on one PostgreSQL schema, for the end-to-end cluster tests
// (test/cluster/e2e-*.test.ts): N `node cli/main.ts collector` processes, each on a port of its own
// kept across restarts (so runners and VIGIL_ADVERTISE_URL stay right), without the embedded
// runner, with keys for regions `a` and `b`, one admin token and cluster secret, and the GitHub
// stand-in as incident sink; `vigil runner` processes given every collector (`--collector
// URL1,URL2,...`, each runner's list rotated so every collector is some runner's first); a flip
// target whose paths go down and up; monitors applied with POST /v1/sync at any collector; kill -9
// and restart of one collector; reads through any live collector; and the audits of what a run
// leaves behind (issues per incident, the stored check history of each monitor).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type FlipTarget,
  KEYS,
  type RunnerProcess,
  startFlipTarget,
  startRunnerProcess,
} from '../e2e/support.ts';
import { dropSchema, freshSchema, schemaUrl } from '../store/postgres-support.ts';
import { type CollectorProcess, startCollectorProcess } from './collector-process.ts';
import { type GitHubServer, startGitHubServer } from './github-server.ts';
import { type AuditedIncident, collectorGitHubEnv } from './kill-audit.ts';
import { closedPort } from './target-server.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

export const REPO = 'acme/ops';
const GITHUB_TOKEN = 'ghs_cluster_e2e_token';
export const ADMIN_TOKEN = 'cluster-e2e-admin-token-0123456789';
const CLUSTER_SECRET = 'cluster-e2e-secret-0123456789abcdef';

/** One process of a collector slot: from its listening line to its kill (or now). */
export interface CollectorLife {
  slot: number;
  readyAt: number;
  /** When it was killed or stopped; null while it runs. */
  endAt: number | null;
  process: CollectorProcess;
}

export interface CollectorSlot {
  index: number;
  port: number;
  url: string;
  dir: string;
  current: CollectorProcess | null;
}

export interface ClusterOptions {
  collectors: number;
  /**
   * Runner processes per region (default 1): each is given every collector, its list starting at
   * another one; a claim at any collector gets the region's due jobs of all (fleet/peers.ts).
   */
  runnersPerRegion?: number;
  /** How many collectors start with the cluster (default all); `startCollector(i)` starts the rest. */
  started?: number;
  /** Extra environment of every collector. */
  env?: Record<string, string>;
  /** Collectors reach PostgreSQL through a TCP proxy the test can cut (`cluster.proxy`). */
  databaseProxy?: boolean;
}

/** A stored check, as GET /v1/monitors/:id/checks answers it (the fields the audits read). */
export interface StoredCheck {
  id: string;
  monitorId: string;
  at: string | null;
  dueAt: string | null;
  region: string;
  purpose: string;
  roundId: string | null;
  ok: boolean;
  late: boolean;
}

/** The collector process that made a job: job ids are `<per-process prefix>-<sequence>`. */
export const jobPrefix = (checkId: string): string => checkId.slice(0, checkId.indexOf('-'));

export class Cluster {
  readonly schema = freshSchema();
  readonly slots: CollectorSlot[] = [];
  readonly lives: CollectorLife[] = [];
  readonly runners: RunnerProcess[] = [];
  github!: GitHubServer;
  target!: FlipTarget;
  /** With `databaseProxy`: the path between every collector and PostgreSQL. */
  proxy: TcpProxy | null = null;
  #databaseUrl = '';
  readonly #options: ClusterOptions;
  readonly #cleanups: Array<() => Promise<unknown>> = [];

  private constructor(options: ClusterOptions) {
    this.#options = options;
  }

  /** Starts the GitHub stand-in, the target and every collector (the first alone: it migrates). */
  static async start(options: ClusterOptions): Promise<Cluster> {
    const cluster = new Cluster(options);
    try {
      await cluster.#init();
    } catch (error) {
      await cluster.close();
      throw error;
    }
    return cluster;
  }

  async #init(): Promise<void> {
    this.#cleanups.push(() => dropSchema(this.schema));
    this.#databaseUrl = schemaUrl(this.schema);
    if (this.#options.databaseProxy === true) {
      const url = new URL(this.#databaseUrl);
      const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
      this.proxy = proxy;
      this.#cleanups.push(() => proxy.close());
      url.hostname = '127.0.0.1';
      url.port = String(proxy.port);
      this.#databaseUrl = url.toString();
    }
    this.github = await startGitHubServer({
      repos: [REPO],
      tokens: { [GITHUB_TOKEN]: { login: 'vigil[bot]' } },
      openapi: true,
    });
    this.#cleanups.push(() => this.github.close());
    this.target = await startFlipTarget();
    this.#cleanups.push(() => this.target.close());
    for (let index = 0; index < this.#options.collectors; index++) {
      const port = await closedPort();
      const dir = await mkdtemp(join(tmpdir(), `vigil-cluster-${index}-`));
      this.#cleanups.push(() => rm(dir, { recursive: true, force: true }));
      this.slots.push({ index, port, url: `http://127.0.0.1:${port}`, dir, current: null });
    }
    await this.startCollector(0);
    const started = this.slots.slice(1, this.#options.started ?? this.slots.length);
    await Promise.all(started.map((slot) => this.startCollector(slot.index)));
  }

  urls(): string[] {
    return this.slots.map((s) => s.url);
  }

  /** The slots whose collector runs now. */
  live(): CollectorSlot[] {
    return this.slots.filter((s) => s.current !== null);
  }

  async startCollector(index: number): Promise<CollectorProcess> {
    const slot = this.slots[index]!;
    if (slot.current !== null) throw new Error(`collector ${index} already runs`);
    const collector = await startCollectorProcess({
      token: ADMIN_TOKEN,
      dir: slot.dir,
      env: {
        VIGIL_PORT: String(slot.port),
        VIGIL_DATABASE_URL: this.#databaseUrl,
        VIGIL_EMBEDDED_RUNNER: 'false',
        VIGIL_REGION_KEYS: `a:${KEYS.a},b:${KEYS.b}`,
        VIGIL_CLUSTER_SECRET: CLUSTER_SECRET,
        VIGIL_ADVERTISE_URL: slot.url,
        ...collectorGitHubEnv(this.github, REPO, GITHUB_TOKEN),
        ...this.#options.env,
      },
    });
    this.#cleanups.push(() => collector.stop('SIGKILL'));
    slot.current = collector;
    this.lives.push({ slot: index, readyAt: Date.now(), endAt: null, process: collector });
    return collector;
  }

  /** kill -9 of slot `index`'s collector; returns when it is gone (the kill time). */
  async kill(index: number): Promise<number> {
    const slot = this.slots[index]!;
    const collector = slot.current;
    if (collector === null) throw new Error(`collector ${index} is not running`);
    const at = Date.now();
    const life = this.lives.find((l) => l.process === collector)!;
    life.endAt = at;
    slot.current = null;
    await collector.stop('SIGKILL');
    return at;
  }

  /** Runner processes of regions `a` and `b`, each given every collector, lists rotated. */
  async startRunners(): Promise<void> {
    const urls = this.urls();
    const per = this.#options.runnersPerRegion ?? 1;
    const starts: Array<Promise<RunnerProcess>> = [];
    for (const [r, region] of ['a', 'b'].entries()) {
      for (let k = 0; k < per; k++) {
        const first = (r + k) % urls.length;
        const list = [...urls.slice(first), ...urls.slice(0, first)];
        starts.push(startRunnerProcess({ collector: list.join(','), region, name: `${region}-${k}` }));
      }
    }
    for (const runner of await Promise.all(starts)) {
      this.runners.push(runner);
      this.#cleanups.push(() => runner.stop('SIGKILL'));
    }
  }

  /** Stops every runner process (SIGTERM: each sends what it holds, deregisters and exits). */
  async stopRunners(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.stop('SIGTERM')));
  }

  /** An API call at a live collector (the first that answers, from a random one on). */
  async api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    const live = this.live();
    if (live.length === 0) throw new Error('no collector runs');
    const from = Math.floor(Math.random() * live.length);
    let last: unknown;
    for (let k = 0; k < live.length; k++) {
      const slot = live[(from + k) % live.length]!;
      try {
        return await callJson<T>(slot.url, path, init);
      } catch (error) {
        last = error;
        if (error instanceof ApiError && error.status < 500) throw error;
      }
    }
    throw last;
  }

  /** POST /v1/sync at collector `via` (default a random live one): the set becomes `monitors`. */
  async sync(monitors: Array<Record<string, unknown>>, via?: number): Promise<void> {
    const body = { revision: null, monitors, prune: true };
    const plan =
      via === undefined
        ? await this.api<{ applied: boolean }>('v1/sync', { method: 'POST', body })
        : await callJson<{ applied: boolean }>(this.slots[via]!.url, 'v1/sync', { method: 'POST', body });
    if (!plan.applied) throw new Error(`sync not applied: ${JSON.stringify(plan)}`);
  }

  /** GET /readyz of slot `index`: its status code and body. */
  async readyz(index: number): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${this.slots[index]!.url}/readyz`, { signal: AbortSignal.timeout(5_000) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** Every stored check of `monitorId`, oldest first. */
  async checks(monitorId: string): Promise<StoredCheck[]> {
    const all: StoredCheck[] = [];
    let before: string | null = null;
    for (;;) {
      const query: string = `limit=1000${before === null ? '' : `&before=${encodeURIComponent(before)}`}`;
      const page: { checks: StoredCheck[]; next: string | null } = await this.api<{
        checks: StoredCheck[];
        next: string | null;
      }>(`v1/monitors/${encodeURIComponent(monitorId)}/checks?${query}`);
      all.push(...page.checks);
      if (page.next === null || page.next === undefined || page.checks.length === 0) break;
      before = page.next;
    }
    return all.reverse();
  }

  /** Every incident with its outbox operations, as the issue audit reads them. */
  async incidents(): Promise<Array<AuditedIncident & { monitorId: string | null; start: string | null }>> {
    const list = await this.api<{
      incidents: Array<
        Omit<AuditedIncident, 'operations'> & { monitorId: string | null; start: string | null }
      >;
    }>('v1/incidents?status=all&limit=500');
    const out = [];
    for (const incident of list.incidents) {
      const detail = await this.api<{ operations: AuditedIncident['operations'] }>(
        `v1/incidents/${encodeURIComponent(incident.id)}`,
      );
      out.push({ ...incident, operations: detail.operations });
    }
    return out;
  }

  /** Writes every process's output and the GitHub log to `file` (VIGIL_CLUSTER_DEBUG=<file>). */
  async dump(file: string, extra: Record<string, unknown> = {}): Promise<void> {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      file,
      JSON.stringify({
        ...extra,
        schema: this.schema,
        lives: this.lives.map((l) => ({
          ...l,
          process: undefined,
          stdout: l.process.stdout(),
          stderr: l.process.stderr(),
        })),
        runners: this.runners.map((r) => ({ name: r.name, stdout: r.stdout(), stderr: r.stderr() })),
        hits: this.target.hits,
        github: this.github.requests.map(({ headers: _h, ...r }) => r),
      }),
    );
  }

  /** Stops every runner and collector (SIGKILL), the servers, and drops the schema. */
  async close(): Promise<void> {
    for (const fn of this.#cleanups.splice(0).reverse()) await fn().catch(() => undefined);
  }
}

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

async function callJson<T>(
  base: string,
  path: string,
  init: { method?: string; body?: unknown },
): Promise<T> {
  const response = await fetch(new URL(path, `${base}/`), {
    method: init.method ?? 'GET',
    headers: {
      accept: 'application/json',
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  if (!response.ok)
    throw new ApiError(response.status, `${init.method ?? 'GET'} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Monitors at `url(/<id>)` every 30 s in regions a and b, down once a second region confirms. */
export function monitorDocs(ids: string[], url: (path: string) => string): Array<Record<string, unknown>> {
  return ids.map((id) => ({
    id,
    url: url(`/${id}`),
    interval: '30s',
    timeout: '5s',
    regions: ['a', 'b'],
    confirm: { regions: 1 },
    recover: { checks: 1 },
    flapping: false,
    alert: { after: '0s', remind_every: 0 },
  }));
}

// ---- audits of the stored history ------------------------------------------------------------

/** Periodic rounds (scheduled or down-round) of one monitor, by due time, stored by more than one collector process (job prefix). */
export function doubleScheduled(checks: StoredCheck[]): string[] {
  const byDue = new Map<string, Set<string>>();
  for (const c of checks) {
    if ((c.purpose !== 'scheduled' && c.purpose !== 'down-round') || c.dueAt === null) continue;
    const set = byDue.get(c.dueAt) ?? new Set<string>();
    set.add(jobPrefix(c.id));
    byDue.set(c.dueAt, set);
  }
  return [...byDue]
    .filter(([, prefixes]) => prefixes.size > 1)
    .map(
      ([due, prefixes]) => `${checks[0]?.monitorId}: round due ${due} made by ${[...prefixes].join(', ')}`,
    );
}

/** The longest time between two consecutive stored checks of a monitor in [from, to] (ms). */
export function maxGap(checks: StoredCheck[], from: number, to: number): number {
  const times = checks
    .map((c) => Date.parse(c.at ?? c.dueAt ?? ''))
    .filter((t) => Number.isFinite(t))
    .sort((x, y) => x - y);
  let gap = 0;
  let previous = from;
  for (const t of times) {
    if (t < from || t > to) continue;
    gap = Math.max(gap, t - previous);
    previous = t;
  }
  return Math.max(gap, to - previous);
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
