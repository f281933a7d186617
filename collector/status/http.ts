// Conditional GET for status resources: an ETag per body, `If-None-Match` answered with 304,
// Cache-Control matching the snapshot's lifetime (public, or private behind the read token), and
// the precomputed gzip when the client accepts it.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Rendered } from './service.ts';

export function cacheControl(isPublic: boolean, maxAgeMs: number): string {
  const seconds = Math.floor(maxAgeMs / 1000);
  if (seconds === 0) return isPublic ? 'public, no-cache' : 'private, no-cache';
  return `${isPublic ? 'public' : 'private'}, max-age=${seconds}`;
}

/** True when the request already holds this ETag (weak comparison, lists and `*` allowed). */
export function notModified(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (header === undefined) return false;
  const strip = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || strip(tag) === strip(etag));
}

function acceptsGzip(request: FastifyRequest): boolean {
  const header = request.headers['accept-encoding'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().split(';');
    if (coding?.trim().toLowerCase() !== 'gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

export function sendCached(
  request: FastifyRequest,
  reply: FastifyReply,
  options: { rendered: Rendered; type: string; isPublic: boolean; maxAgeMs: number },
): FastifyReply {
  const { rendered } = options;
  reply.header('etag', rendered.etag);
  reply.header('cache-control', cacheControl(options.isPublic, options.maxAgeMs));
  reply.header('vary', options.isPublic ? 'Accept-Encoding' : 'Accept-Encoding, Authorization');
  if (notModified(request, rendered.etag)) return reply.code(304).send();
  reply.type(options.type);
  if (rendered.gzip !== null && acceptsGzip(request)) {
    return reply.header('content-encoding', 'gzip').send(rendered.gzip);
  }
  return reply.send(rendered.body);
}
