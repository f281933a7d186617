// A real collector process for tests: `node cli/main.ts collector` on 127.0.0.1 port 0 with a
// SQLite file in a temp dir. Resolves once the process prints its bound address. Everything it
// writes is kept (stdout: pino JSON lines; stderr: human lines) so tests can assert on logs.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'cli/main.ts');

const LISTENING = /^vigil collector: listening on (\S+)$/m;
const GENERATED_TOKEN = /^vigil collector: generated admin token \(shown once, store it now\): (\S+)$/m;

export interface CollectorProcessOptions {
  /** Admin token; null lets the collector generate one (read back from its stderr). Default: random. */
  token?: string | null;
  /** Reuse a directory (and its vigil.db), e.g. to restart on the same data; kept on stop. */
  dir?: string;
  env?: Record<string, string>;
  /** Extra arguments after `collector`. */
  args?: string[];
  /** ms to wait for the listening line (default 60 s: about 2 s idle, over 10 s on a loaded machine). */
  startTimeoutMs?: number;
}

export interface CollectorProcess {
  url: string;
  /** The admin token in force (given or generated); null when the file already had one. */
  token: string | null;
  dir: string;
  dbPath: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Sends `signal` (default SIGTERM), waits for exit, removes the temp dir unless it was given. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startCollectorProcess(
  options: CollectorProcessOptions = {},
): Promise<CollectorProcess> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'vigil-collector-')));
  const dbPath = join(dir, 'vigil.db');
  const token = options.token === undefined ? `test-${randomBytes(16).toString('hex')}` : options.token;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    VIGIL_HOST: '127.0.0.1',
    VIGIL_PORT: '0',
    VIGIL_DB: dbPath,
    ...options.env,
  };
  delete env.VIGIL_ADMIN_TOKEN;
  if (token !== null) env.VIGIL_ADMIN_TOKEN = token;
  if (options.env?.VIGIL_ADMIN_TOKEN !== undefined) env.VIGIL_ADMIN_TOKEN = options.env.VIGIL_ADMIN_TOKEN;

  const child = spawn(process.execPath, [CLI, 'collector', ...(options.args ?? [])], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  // 'close', not 'exit': 'exit' can come before the last output was read from the pipes, and tests
  // read stdout()/stderr() right after stop().
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('close', (code, signal) => done({ code, signal })),
  );

  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(
        new Error(`collector did not start within ${options.startTimeoutMs ?? 60_000} ms\n${err}\n${out}`),
      );
    }, options.startTimeoutMs ?? 60_000);
    const check = () => {
      const match = LISTENING.exec(err);
      if (match !== null) {
        clearTimeout(timer);
        child.stderr!.off('data', check);
        done(match[1]!);
      }
    };
    child.stderr!.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`collector exited (${code ?? signal}) before listening\n${err}\n${out}`));
    });
  });

  let stopped: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  return {
    url,
    token: token ?? GENERATED_TOKEN.exec(err)?.[1] ?? null,
    dir,
    dbPath,
    child,
    stdout: () => out,
    stderr: () => err,
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        const result = await exited;
        if (ownDir) await rm(dir, { recursive: true, force: true });
        return result;
      })();
      return stopped;
    },
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node cli/main.ts ...args` to completion. */
export function runCli(
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((done, fail) => {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...process.env, ...options.env })) {
      if (value !== undefined) env[key] = value;
    }
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}
