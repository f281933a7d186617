// The votes table of an issue shows `-` for a phase the check never went through, never a 0: from
// a vote with null phases, and from a snapshot queued before null phases (0 for them).
import { describe, expect, it } from 'vitest';
import { votesTable } from '../../collector/incidents/render.ts';
import { vote } from './fixtures.ts';

describe('phases in the votes table', () => {
  it('shows - for a phase that never happened', () => {
    const refused = vote('eu-west', false, undefined, {
      reason: 'connect_refused',
      status: null,
      timings: { resolve: 2, connect: 0.5, tls: null, processing: null, transfer: null, total: 2.5 },
    });
    expect(votesTable([refused])).toContain(
      '| eu-west | ❌ down | <code>connect_refused</code> | - | <code>203.0.113.7</code> | 2 | 0.5 | - | - | - |',
    );
  });

  it("shows - for an older snapshot's 0 where the phase cannot have taken 0 ms", () => {
    const up = vote('us-east', true, undefined, {
      timings: { resolve: 1, connect: 0.5, tls: 0, processing: 40, transfer: 0, total: 41.5 },
    });
    expect(votesTable([up])).toContain(
      '| us-east | ✅ up |  | 200 | <code>203.0.113.7</code> | 1 | 0.5 | - | 40 | 0 |',
    );
  });
});
