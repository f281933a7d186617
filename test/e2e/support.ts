// End-to-end helpers: `vigil runner` processes, a target whose behaviour the test flips per path
// (and per region, read from the probe's User-Agent), applying monitors with `vigil apply`, and
// reading the collector's API. Everything is a real process or server on loopback.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nextSlot, slotOffset } from '../../collector/scheduler/slots.ts';
import { CLI, type CollectorProcess, runCli, startCollectorProcess } from '../support/collector-process.ts';
import { startTarget, type TargetServer } from '../support/target-server.ts';

export const REGISTERED =
  /^vigil runner: registered id=(\S+) region=(\S+) name=(\S+) concurrency=(\d+) collector=(\S+)$/m;

export const KEYS = { a: 'key-for-region-a-0123456789', b: 'key-for-region-b-9876543210' } as const;

/** A collector without the embedded runner, with keys for regions `a` and `b`. */
export function startE2eCollector(env: Record<string, string> = {}): Promise<CollectorProcess> {
  return startCollectorProcess({
    env: {
      VIGIL_EMBEDDED_RUNNER: 'false',
      VIGIL_REGION_KEYS: `a:${KEYS.a},b:${KEYS.b}`,
      VIGIL_LOG_LEVEL: 'info',
      ...env,
    },
  });
}

export interface RunnerProcess {
  child: ChildProcess;
  runnerId: string;
  name: string;
  region: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` (default SIGTERM) unless it already exited, and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface RunnerProcessOptions {
  collector: string;
  region: string;
  key?: string;
  name?: string;
  concurrency?: number;
  extraArgs?: string[];
  env?: Record<string, string>;
  /** Resolve at once instead of waiting for the registered line (for runners expected to fail). */
  noWait?: boolean;
}

/** Spawns `vigil runner`; resolves once it printed its registered line. */
export async function startRunnerProcess(options: RunnerProcessOptions): Promise<RunnerProcess> {
  const name = options.name ?? `runner-${options.region}-${Math.random().toString(36).slice(2, 8)}`;
  const args = [
    CLI,
    'runner',
    '--collector',
    options.collector,
    '--region',
    options.region,
    '--name',
    name,
    ...(options.concurrency === undefined ? [] : ['--concurrency', String(options.concurrency)]),
    ...(options.extraArgs ?? []),
  ];
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    VIGIL_LOG_LEVEL: 'info',
    ...options.env,
  };
  delete env.VIGIL_REGION_KEY;
  env.VIGIL_REGION_KEY = options.key ?? KEYS[options.region as keyof typeof KEYS] ?? '';
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  // 'close', not 'exit': 'exit' can come before the last lines were read from the pipes, and tests
  // read stderr() right after the exit (the runner's closing summary).
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  let runnerId = '';
  if (!options.noWait) {
    runnerId = await new Promise<string>((resolve, reject) => {
      // About a second idle, several on a loaded two-core machine.
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`runner did not register within 60 s\n${err}\n${out}`));
      }, 60_000);
      const check = () => {
        const match = REGISTERED.exec(err);
        if (match !== null) {
          clearTimeout(timer);
          child.stderr!.off('data', check);
          resolve(match[1]!);
        }
      };
      child.stderr!.on('data', check);
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`runner exited (${code ?? signal}) before registering\n${err}\n${out}`));
      });
    });
  }
  let stopping: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  return {
    child,
    runnerId,
    name,
    region: options.region,
    stdout: () => out,
    stderr: () => err,
    exited,
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      })();
      return stopping;
    },
  };
}

// ---- the target ------------------------------------------------------------------------------

/**
 * How a path answers: 200, 500, never (hang), hang the first request only and answer the rest,
 * or 500 / hang only for the listed regions.
 */
export type Mode =
  | 'ok'
  | 'error'
  | 'hang'
  | 'hang-first'
  | { failRegions: string[] }
  | { hangRegions: string[] };

export interface TargetHit {
  path: string;
  region: string | null;
  at: number;
}

export interface FlipTarget {
  server: TargetServer;
  url(path: string): string;
  set(path: string, mode: Mode): void;
  hits: TargetHit[];
  hitsOf(path: string): TargetHit[];
  /** Answers every request held by `hang` modes (200) and stops holding. */
  releaseHung(): void;
  close(): Promise<void>;
}

const UA_REGION = /\(region ([^)]+)\)/;

export async function startFlipTarget(): Promise<FlipTarget> {
  const modes = new Map<string, Mode>();
  const hits: TargetHit[] = [];
  const hung = new Set<{ end(body: string): void }>();
  const server = await startTarget({
    handler: (req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      const ua = req.headers['user-agent'];
      const region = typeof ua === 'string' ? (UA_REGION.exec(ua)?.[1] ?? null) : null;
      hits.push({ path, region, at: Date.now() });
      const mode = modes.get(path) ?? 'ok';
      const hang =
        mode === 'hang' ||
        (mode === 'hang-first' && hits.filter((h) => h.path === path).length === 1) ||
        (typeof mode === 'object' && 'hangRegions' in mode && mode.hangRegions.includes(region ?? ''));
      const fail =
        mode === 'error' ||
        (typeof mode === 'object' && 'failRegions' in mode && mode.failRegions.includes(region ?? ''));
      if (hang) {
        const held = res as unknown as { end(body: string): void };
        hung.add(held);
        res.on('close', () => hung.delete(held));
        return;
      }
      res.statusCode = fail ? 500 : 200;
      res.end(fail ? 'broken' : 'fine');
    },
  });
  return {
    server,
    url: (path) => server.url(path),
    set: (path, mode) => void modes.set(path, mode),
    hits,
    hitsOf: (path) => hits.filter((h) => h.path === path),
    releaseHung() {
      for (const res of hung) res.end('fine');
      hung.clear();
    },
    close: () => server.close(),
  };
}

// ---- monitors and the API --------------------------------------------------------------------

/** Writes `yaml` as monitors/e2e.yml in a temp dir and runs `vigil apply` against `collector`. */
export async function applyMonitors(collector: CollectorProcess, yaml: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-e2e-monitors-'));
  try {
    await mkdir(join(dir, 'monitors'));
    await writeFile(join(dir, 'monitors', 'e2e.yml'), yaml);
    const result = await runCli([
      'apply',
      join(dir, 'monitors'),
      '--collector',
      collector.url,
      '--token',
      collector.token!,
    ]);
    if (result.code !== 0)
      throw new Error(`vigil apply failed (${result.code})\n${result.stderr}\n${result.stdout}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function getJson<T = Record<string, unknown>>(
  collector: CollectorProcess,
  path: string,
): Promise<T> {
  const response = await fetch(new URL(path, `${collector.url}/`), {
    headers: { accept: 'application/json', authorization: `Bearer ${collector.token}` },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Polls `probe` every 250 ms until it returns a value that is not undefined; fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > end) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

// ---- timing without a time scale ---------------------------------------------------------------
// The language allows no interval under 30 s, and the collector has no test clock. Instead the
// tests pick monitor ids whose stable slot (hash of the id, see collector/scheduler/slots.ts)
// falls a few seconds from now, so the first round comes soon; later rounds follow every 30 s.

/** When the scheduler first runs a new monitor `id` with `interval` applied at `now`. */
export function firstDue(id: string, interval: number, now: number): number {
  return nextSlot(now, interval, slotOffset(id, interval));
}

/** `prefix-N` for the smallest N whose first round falls in [now + minMs, now + maxMs]. */
export function idDueSoon(
  prefix: string,
  interval = 30_000,
  minMs = 5_000,
  maxMs = 10_000,
  now = Date.now(),
): string {
  for (let n = 0; n < 100_000; n++) {
    const id = `${prefix}-${n}`;
    const wait = firstDue(id, interval, now) - now;
    if (wait >= minMs && wait <= maxMs) return id;
  }
  throw new Error(`no id for ${prefix} due within ${minMs}..${maxMs} ms`);
}
