// Content-Encoding decoding (br, gzip, deflate: what the probe advertises), bounded so a small
// compressed body cannot expand without limit, then bytes to text in the declared charset. Only
// done when someone needs the body text.
import { TextDecoder } from 'node:util';
import zlib from 'node:zlib';

export interface DecodedBody {
  body: Buffer;
  /** The decoded body went past `limit`; `body` holds the first `limit` bytes. */
  truncated: boolean;
}

/** The response uses an encoding the probe cannot decode, or the data is corrupt. Stable `code`. */
export class BodyDecodeError extends Error {
  override name = 'BodyDecodeError';
  code = 'body_decode';
}

type Codec = 'br' | 'gzip' | 'deflate' | 'deflate-raw';

/**
 * Decodes `raw` per the `content-encoding` header (a list, applied in order). `partial` = `raw`
 * is a prefix of the body (it hit the byte cap), so a cut-off stream is not an error.
 */
export async function decodeBody(
  raw: Buffer,
  contentEncoding: string | string[] | undefined,
  limit: number,
  partial: boolean,
): Promise<DecodedBody> {
  const codings = codingsOf(contentEncoding);
  let body = raw;
  let truncated = false;
  for (let i = codings.length - 1; i >= 0 && body.length > 0; i--) {
    const codec = codecFor(codings[i]!, body);
    const decoded = await decodeOne(body, codec, limit, partial || truncated);
    body = decoded.body;
    truncated = truncated || decoded.truncated;
  }
  if (body.length > limit) return { body: body.subarray(0, limit), truncated: true };
  return { body, truncated };
}

function codingsOf(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  const value = Array.isArray(header) ? header.join(',') : header;
  return value
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
}

function codecFor(coding: string, data: Buffer): Codec {
  if (coding === 'br') return 'br';
  if (coding === 'gzip' || coding === 'x-gzip') return 'gzip';
  if (coding === 'deflate') {
    // RFC 9110 deflate is zlib-wrapped, but some servers send raw deflate: check the zlib header.
    const cmf = data[0] ?? 0;
    const flg = data[1] ?? 0;
    return (cmf & 0x0f) === 8 && ((cmf << 8) | flg) % 31 === 0 ? 'deflate' : 'deflate-raw';
  }
  throw new BodyDecodeError(
    `the response uses content-encoding "${coding}", which the probe did not ask for`,
  );
}

function syncDecode(data: Buffer, codec: Codec, options: zlib.ZlibOptions & zlib.BrotliOptions): Buffer {
  switch (codec) {
    case 'br':
      return zlib.brotliDecompressSync(data, options);
    case 'gzip':
      return zlib.gunzipSync(data, options);
    case 'deflate':
      return zlib.inflateSync(data, options);
    case 'deflate-raw':
      return zlib.inflateRawSync(data, options);
  }
}

function streamDecoder(codec: Codec, options: zlib.ZlibOptions & zlib.BrotliOptions) {
  switch (codec) {
    case 'br':
      return zlib.createBrotliDecompress(options);
    case 'gzip':
      return zlib.createGunzip(options);
    case 'deflate':
      return zlib.createInflate(options);
    case 'deflate-raw':
      return zlib.createInflateRaw(options);
  }
}

async function decodeOne(data: Buffer, codec: Codec, limit: number, partial: boolean): Promise<DecodedBody> {
  // A cut-off stream decodes as far as it goes instead of failing with "unexpected end".
  const flush =
    codec === 'br'
      ? { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH }
      : { finishFlush: partial ? zlib.constants.Z_SYNC_FLUSH : zlib.constants.Z_FINISH };
  try {
    return { body: syncDecode(data, codec, { ...flush, maxOutputLength: limit }), truncated: false };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ERR_BUFFER_TOO_LARGE') {
      throw new BodyDecodeError(
        `the response body is not valid ${codec} data (${code ?? (error as Error).message})`,
      );
    }
  }
  // Bigger than the limit once decoded: stream it and keep the first `limit` bytes.
  return new Promise((resolve, reject) => {
    const decoder = streamDecoder(codec, flush);
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    decoder.on('data', (chunk: Buffer) => {
      if (done) return;
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) {
        done = true;
        decoder.destroy();
        resolve({ body: Buffer.concat(chunks).subarray(0, limit), truncated: true });
      }
    });
    decoder.on('error', (error: NodeJS.ErrnoException) => {
      if (!done) reject(new BodyDecodeError(`the response body is not valid ${codec} data (${error.code})`));
    });
    decoder.on('end', () => {
      if (!done) resolve({ body: Buffer.concat(chunks), truncated: false });
    });
    decoder.end(data);
  });
}

const decoders = new Map<string, TextDecoder>();

/** Body bytes as text in the charset the response declares (UTF-8 unless it says otherwise). */
export function textOf(body: Buffer, contentType: string | string[] | undefined): string {
  const type = Array.isArray(contentType) ? contentType[0] : contentType;
  const charset = type === undefined ? undefined : /;\s*charset="?([^";\s]+)/i.exec(type)?.[1]?.toLowerCase();
  if (charset === undefined || charset === 'utf-8' || charset === 'utf8') return body.toString('utf8');
  let decoder = decoders.get(charset);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(charset);
    } catch {
      return body.toString('utf8');
    }
    decoders.set(charset, decoder);
  }
  return decoder.decode(body);
}
