// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` secret references are literal text here
// `vigil check` as a process: exit codes, human and JSON output, TLS flags, --monitor, secrets.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../probe/index.ts';
import { createCa, createLeaf, createSelfSigned, pemDirectory } from '../support/certs.ts';
import { startTarget, type TargetServer } from '../support/target-server.ts';

const MAIN = resolve(import.meta.dirname, '../../cli/main.ts');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Async on purpose: the targets live in this process and must keep answering. */
function vigil(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      { env: { ...process.env, NO_COLOR: '1', ...env }, cwd, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        done({ code, stdout, stderr });
      },
    );
  });
}

let plain: TargetServer;
let selfSigned: TargetServer;
let privateCa: TargetServer;
let pems: ReturnType<typeof pemDirectory>;
let caFile: string;
let workdir: string;

beforeAll(async () => {
  plain = await startTarget({
    handler: (req, res) => {
      if (req.url === '/down') {
        res.statusCode = 503;
        res.end('maintenance');
        return;
      }
      res.setHeader('content-type', 'text/plain');
      res.end(`hello from vigil tests; auth=${req.headers.authorization ?? 'none'}`);
    },
  });
  selfSigned = await startTarget({
    protocol: 'https',
    tls: await createSelfSigned(),
    handler: (_q, r) => r.end('ss'),
  });
  const ca = await createCa();
  privateCa = await startTarget({
    protocol: 'h2',
    tls: await createLeaf(ca),
    handler: (_q, r) => r.end('private'),
  });
  pems = pemDirectory();
  caFile = pems.write('ca.pem', ca.cert);
  workdir = mkdtempSync(join(tmpdir(), 'vigil-check-cli-'));
});

afterAll(async () => {
  await Promise.all([plain.close(), selfSigned.close(), privateCa.close()]);
  pems.cleanup();
  rmSync(workdir, { recursive: true, force: true });
});

describe('vigil check <url>', { timeout: 120_000 }, () => {
  it('exits 0 when up and prints the status line, waterfall and reason-free summary', async () => {
    const run = await vigil(['check', plain.url('/'), '--keyword', 'hello']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^UP +GET http:\/\/127\.0\.0\.1:\d+\/ +200/);
    for (const label of ['DNS Lookup', 'TCP Connection', 'Server Processing', 'Content Transfer', 'total:']) {
      expect(run.stdout).toContain(label);
    }
    expect(run.stdout).not.toContain('TLS Handshake');
  });

  it('exits 1 when down and names the reason', async () => {
    const run = await vigil(['check', plain.url('/'), '--keyword', 'absent-word']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^DOWN/);
    expect(run.stdout).toContain('keyword_missing');
  });

  it('prints the CheckResult with --json', async () => {
    const run = await vigil(['check', plain.url('/down'), '--json']);
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout) as CheckResult;
    expect(result).toMatchObject({ ok: false, reason: 'status', status: 503 });
    expect(result.log?.body).toBe('maintenance');
  });

  it('verifies TLS by default, skips it with --insecure, and shows the TLS summary', async () => {
    const strict = await vigil(['check', selfSigned.url('/', 'localhost'), '--json']);
    expect(strict.code).toBe(1);
    expect((JSON.parse(strict.stdout) as CheckResult).reason).toBe('tls_self_signed');
    const insecure = await vigil(['check', selfSigned.url('/', 'localhost'), '--insecure']);
    expect(insecure.code).toBe(0);
    expect(insecure.stdout).toContain('TLS Handshake');
    expect(insecure.stdout).toContain('(self-signed)');
  });

  it('trusts a private CA given with --ca-file', async () => {
    const without = await vigil(['check', privateCa.url('/', 'localhost'), '--json']);
    expect((JSON.parse(without.stdout) as CheckResult).reason).toBe('tls_untrusted');
    const run = await vigil(['check', privateCa.url('/', 'localhost'), '--ca-file', caFile, '--json']);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as CheckResult).httpVersion).toBe('2');
  });

  it('sends headers and the region, fills ${NAME} from the environment and redacts it', async () => {
    const before = plain.requests.length;
    const run = await vigil(
      [
        'check',
        plain.url('/'),
        '--header',
        'Authorization: Bearer ${TOKEN}',
        '--region',
        'ap-south',
        '--json',
      ],
      { TOKEN: 'cli-secret-value' },
    );
    expect(run.code).toBe(0);
    const sent = plain.requests[before];
    expect(sent?.headers.authorization).toBe('Bearer cli-secret-value');
    expect(sent?.headers['user-agent']).toMatch(/^Vigil\/\S+ \(region ap-south\)$/);
    expect(run.stdout).not.toContain('cli-secret-value');
  });

  it('exits 2 on usage errors', { timeout: 240_000 }, async () => {
    const cases: string[][] = [
      ['check'],
      ['check', 'not a url'],
      ['check', 'ftp://127.0.0.1/'],
      ['check', plain.url('/'), '--timeout', '500ms'],
      ['check', plain.url('/'), '--timeout', 'soon'],
      ['check', plain.url('/'), '--method', 'BREW'],
      ['check', plain.url('/'), '--body', 'x=1'],
      ['check', plain.url('/'), '--header', 'User-Agent: me'],
      ['check', plain.url('/'), '--header', 'no colon'],
      ['check', plain.url('/'), '--ca-file', join(workdir, 'missing.pem')],
      ['check', plain.url('/'), '--unknown-flag'],
      ['check', plain.url('/${UNSET_VIGIL_TEST_SECRET}')],
    ];
    // Three at a time: enough to keep the test short, few enough for a loaded 2-core machine.
    const runs: Run[] = [];
    for (let i = 0; i < cases.length; i += 3)
      runs.push(...(await Promise.all(cases.slice(i, i + 3).map((args) => vigil(args)))));
    cases.forEach((args, index) => {
      expect([args.join(' '), runs[index]?.code]).toEqual([args.join(' '), 2]);
      expect(runs[index]?.stderr).toMatch(/^vigil check: /);
    });
  });
});

describe('vigil check --monitor', { timeout: 120_000 }, () => {
  it('checks a declared monitor by id, from the given paths', { timeout: 240_000 }, async () => {
    const dir = join(workdir, 'monitors');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'local.yml'),
      [
        'monitors:',
        '  - id: local-hello',
        `    url: ${plain.url('/')}`,
        '    keywords: [hello]',
        '  - id: local-down',
        `    url: ${plain.url('/down')}`,
        '',
      ].join('\n'),
    );
    const up = await vigil(['check', '--monitor', 'local-hello', dir]);
    expect(up.code).toBe(0);
    expect(up.stdout).toContain('monitor local-hello');
    const down = await vigil(['check', '--monitor', 'local-down', '--json'], {}, workdir);
    expect(down.code).toBe(1);
    expect((JSON.parse(down.stdout) as CheckResult).reason).toBe('status');
    const unknown = await vigil(['check', '--monitor', 'nope', dir]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('local-hello');
    const mixed = await vigil(['check', '--monitor', 'local-hello', '--keyword', 'x', dir]);
    expect(mixed.code).toBe(2);
  });

  it('exits 2 when the monitor files are invalid', async () => {
    const dir = join(workdir, 'broken');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'bad.yml'), 'monitors:\n  - id: broken\n    url: not-a-url\n    colour: red\n');
    const run = await vigil(['check', '--monitor', 'broken', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('bad.yml');
  });
});
