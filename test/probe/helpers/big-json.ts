// A JSON document just under the 1 MiB body cap and an assertion that walks all of it twice over:
// JSONPath `$..*..*` takes from a tenth to most of a second per assertion on it (240,000 matches),
// in any mode of the JSONPath engine, so a dozen of them judged on the event loop stall it for
// seconds.
import type { Assertion } from '../../../schema/types.ts';

export const BIG_JSON = JSON.stringify({
  items: Array.from({ length: 16_000 }, (_, i) => ({
    id: i,
    name: `item-${i}`,
    tags: ['a', 'b'],
    ok: i % 2 === 0,
  })),
});

export const WALK_ALL: Assertion = { source: 'json', path: '$..*..*', operator: 'exists' };
