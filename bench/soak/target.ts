// The soak's targets, in their own process (their CPU is not the collector's): a few HTTP servers
// on loopback; GET /m/<i> answers 200, or 500 while flips.ts says monitor i is down.
//   node bench/soak/target.ts '<FlipPlan JSON>' <monitors> <servers>
// Prints `ports <p1>,<p2>,...` once listening.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FlipPlan, isDown } from './flips.ts';

const plan = JSON.parse(process.argv[2]!) as FlipPlan;
const count = Number(process.argv[3]);
const servers = Number(process.argv[4] ?? 4);

const ports = await Promise.all(
  Array.from({ length: servers }, async () => {
    const server = http.createServer((req, res) => {
      const match = /^\/m\/(\d+)$/.exec(req.url ?? '');
      const down = match !== null && isDown(plan, Number(match[1]), count, Date.now());
      res.statusCode = match === null ? 404 : down ? 500 : 200;
      res.setHeader('content-type', 'text/plain');
      res.end(down ? 'broken' : 'fine');
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return (server.address() as AddressInfo).port;
  }),
);
process.stdout.write(`ports ${ports.join(',')}\n`);
