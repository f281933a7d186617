// The runner loop's overhead: checks/s of `startRunner` (claims, slots, result buffer, batched
// posts, heartbeats) against a bare loop that calls the same probe engine at the same
// concurrency, same loopback target, same TLS context, measured in the same run.
//
//   node bench/runner-loop.ts [--seconds 1.5] [--rounds 6] [--concurrency 16]
//
// The collector side is an in-memory transport that always has work (claims answer at once with
// `max` jobs) and accepts every batch, so what is measured is the loop itself, not the collector
// (bench/schedule.ts measures the whole system). The target runs in a child process so CPU
// figures are this process's own. Baseline and runner alternate in short rounds; the ratio is the
// median of per-round ratios. Also reported: results per POST (batching) and CPU ms per check.

import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { createProbeTlsContext, probe, probeSpecFor } from '../probe/index.ts';
import type { Job, RunnerTransport } from '../runner/protocol.ts';
import { startRunner } from '../runner/runner.ts';
import { loopArgs } from './support/args.ts';

if (process.argv[2] === '--target') {
  const server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end('ok');
  });
  server.listen(0, '127.0.0.1', 1024, () => process.send?.({ port: (server.address() as AddressInfo).port }));
  process.on('disconnect', () => process.exit(0));
} else {
  const { seconds, rounds, concurrency } = loopArgs();

  const child = fork(import.meta.filename, ['--target'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) =>
    child.once('message', (m) => resolve((m as { port: number }).port)),
  );
  const spec = probeSpecFor(`http://127.0.0.1:${port}/`, { timeout: 10_000 });
  const tlsContext = createProbeTlsContext();

  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };

  async function baseline(): Promise<{ checks: number; ms: number; cpu: number }> {
    const end = performance.now() + seconds * 1000;
    let checks = 0;
    const cpu0 = cpuMs();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          const result = await probe(spec, { region: 'bench', tlsContext });
          if (!result.ok) throw new Error(`baseline check failed: ${result.message}`);
          checks += 1;
        }
      }),
    );
    return { checks, ms: performance.now() - t0, cpu: cpuMs() - cpu0 };
  }

  async function runnerRound(): Promise<{
    checks: number;
    ms: number;
    cpu: number;
    posts: number;
    results: number;
  }> {
    let seq = 0;
    let posts = 0;
    let results = 0;
    let checksInWindow = 0;
    const job = (): Job => ({
      jobId: `j${++seq}`,
      monitorId: 'bench',
      purpose: 'scheduled',
      roundId: `r${seq}`,
      deadline: Date.now() + 60_000,
      spec,
      secrets: {},
    });
    const transport: RunnerTransport = {
      register: async () => ({
        runnerId: 'bench',
        token: 't',
        heartbeatInterval: 15_000,
        maxClaimWait: 25_000,
      }),
      claim: async (_token, request) => ({ jobs: Array.from({ length: request.max }, job) }),
      results: async (_token, request) => {
        posts += 1;
        results += request.results.length;
        for (const r of request.results) {
          if (!r.result.ok) throw new Error(`runner check failed: ${r.result.message}`);
        }
        return { accepted: request.results.map((r) => r.jobId), duplicates: [], rejected: [] };
      },
      heartbeat: async () => ({ ok: true }),
      deregister: async () => undefined,
    };
    const runner = startRunner({
      transport,
      region: 'bench',
      name: 'bench',
      concurrency,
      version: '0.0.0',
      probe: (s, o) => probe(s, { ...o, tlsContext }),
    });
    await runner.ready;
    const cpu0 = cpuMs();
    const start = runner.stats().completed;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    checksInWindow = runner.stats().completed - start;
    const ms = performance.now() - t0;
    const cpu = cpuMs() - cpu0;
    await runner.stop();
    return { checks: checksInWindow, ms, cpu, posts, results };
  }

  // Warm-up (JIT, first connections).
  await baseline();
  await runnerRound();

  const ratios: number[] = [];
  let baseChecks = 0;
  let baseCpu = 0;
  let runChecks = 0;
  let runCpu = 0;
  let posts = 0;
  let posted = 0;
  for (let i = 0; i < rounds; i++) {
    const b = await baseline();
    const r = await runnerRound();
    const bRate = (b.checks / b.ms) * 1000;
    const rRate = (r.checks / r.ms) * 1000;
    ratios.push(rRate / bRate);
    baseChecks += b.checks;
    baseCpu += b.cpu;
    runChecks += r.checks;
    runCpu += r.cpu;
    posts += r.posts;
    posted += r.results;
    console.log(
      `round ${i + 1}: baseline ${bRate.toFixed(0)} checks/s, runner ${rRate.toFixed(0)} checks/s, ratio ${(rRate / bRate).toFixed(3)}`,
    );
  }
  ratios.sort((x, y) => x - y);
  const median = ratios[Math.floor(ratios.length / 2)]!;
  console.log(`\nconcurrency ${concurrency}, ${rounds} rounds of ${seconds}s`);
  console.log(`runner / bare probe loop, checks/s (median of rounds): ${median.toFixed(3)}`);
  console.log(
    `CPU ms per check: bare ${(baseCpu / baseChecks).toFixed(3)}, runner ${(runCpu / runChecks).toFixed(3)} (ratio ${(runCpu / runChecks / (baseCpu / baseChecks)).toFixed(3)})`,
  );
  console.log(`results per POST: ${(posted / posts).toFixed(1)} (${posts} posts)`);
  child.disconnect();
}
