// A tiny authoritative DNS server on loopback UDP: answers A/AAAA from a table, NXDOMAIN for
// anything else, or stays silent (for DNS timeouts). Enough for c-ares (dns.Resolver).
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';

export interface FakeDnsRecords {
  [name: string]: { A?: string[]; AAAA?: string[] };
}

export interface FakeDns {
  /** `127.0.0.1:PORT`, for dnsServerResolver / dns.setServers. */
  server: string;
  queries: Array<{ name: string; type: number }>;
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;

function readName(message: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let at = offset;
  while (at < message.length) {
    const length = message[at]!;
    if (length === 0) return { name: labels.join('.').toLowerCase(), end: at + 1 };
    labels.push(message.subarray(at + 1, at + 1 + length).toString('latin1'));
    at += 1 + length;
  }
  throw new Error('truncated DNS name');
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [...left, ...new Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  const bytes = Buffer.alloc(16);
  groups.forEach((group, index) => {
    bytes.writeUInt16BE(Number.parseInt(group, 16), index * 2);
  });
  return bytes;
}

function answer(query: Buffer, records: FakeDnsRecords): { response: Buffer; name: string; type: number } {
  const { name, end } = readName(query, 12);
  const type = query.readUInt16BE(end);
  const question = query.subarray(12, end + 4);
  const entry = records[name];
  const rdatas =
    entry === undefined
      ? []
      : type === TYPE_A
        ? (entry.A ?? []).map((ip) => Buffer.from(ip.split('.').map(Number)))
        : type === TYPE_AAAA
          ? (entry.AAAA ?? []).map(ipv6Bytes)
          : [];
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  const rd = query[2]! & 0x01;
  header[2] = 0x84 | rd; // QR, AA, RD as asked
  header[3] = 0x80 | (entry === undefined ? 3 : 0); // RA, rcode NXDOMAIN or NOERROR (NODATA when empty)
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(rdatas.length, 6);
  const answers = rdatas.map((rdata) => {
    const record = Buffer.alloc(12);
    record.writeUInt16BE(0xc00c, 0); // pointer to the question name
    record.writeUInt16BE(type, 2);
    record.writeUInt16BE(1, 4); // IN
    record.writeUInt32BE(60, 6);
    record.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([record, rdata]);
  });
  return { response: Buffer.concat([header, question, ...answers]), name, type };
}

/** `silent: true` = receive queries and never answer. */
export async function startFakeDns(
  records: FakeDnsRecords,
  options: { silent?: boolean } = {},
): Promise<FakeDns> {
  const socket = dgram.createSocket('udp4');
  const queries: FakeDns['queries'] = [];
  socket.on('message', (message, peer) => {
    try {
      const { response, name, type } = answer(message, records);
      queries.push({ name, type });
      if (!options.silent) socket.send(response, peer.port, peer.address);
    } catch {
      // Malformed query: ignore, as a real server would.
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;
  return {
    server: `127.0.0.1:${port}`,
    queries,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
