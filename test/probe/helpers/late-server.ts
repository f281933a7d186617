// A loopback HTTP server whose TCP connects complete only after the test calls `open()`: how a
// far-away host (round trip longer than the Happy Eyeballs delay) looks to a client, without
// leaving loopback. The same trick as blackhole.ts: a child process listens with a backlog of 1
// and blocks its event loop, here on a read from stdin, so the accept queue fills and SYNs are
// dropped. `open()` writes that byte: the child accepts, the queue empties and the client's next
// SYN retransmission (about 1 s after the first, the kernel's initial RTO) connects. The child
// answers every request with `late answer` and exits when its stdin closes (the test ended).
import { startFullQueue } from './blackhole.ts';

export const LATE_BODY = 'late answer';

const CHILD = `
const fs = require('node:fs');
const http = require('node:http');
const server = http.createServer((_req, res) => res.end(${JSON.stringify(LATE_BODY)}));
server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  fs.writeSync(1, String(server.address().port) + '\\n');
  // Blocks the event loop (no accept) until the parent writes a byte; 0 bytes: the parent is gone.
  if (fs.readSync(0, Buffer.alloc(1)) === 0) process.exit(0);
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
});
`;

export interface LateServer {
  port: number;
  /** Lets connections through: pending connects complete at their next SYN retransmission. */
  open(): void;
  close(): Promise<void>;
}

export async function startLateServer(): Promise<LateServer> {
  // The child is blocked on stdin while the queue fills: later connects hang in SYN-SENT.
  const { child, port, close } = await startFullQueue(CHILD, 'pipe', 'late server');
  return {
    port,
    open: () => {
      child.stdin!.write('x');
    },
    close,
  };
}
