// Probe engine throughput against a bare undici fresh-connection loop, same target, same
// concurrency, measured in the same run (target: probe >= 0.8x the bare loop).
//
//   node bench/probe.ts [--seconds 1.5] [--rounds 6] [--concurrency 16]
//
// The target (Node http + https servers) runs in a child process so the CPU figures are the
// client's own. Baseline and probe alternate in short rounds so load from other processes on the
// machine hits both alike; the rate ratio is the median of the per-round ratios (each probe round
// against the baseline round just before it), and CPU-ms per request is summed over all rounds.
// Baseline: `new Client(origin)` per request, `request()`, read the body, `close()`: a fresh
// TCP connection (and for HTTPS a full handshake: a new Client has an empty session cache) each
// time. For HTTPS the baseline gets the same advantage the probe has: one reused SecureContext.

import { fork } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import tls from 'node:tls';
import { Client } from 'undici';
import { createProbeTlsContext, probe, probeSpecFor } from '../probe/index.ts';
import { loopArgs } from './support/args.ts';

const BODY = '<html><body><h1>Vigil bench target</h1><p>status: ok</p></body></html>';

// --- target (child process) ------------------------------------------------------------------
if (process.argv[2] === '--target') {
  const { cert, key } = JSON.parse(process.env.VIGIL_BENCH_TLS ?? '{}') as { cert: string; key: string };
  const handler = (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.setHeader('content-type', 'text/html');
    res.end(BODY);
  };
  const plain = http.createServer(handler);
  const secure = https.createServer({ cert, key }, handler);
  const listen = (server: http.Server | https.Server) =>
    new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', 1024, () => resolve((server.address() as AddressInfo).port)),
    );
  const [httpPort, httpsPort] = await Promise.all([listen(plain), listen(secure)]);
  process.send?.({ httpPort, httpsPort });
} else {
  await main();
}

async function main(): Promise<void> {
  const { seconds, rounds, concurrency } = loopArgs();

  const { createCa, createLeaf, pemDirectory } = await import('../test/support/certs.ts');
  const ca = await createCa({ commonName: 'Vigil Bench CA' });
  const leaf = await createLeaf(ca, { sans: ['127.0.0.1', 'localhost'] });
  const pems = pemDirectory();
  const caFile = pems.write('ca.pem', ca.cert);
  const child = fork(import.meta.filename, ['--target'], {
    env: { ...process.env, VIGIL_BENCH_TLS: JSON.stringify(leaf) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ports = await new Promise<{ httpPort: number; httpsPort: number }>((resolve) =>
    child.once('message', resolve as never),
  );

  const tlsContext = createProbeTlsContext({ extraCaFile: caFile });
  const baselineContext = tls.createSecureContext({ ca: [...tls.rootCertificates, ca.cert] });

  const targets = [
    { name: 'HTTP', origin: `http://127.0.0.1:${ports.httpPort}` },
    { name: 'HTTPS', origin: `https://127.0.0.1:${ports.httpsPort}` },
  ];

  console.log(
    `probe bench: ${rounds} rounds x ${seconds}s per loop, concurrency ${concurrency}, Node ${process.version}, ` +
      `target in child process ${child.pid}`,
  );
  const rows: string[] = [];
  let worst = Number.POSITIVE_INFINITY;
  try {
    for (const target of targets) {
      const https = target.origin.startsWith('https:');
      const baseline = async () => {
        const client = new Client(
          target.origin,
          https ? { connect: { secureContext: baselineContext } } : {},
        );
        const response = await client.request({ path: '/', method: 'GET' });
        await response.body.text();
        if (response.statusCode !== 200) throw new Error(`baseline got ${response.statusCode}`);
        await client.close();
      };
      const spec = probeSpecFor(`${target.origin}/`);
      const probeOnce = async () => {
        const result = await probe(spec, { tlsContext });
        if (!result.ok) throw new Error(`probe failed: ${result.reason}: ${result.message}`);
      };
      // Warm-up: JIT, lazy modules, the TLS contexts.
      await loop(baseline, 0.5, concurrency);
      await loop(probeOnce, 0.5, concurrency);
      const base: Measure[] = [];
      const ours: Measure[] = [];
      for (let round = 0; round < rounds; round++) {
        base.push(await loop(baseline, seconds, concurrency));
        ours.push(await loop(probeOnce, seconds, concurrency));
      }
      const b = summarize(base);
      const p = summarize(ours);
      const ratio = median(ours.map((m, i) => m.rate / base[i]!.rate));
      worst = Math.min(worst, ratio);
      rows.push(
        `${target.name.padEnd(5)}  bare undici ${fmt(b.rate)}/s ${b.cpuMs.toFixed(3)} cpu-ms/req  |  ` +
          `probe ${fmt(p.rate)}/s ${p.cpuMs.toFixed(3)} cpu-ms/probe  |  rate ratio ${ratio.toFixed(2)}  ` +
          `cpu ratio ${(b.cpuMs / p.cpuMs).toFixed(2)}\n       rounds/s bare:  ${base.map((m) => fmt(m.rate)).join(' ')}\n` +
          `       rounds/s probe: ${ours.map((m) => fmt(m.rate)).join(' ')}`,
      );
      console.log(rows.at(-1));
    }
  } finally {
    child.kill();
    pems.cleanup();
  }
  console.log(
    `worst rate ratio ${worst.toFixed(2)} (target >= 0.80): ${worst >= 0.8 ? 'PASS' : 'BELOW TARGET'}`,
  );
}

interface Measure {
  rate: number;
  cpuMs: number;
  count: number;
  cpuTotalMs: number;
}

async function loop(task: () => Promise<void>, seconds: number, concurrency: number): Promise<Measure> {
  const end = performance.now() + seconds * 1000;
  let count = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await task();
        count++;
      }
    }),
  );
  const elapsed = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const cpuTotalMs = (used.user + used.system) / 1000;
  return { rate: (count / elapsed) * 1000, cpuMs: cpuTotalMs / count, count, cpuTotalMs };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median rate over rounds; CPU per request over all rounds together. */
function summarize(measures: Measure[]): { rate: number; cpuMs: number } {
  const count = measures.reduce((sum, m) => sum + m.count, 0);
  const cpu = measures.reduce((sum, m) => sum + m.cpuTotalMs, 0);
  return { rate: median(measures.map((m) => m.rate)), cpuMs: cpu / count };
}

function fmt(rate: number): string {
  return Math.round(rate).toString().padStart(5);
}
