// A loopback HTTP server whose TCP connects complete only after the test calls `open()`: how a
// far-away host (round trip longer than the Happy Eyeballs delay) looks to a client, without
// leaving loopback. The same trick as blackhole.ts: a child process listens with a backlog of 1
// and blocks its event loop, here on a read from stdin, so the accept queue fills and SYNs are
// dropped. `open()` writes that byte: the child accepts, the queue empties and the client's next
// SYN retransmission (about 1 s after the first, the kernel's initial RTO) connects. The child
// answers every request with `late answer` and exits when its stdin closes (the test ended).
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';

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
  const child: ChildProcess = spawn(process.execPath, ['-e', CHILD], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(Number(text.trim()));
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`late server child exited with ${code}`)));
  });
  // Fill the accept queue while the child is blocked: later connects hang in SYN-SENT.
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const filler = net.connect(port, '127.0.0.1');
    filler.on('error', () => {});
    fillers.push(filler);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  return {
    port,
    open: () => {
      child.stdin!.write('x');
    },
    close: async () => {
      for (const filler of fillers) filler.destroy();
      if (child.exitCode === null && child.pid !== undefined) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
