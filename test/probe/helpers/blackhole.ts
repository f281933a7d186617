// A loopback port where TCP connects hang: a child process listens with a backlog of 1 and then
// blocks its event loop, so the kernel's accept queue fills with two connections and further SYNs
// are dropped (Node turns a backlog of 0 into its default of 511). That is how a firewall that
// drops packets looks to a client, without leaving loopback. Pure Node; the child is killed by
// pid on close.
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';

const CHILD = `
const net = require('node:net');
const server = net.createServer();
server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  // Synchronous write, then block at once: no connection can be accepted after the port is out.
  require('node:fs').writeSync(1, String(server.address().port) + '\\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
});
`;

export interface Blackhole {
  port: number;
  close(): Promise<void>;
}

export async function startBlackhole(): Promise<Blackhole> {
  const child: ChildProcess = spawn(process.execPath, ['-e', CHILD], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(Number(text.trim()));
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`blackhole child exited with ${code}`)));
  });
  // Fill the accept queue (the child never accepts): later connects hang in SYN-SENT.
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const filler = net.connect(port, '127.0.0.1');
    filler.on('error', () => {});
    fillers.push(filler);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  return {
    port,
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
