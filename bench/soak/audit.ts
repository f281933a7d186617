// What the soak's collector stored, judged against the schedule: rounds per monitor (every slot of
// its interval has a scheduled or down round, from the checks the collector stored, and which
// region ran each) and every scheduled outage (an incident that starts at the first slot after
// the target broke, is confirmed, and is resolved at the first slot after it came back).
import { nextSlot, slotOffset } from '../../collector/scheduler/slots.ts';
import { type FlipPlan, isFlipper, outagesOf } from './flips.ts';

export type Api = <T>(path: string) => Promise<T>;

interface CheckRow {
  dueAt: string | null;
  region: string;
  purpose: string;
  roundId: string;
}

interface IncidentRow {
  monitorId: string | null;
  kind: string;
  start: string | null;
  openedAt: string | null;
  resolvedAt: string | null;
}

export interface RoundsAudit {
  monitors: number;
  slots: number;
  missing: number;
  /** Missing slots of monitors whose target never fails (the strict figure). */
  missingStable: number;
  /** Scheduled checks per region. */
  byRegion: Record<string, number>;
  /** Share of consecutive scheduled rounds of a monitor that went to another region. */
  alternation: number;
  examples: string[];
}

/** Runs `fn` over `items`, `width` at a time. */
async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

const ms = (iso: string | null) => (iso === null ? Number.NaN : Date.parse(iso));

export async function auditRounds(
  api: Api,
  ids: readonly string[],
  plan: FlipPlan,
  interval: number,
  from: number,
  to: number,
): Promise<RoundsAudit> {
  const out: RoundsAudit = {
    monitors: ids.length,
    slots: 0,
    missing: 0,
    missingStable: 0,
    byRegion: {},
    alternation: 0,
    examples: [],
  };
  let pairs = 0;
  let switched = 0;
  await pool(
    ids.map((id, i) => ({ id, i })),
    8,
    async ({ id, i }) => {
      const { checks } = await api<{ checks: CheckRow[] }>(
        `/v1/monitors/${id}/checks?since=${from}&limit=1000`,
      );
      const periodic = checks.filter((c) => c.purpose === 'scheduled' || c.purpose === 'down-round');
      const dues = new Set(periodic.map((c) => ms(c.dueAt)));
      for (let at = nextSlot(from, interval, slotOffset(id, interval)); at <= to; at += interval) {
        out.slots += 1;
        if (dues.has(at)) continue;
        out.missing += 1;
        if (!isFlipper(plan, i)) out.missingStable += 1;
        if (out.examples.length < 5) out.examples.push(`${id} @ ${new Date(at).toISOString()}`);
      }
      const scheduled = checks.filter((c) => c.purpose === 'scheduled').reverse();
      for (const [k, c] of scheduled.entries()) {
        out.byRegion[c.region] = (out.byRegion[c.region] ?? 0) + 1;
        if (k === 0) continue;
        pairs += 1;
        if (c.region !== scheduled[k - 1]!.region) switched += 1;
      }
    },
  );
  out.alternation = pairs === 0 ? Number.NaN : switched / pairs;
  return out;
}

export interface FlipsAudit {
  /** Outages whose detection was judged (started early enough), and those detected. */
  outages: number;
  detected: number;
  /** Recoveries judged (ended early enough), and those resolved in time. */
  recoveries: number;
  recovered: number;
  /** ms: target broke -> incident confirmed; incident start -> confirmed; target back -> resolved. */
  toDown: number[];
  confirm: number[];
  toUp: number[];
  /** Down incidents of monitors whose target never failed. */
  falseIncidents: number;
  examples: string[];
}

export async function auditFlips(
  api: Api,
  ids: readonly string[],
  plan: FlipPlan,
  interval: number,
  end: number,
  slackMs: number,
): Promise<FlipsAudit> {
  const out: FlipsAudit = {
    outages: 0,
    detected: 0,
    recoveries: 0,
    recovered: 0,
    toDown: [],
    confirm: [],
    toUp: [],
    falseIncidents: 0,
    examples: [],
  };
  const byMonitor = new Map<string, IncidentRow[]>();
  let before: string | null = null;
  for (;;) {
    const query: string = `/v1/incidents?status=all&kind=down&limit=500${before === null ? '' : `&before=${encodeURIComponent(before)}`}`;
    const { incidents } = await api<{ incidents: IncidentRow[] }>(query);
    for (const inc of incidents) {
      const list = byMonitor.get(inc.monitorId ?? '') ?? [];
      list.push(inc);
      byMonitor.set(inc.monitorId ?? '', list);
    }
    if (incidents.length < 500) break;
    before = incidents.at(-1)!.start;
  }
  ids.forEach((id, i) => {
    const incidents = byMonitor.get(id) ?? [];
    if (!isFlipper(plan, i)) {
      out.falseIncidents += incidents.length;
      return;
    }
    for (const o of outagesOf(plan, i, ids.length, plan.t0, end)) {
      const found = incidents.find(
        (inc) => ms(inc.start) >= o.downAt && ms(inc.start) <= o.downAt + interval + slackMs,
      );
      if (o.downAt + interval + slackMs <= end) {
        out.outages += 1;
        if (found !== undefined && ms(found.openedAt) <= o.downAt + interval + slackMs) {
          out.detected += 1;
          out.toDown.push(ms(found.openedAt) - o.downAt);
          out.confirm.push(ms(found.openedAt) - ms(found.start));
        } else if (out.examples.length < 5) {
          out.examples.push(`${id}: outage at ${new Date(o.downAt).toISOString()} not detected in time`);
        }
      }
      if (o.upAt + interval + slackMs <= end) {
        out.recoveries += 1;
        const resolved = ms(found?.resolvedAt ?? null);
        if (resolved >= o.upAt && resolved <= o.upAt + interval + slackMs) {
          out.recovered += 1;
          out.toUp.push(resolved - o.upAt);
        } else if (out.examples.length < 5) {
          out.examples.push(`${id}: recovery at ${new Date(o.upAt).toISOString()} not seen in time`);
        }
      }
    }
  });
  return out;
}
