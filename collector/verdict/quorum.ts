// Majority arithmetic for rounds whose votes arrive one by one.
//
// A round has `fails` and `oks` votes cast and `pending` jobs not answered yet. A pending job can
// still fail, succeed or be missed (a miss is no vote, so it shrinks the number of votes cast).
// A round is decided as soon as no outcome of the pending jobs can change the result; with no
// pending job this is exactly "more than half of the votes cast".
//
//   failing majority (verification: "down when failing votes are more than half of the votes cast")
//     certain:     fails > oks + pending      (even if every pending job succeeds)
//     impossible:  fails + pending <= oks     (even if every pending job fails)
//   succeeding majority (a down round "whose majority succeeds")
//     certain:     oks > fails + pending
//     impossible:  oks + pending <= fails
//
// Deciding early shortens detection: with 4 regions, three failing votes confirm an outage
// without waiting for the fourth region (which may be the slow one).
//
// API:
//   failingMajority(fails, oks, pending)    -> 'yes' | 'no' | 'open'
//   succeedingMajority(oks, fails, pending) -> 'yes' | 'no' | 'open'

export type MajorityOutcome = 'yes' | 'no' | 'open';

export function failingMajority(fails: number, oks: number, pending: number): MajorityOutcome {
  if (fails > oks + pending) return 'yes';
  if (fails + pending <= oks) return 'no';
  return 'open';
}

export function succeedingMajority(oks: number, fails: number, pending: number): MajorityOutcome {
  return failingMajority(oks, fails, pending);
}
