// JSONPath never runs code from a monitor file: filter and script expressions are not evaluated
// (jsonpath-plus with `eval: false`; validation refuses them too, see
// test/schema/regex-validation.test.ts). The assertion fails with a clear reason, and the
// process (and the worker that judges bodies) survives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAssertion, JsonBody } from '../../probe/assertions.ts';
import { probe, probeSpecFor } from '../../probe/index.ts';
import type { Assertion } from '../../schema/types.ts';
import { startTarget, type TargetServer } from '../support/target-server.ts';
import { expectDown, expectUp } from './helpers/expect.ts';

const DOC = JSON.stringify({
  status: 'ok',
  items: [
    { id: 1, ok: true },
    { id: 2, ok: false },
  ],
});

const SCRIPTS = [
  "$..[?(@.constructor.constructor('return process')().exit())]",
  '$[(function(){globalThis.pwned=1})()]',
  '$..[?(globalThis.pwned = 1)]',
  // Harmless, but a filter all the same: not evaluated either.
  '$.items[?(@.ok)]',
  '$.items[(@.length-1)]',
];

let target: TargetServer;
beforeAll(async () => {
  target = await startTarget({
    handler: (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(DOC);
    },
  });
});
afterAll(() => target.close());

const exists = (path: string): Assertion => ({ source: 'json', path, operator: 'exists' });

describe('JSONPath with script-like expressions', () => {
  it.each(SCRIPTS)('does not evaluate %s (in place)', (path) => {
    const facts = { status: 200, headers: {}, responseTime: 1, tlsDaysLeft: null, body: DOC };
    const outcome = checkAssertion(exists(path), facts, new JsonBody(DOC));
    expect(outcome.pass).toBe(false);
    expect(outcome.actual).toMatch(/cannot be evaluated: .*prevented/);
    expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined();
  });

  it.each(SCRIPTS)('fails the check as `assertion` for %s, and the prober survives', async (path) => {
    const result = await probe(
      probeSpecFor(target.url('/'), { assertions: [exists(path)], timeout: 10_000 }),
    );
    expectDown(result, 'assertion', null);
    expect(result.assertions.find((a) => a.description.startsWith('json'))?.actual).toMatch(
      /cannot be evaluated/,
    );
    expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined();
    // The same worker pool judges the next check.
    expectUp(await probe(probeSpecFor(target.url('/'), { assertions: [exists('$.items[0].ok')] })));
  });
});
