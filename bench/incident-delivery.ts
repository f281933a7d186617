// Incident delivery benchmark, against the local GitHub server on loopback (test/support).
//   1. Throughput: N down incidents (alert.after 0) written in one engine flush, delivered through
//      the outbox and the GitHub sink (write spacing 0), against a baseline measured in the same
//      run: the same N issue creates sent by a bare Octokit loop (no outbox, no labels, no
//      markers). Figure: Vigil's issues/s as a ratio of the baseline's.
//   2. Latency with GitHub's default spacing (1 s between writes, 3 s between those that notify):
//      single incidents, each in its own flush, from the commit of the flush to the create request
//      arriving at the server. Target: an issue within 5 s after alert.after.
//   node bench/incident-delivery.ts [count] [singles]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../collector/app.ts';
import { type CollectorConfig, DEFAULT_CONFIG } from '../collector/config/config.ts';
import type { EngineIncidentEvent } from '../collector/store/runtime-types.ts';
import { EMPTY_FLUSH as EMPTY } from '../test/incidents/fixtures.ts';
import { type GitHubServer, startGitHubServer } from '../test/support/github-server.ts';

const COUNT = Number(process.argv[2] ?? 200);
const SINGLES = Number(process.argv[3] ?? 5);
const REPO = 'bench/ops';
const TOKEN = 'ghs_bench_token';
const ADMIN = 'bench-admin-token-0123456789';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function collector(server: GitHubServer, dir: string, spacing: number): Promise<FastifyInstance> {
  const config: CollectorConfig = {
    ...DEFAULT_CONFIG,
    db: join(dir, `vigil-${spacing}.db`),
    adminToken: ADMIN,
    logLevel: 'silent',
    embeddedRunner: false,
    githubRepository: REPO,
    githubToken: TOKEN,
    githubApiUrl: server.url,
    githubWriteSpacingMs: spacing,
  };
  const app = await createApp({ config });
  const monitors = Array.from({ length: COUNT }, (_, i) => ({
    id: `svc-${i}`,
    url: `https://svc-${i}.example.invalid/`,
    alert: { after: '0s', labels: ['bench'] },
  }));
  const response = await app.inject({
    method: 'POST',
    url: '/v1/sync',
    headers: { authorization: `Bearer ${ADMIN}` },
    payload: { revision: null, monitors },
  });
  if (response.statusCode !== 200) throw new Error(response.body);
  return app;
}

async function openedEvents(app: FastifyInstance, ids: number[], at: number): Promise<EngineIncidentEvent[]> {
  const events: EngineIncidentEvent[] = [];
  for (const i of ids) {
    const record = await app.vigil.store.monitors.get(`svc-${i}`);
    events.push({
      source: 'monitor',
      historyId: record!.historyId,
      event: {
        type: 'opened',
        kind: 'down',
        monitorId: `svc-${i}`,
        incidentId: `svc-${i}:down:${at}`,
        cause: 'confirmed',
        start: at,
        end: null,
        lastFailure: at,
        failedChecks: 2,
        reason: 'status',
        firstJobId: null,
        suppressed: false,
        at,
        votes: [],
        score: null,
      },
    });
  }
  return events;
}

async function waitForIssues(server: GitHubServer, count: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (server.issues(REPO).length < count) {
    if (Date.now() > end) throw new Error(`only ${server.issues(REPO).length} of ${count} issues`);
    await sleep(5);
  }
}

const dir = await mkdtemp(join(tmpdir(), 'vigil-bench-incidents-'));
try {
  // ---- baseline: a bare Octokit create loop ---------------------------------------------------
  const base = await startGitHubServer({ repos: [REPO], tokens: { [TOKEN]: { login: 'bench[bot]' } } });
  const octokit = new Octokit({ auth: TOKEN, baseUrl: base.url });
  const [owner, repo] = REPO.split('/') as [string, string];
  let started = performance.now();
  for (let i = 0; i < COUNT; i++) {
    await octokit.rest.issues.create({
      owner,
      repo,
      title: `svc-${i} is down`,
      body: 'x',
      labels: ['vigil'],
    });
  }
  const baselineMs = performance.now() - started;
  await base.close();

  // ---- Vigil: N incidents in one flush -> outbox -> GitHub sink -----------------------------
  const server = await startGitHubServer({ repos: [REPO], tokens: { [TOKEN]: { login: 'bench[bot]' } } });
  const app = await collector(server, dir, 0);
  const events = await openedEvents(
    app,
    Array.from({ length: COUNT }, (_, i) => i),
    Date.now(),
  );
  started = performance.now();
  await app.vigil.store.runtime.flush({ ...EMPTY, events });
  await waitForIssues(server, COUNT, 300_000);
  const vigilMs = performance.now() - started;
  const depth = await app.vigil.store.alerts.outboxDepth();
  await app.close();
  await server.close();

  // ---- latency with GitHub's default spacing --------------------------------------------------
  const paced = await startGitHubServer({ repos: [REPO], tokens: { [TOKEN]: { login: 'bench[bot]' } } });
  const slow = await collector(paced, dir, DEFAULT_CONFIG.githubWriteSpacingMs);
  const latencies: number[] = [];
  for (let n = 0; n < SINGLES; n++) {
    const events1 = await openedEvents(slow, [n], Date.now());
    await slow.vigil.store.runtime.flush({ ...EMPTY, events: events1 });
    const committed = Date.now();
    await waitForIssues(paced, n + 1, 60_000);
    const create = paced.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/issues')).at(-1)!;
    latencies.push(create.at - committed);
    // Next incident after the notification spacing has passed, as separate outages would.
    await sleep(3500);
  }
  await slow.close();
  await paced.close();

  const baselineRate = (COUNT / baselineMs) * 1000;
  const vigilRate = (COUNT / vigilMs) * 1000;
  console.log(
    `incidents: ${COUNT} (one flush), outbox left: ${depth.pending} pending, ${depth.failed} failed`,
  );
  console.log(`baseline (bare Octokit create loop): ${baselineRate.toFixed(1)} issues/s`);
  console.log(
    `vigil (outbox + GitHub sink, spacing 0): ${vigilRate.toFixed(1)} issues/s = ${(vigilRate / baselineRate).toFixed(2)}x baseline`,
  );
  console.log(
    `latency flush -> create, default spacing (${SINGLES} incidents): p50 ${percentile(latencies, 50)} ms, max ${Math.max(...latencies)} ms (target: < 5000 ms after alert.after)`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
