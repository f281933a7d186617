// Conditional GET for status resources: an ETag per body, `If-None-Match` answered with 304, and
// Cache-Control matching the snapshot's lifetime (public, or private behind the read token).
import type { FastifyReply, FastifyRequest } from 'fastify';

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

export function sendCached(
  request: FastifyRequest,
  reply: FastifyReply,
  options: { body: string | Buffer; etag: string; type: string; isPublic: boolean; maxAgeMs: number },
): FastifyReply {
  reply.header('etag', options.etag);
  reply.header('cache-control', cacheControl(options.isPublic, options.maxAgeMs));
  if (!options.isPublic) reply.header('vary', 'Authorization');
  if (notModified(request, options.etag)) return reply.code(304).send();
  return reply.type(options.type).send(options.body);
}
