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
  const { port, close } = await startFullQueue(CHILD, 'ignore', 'blackhole');
  return { port, close };
}

/** A child listening with a full accept queue, as `child` (a script that prints its port) leaves it. */
export interface FullQueue {
  child: ChildProcess;
  port: number;
  close(): Promise<void>;
}

/**
 * Runs `script` (it must print its port and a newline, then block its event loop), then fills the
 * kernel's accept queue so later connects hang in SYN-SENT. `close()` drops the fillers and kills
 * the child.
 */
export async function startFullQueue(
  script: string,
  stdin: 'pipe' | 'ignore',
  name: string,
): Promise<FullQueue> {
  const child: ChildProcess = spawn(process.execPath, ['-e', script], {
    stdio: [stdin, 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(Number(text.trim()));
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${name} child exited with ${code}`)));
  });
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const filler = net.connect(port, '127.0.0.1');
    filler.on('error', () => {});
    fillers.push(filler);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  return {
    child,
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
