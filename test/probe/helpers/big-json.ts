// A JSON document of about 700 KB and an assertion that walks all of it: JSONPath `$..*` takes a
// quarter of a second or more per assertion on it, whichever regex or JSONPath engine is in use,
// so a few of them judged on the event loop would stall it for seconds.
import type { Assertion } from '../../../schema/types.ts';

export const BIG_JSON = JSON.stringify({
  items: Array.from({ length: 12_000 }, (_, i) => ({
    id: i,
    name: `item-${i}`,
    tags: ['a', 'b'],
    ok: i % 2 === 0,
  })),
});

export const WALK_ALL: Assertion = { source: 'json', path: '$..*', operator: 'exists' };
