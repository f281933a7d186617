// The one Logger: the lines the `vigil runner` process writes (pino's JSON lines: level number,
// time, the base fields, the call's fields, msg, errors under `err` with their code), levels
// below the threshold dropped, and both pino and Fastify's logger fit the type.
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createLogger, isLogLevel, type Logger } from '../../common/log.ts';

function capture(level: Parameters<typeof createLogger>[0]['level']) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    level,
    base: { component: 'runner', region: 'eu' },
    destination: { write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { log, lines };
}

describe('createLogger', () => {
  it('writes one JSON object per line in pino format', () => {
    const { log, lines } = capture('info');
    const error = Object.assign(new Error('refused'), { code: 'VIGIL_ERR_UNREACHABLE' });
    log.warn({ err: error, attempt: 2 }, 'registration failed; retrying');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      component: 'runner',
      region: 'eu',
      attempt: 2,
      msg: 'registration failed; retrying',
      err: { type: 'Error', message: 'refused', code: 'VIGIL_ERR_UNREACHABLE' },
    });
    expect(typeof lines[0]!.time).toBe('number');
    expect(lines[0]).not.toHaveProperty('pid');
    expect(lines[0]).not.toHaveProperty('hostname');
  });

  it('drops levels below the threshold', () => {
    const { log, lines } = capture('warn');
    log.debug({}, 'd');
    log.info({}, 'i');
    log.error({}, 'e');
    expect(lines.map((l) => [l.level, l.msg])).toEqual([[50, 'e']]);
  });

  it('knows its levels', () => {
    expect(isLogLevel('debug')).toBe(true);
    expect(isLogLevel('verbose')).toBe(false);
  });

  it('pino and Fastify loggers are Loggers', () => {
    expectTypeOf(pino()).toExtend<Logger>();
    expectTypeOf<FastifyBaseLogger>().toExtend<Logger>();
  });
});
