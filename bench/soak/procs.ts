// The soak's processes: the collector (no embedded runner, keys for two regions), the runner
// processes, the target process; waiting for their ready lines, stopping them, and their RSS and
// CPU from /proc.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'cli/main.ts');
const CLK_TCK = 100;

export function waitForLine(
  child: ChildProcess,
  stream: 'stdout' | 'stderr',
  pattern: RegExp,
  ms = 60_000,
): Promise<string> {
  return new Promise((done, fail) => {
    let text = '';
    const timer = setTimeout(() => fail(new Error(`no ${pattern} within ${ms} ms:\n${text}`)), ms);
    const onData = (chunk: string) => {
      text += chunk;
      const m = pattern.exec(text);
      if (m) {
        clearTimeout(timer);
        child[stream]!.off('data', onData);
        done(m[1]!);
      }
    };
    child[stream]!.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => fail(new Error(`exited with ${code} before ${pattern}:\n${text}`)));
  });
}

/** SIGTERM, then SIGKILL after 20 s; resolves on exit. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

export function startTarget(planJson: string, monitors: number, servers: number): ChildProcess {
  return spawn(
    process.execPath,
    [join(ROOT, 'bench/soak/target.ts'), planJson, String(monitors), String(servers)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
}

export function startCollector(dir: string, token: string, keys: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [CLI, 'collector'], {
    cwd: dir,
    env: {
      ...process.env,
      VIGIL_HOST: '127.0.0.1',
      VIGIL_PORT: '0',
      VIGIL_DB: join(dir, 'vigil.db'),
      VIGIL_ADMIN_TOKEN: token,
      VIGIL_LOG_LEVEL: 'warn',
      VIGIL_EMBEDDED_RUNNER: 'false',
      VIGIL_REGION_KEYS: Object.entries(keys)
        .map(([region, key]) => `${region}:${key}`)
        .join(','),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return child;
}

export function startRunner(
  collector: string,
  region: string,
  key: string,
  concurrency: number,
): ChildProcess {
  return spawn(
    process.execPath,
    [
      CLI,
      'runner',
      '--collector',
      collector,
      '--region',
      region,
      '--name',
      `soak-${region}`,
      '--concurrency',
      String(concurrency),
    ],
    {
      env: { ...process.env, VIGIL_REGION_KEY: key, VIGIL_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
}

export interface ProcSample {
  rssMb: number;
  cpuSec: number;
}

export function procSample(pid: number): ProcSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { rssMb: rssKb / 1024, cpuSec: (Number(fields[11]) + Number(fields[12])) / CLK_TCK };
}
