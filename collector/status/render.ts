// A body as sent for status resources: its bytes, their gzip (made once, in the background build)
// and the ETag conditional GETs compare (collector/status/http.ts).
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

export interface Rendered {
  body: Buffer;
  gzip: Buffer | null;
  etag: string;
}

export function etagOf(data: string | Buffer): string {
  // Not a security boundary: md5 is the cheapest digest OpenSSL has for multi-megabyte bodies.
  return `"${createHash('md5').update(data).digest('base64url')}"`;
}

export async function render(text: string): Promise<Rendered> {
  const body = Buffer.from(text, 'utf8');
  // Small bodies are not worth compressing.
  const gzipped = body.length >= 1024 ? await gzipAsync(body, { level: 6 }) : null;
  return { body, gzip: gzipped, etag: etagOf(body) };
}
