import { describe, expect, it } from 'vitest';
import { inMaintenance } from '../../collector/verdict/maintenance.ts';
import { Driver, makeSpec } from './driver.ts';

const at = (iso: string) => Date.parse(iso);

describe('inMaintenance', () => {
  const fixed = [{ start: '2024-03-01T02:00:00Z', end: '2024-03-01T03:00:00Z' }];

  it.each([
    ['before', '2024-03-01T01:59:59.999Z', false],
    ['at start', '2024-03-01T02:00:00Z', true],
    ['inside', '2024-03-01T02:30:00Z', true],
    ['at end (exclusive)', '2024-03-01T03:00:00Z', false],
  ])('fixed window: %s', (_l, when, expected) => {
    expect(inMaintenance(fixed, at(when))).toBe(expected);
  });

  const nightly = [{ cron: '0 2 * * *', duration: 30 * 60_000, timezone: 'UTC' }];
  it.each([
    ['just before', '2024-03-05T01:59:59Z', false],
    ['at the occurrence', '2024-03-05T02:00:00Z', true],
    ['inside', '2024-03-05T02:29:59Z', true],
    ['after duration', '2024-03-05T02:30:00Z', false],
  ])('cron window: %s', (_l, when, expected) => {
    expect(inMaintenance(nightly, at(when))).toBe(expected);
  });

  it('evaluates cron in its timezone (02:00 in Paris is 01:00Z in winter, 00:00Z in summer)', () => {
    const paris = [{ cron: '0 2 * * *', duration: 60 * 60_000, timezone: 'Europe/Paris' }];
    expect(inMaintenance(paris, at('2024-01-10T01:30:00Z'))).toBe(true);
    expect(inMaintenance(paris, at('2024-01-10T02:30:00Z'))).toBe(false);
    expect(inMaintenance(paris, at('2024-07-10T00:30:00Z'))).toBe(true);
    expect(inMaintenance(paris, at('2024-07-10T01:30:00Z'))).toBe(false);
  });

  it('a window longer than the cron period covers the gap', () => {
    const always = [{ cron: '0 * * * *', duration: 2 * 3_600_000, timezone: 'UTC' }];
    expect(inMaintenance(always, at('2024-03-05T07:59:00Z'))).toBe(true);
  });

  it('unparsable windows never hide anything', () => {
    expect(inMaintenance([{ cron: 'not a cron', duration: 60_000, timezone: 'UTC' }], Date.now())).toBe(
      false,
    );
    expect(inMaintenance([{ start: 'yesterday', end: 'tomorrow' }], Date.now())).toBe(false);
    expect(inMaintenance([{ cron: '* * * * *', duration: 0, timezone: 'UTC' }], Date.now())).toBe(false);
  });

  it('no windows: never', () => {
    expect(inMaintenance([], Date.now())).toBe(false);
  });
});

describe('maintenance in the verdict', () => {
  const spec = makeSpec({ maintenance: [{ start: '2024-01-01T12:00:00Z', end: '2024-01-01T12:30:00Z' }] });
  const T = at('2024-01-01T12:00:00Z');

  it('states go on, the incident is suppressed, and a failure outliving the window opens an announced one', () => {
    const d = new Driver(spec, { now: T - 60_000 });
    d.scheduled('r1', true);
    d.at(T + 60_000).scheduled('r3', false);
    d.answer('r1', false);
    d.answer('r2', false);
    expect(d.name).toBe('down');
    const [opened] = d.eventsOf('opened');
    expect(opened).toMatchObject({ cause: 'confirmed', suppressed: true });

    // A failing round inside the window: still the quiet incident.
    const inside = d.at(T + 20 * 60_000).downRound(4);
    for (const r of ['r1', 'r2', 'r3']) d.vote(inside, r, false);
    expect(d.state.incident?.id).toBe(opened!.incidentId);

    // First failure after the window: quiet one resolved, announced one opened at that failure.
    const after = d.at(T + 31 * 60_000).downRound(4);
    d.vote(after, 'r2', false);
    const events = d.last.events;
    expect(events.map((e) => [e.type, e.cause, e.suppressed])).toEqual([
      ['resolved', 'maintenance_ended', true],
      ['opened', 'maintenance_ended', false],
    ]);
    expect(events[1]!.start).toBe(T + 31 * 60_000);
    d.vote(after, 'r1', false);
    d.vote(after, 'r3', false);
    expect(d.eventsOf('ongoing').at(-1)).toMatchObject({
      suppressed: false,
      incidentId: events[1]!.incidentId,
    });
  });

  it('an outage that ends inside the window is only ever suppressed', () => {
    const d = new Driver(spec, { now: T + 60_000 });
    d.scheduled('r3', false);
    d.answer('r1', false);
    d.answer('r2', false);
    const round = d.at(T + 2 * 60_000).downRound(4);
    for (const r of ['r1', 'r2', 'r3']) d.vote(round, r, true);
    expect(d.name).toBe('up');
    expect(d.events.every((e) => e.suppressed)).toBe(true);
    expect(d.events.map((e) => e.type)).toEqual(['opened', 'resolved']);
  });
});
