// Job tickets: what a collector needs to store the result of a job it did not hand out. A leased
// job carries `ticket`, which the runner sends back with its result. A collector that does not
// know the job (the runner moved here from a collector that died, or the job came from a peer)
// reads the job from the ticket and stores the result as a late check: kept in history, never a
// vote (ARCHITECTURE.md "Runners and several collectors").
//
// The ticket is the job's facts (history, monitor, region, round, due time, deadline, lease)
// signed with HMAC-SHA256 under a key every collector of one database shares (kept in the
// store's settings, made by the first collector that needs it), so a runner cannot forge a check
// for a job no collector gave it; it is bound to the region the job was leased in. Without the
// ticket (an older runner) such a result is refused as before.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CheckPurpose, RoundRef } from '../domain/rounds.ts';
import type { SettingsStore } from '../store/types.ts';

/** The settings key of the shared signing key. */
export const TICKET_KEY_SETTING = 'runner_job_ticket_key';
/** Longest ticket taken (a normal one is about 300 characters). */
export const MAX_TICKET = 2_000;

/** A lease as the job queue keeps it (collector/jobs/types.ts `Lease`; jobs import fleet, not the reverse). */
export interface TicketLease {
  runnerId: string;
  claimedAt: number;
  until: number;
}

/** The job facts a ticket carries (a subset of collector/jobs/types.ts `QueuedJob`). */
export interface TicketFacts {
  jobId: string;
  historyId: number;
  monitorId: string;
  region: string;
  round: RoundRef;
  periodic: boolean;
  due: number;
  deadline: number;
}

/** The job as a ticket tells it: enough to build its check row. */
export interface TicketJob extends TicketFacts {
  lease: TicketLease;
}

interface Payload {
  v: 1;
  j: string;
  h: number;
  m: string;
  g: string;
  r: [string, CheckPurpose, number];
  p: 0 | 1;
  u: number;
  d: number;
  l: [string, number, number];
}

/** The cluster's signing key: read from the store, or made there by the first to need it. */
export async function loadTicketKey(settings: SettingsStore): Promise<Buffer> {
  const existing = await settings.get(TICKET_KEY_SETTING);
  const value =
    existing ?? (await settings.setIfAbsent(TICKET_KEY_SETTING, randomBytes(32).toString('base64url')));
  return Buffer.from(value, 'base64url');
}

function sign(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body, 'utf8').digest('base64url');
}

export function issueTicket(key: Buffer, job: TicketFacts, lease: TicketLease): string {
  const payload: Payload = {
    v: 1,
    j: job.jobId,
    h: job.historyId,
    m: job.monitorId,
    g: job.region,
    r: [job.round.id, job.round.purpose, job.round.size],
    p: job.periodic ? 1 : 0,
    u: job.due,
    d: job.deadline,
    l: [lease.runnerId, lease.claimedAt, lease.until],
  };
  const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${body}.${sign(key, body)}`;
}

/** The job of a ticket for `jobId`, or null when it is malformed, for another job or not signed by `key`. */
export function readTicket(key: Buffer, jobId: string, ticket: string): TicketJob | null {
  if (ticket.length > MAX_TICKET) return null;
  const dot = ticket.indexOf('.');
  if (dot <= 0) return null;
  const body = ticket.slice(0, dot);
  const given = Buffer.from(ticket.slice(dot + 1), 'base64url');
  const expected = Buffer.from(sign(key, body), 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let p: Payload;
  try {
    p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
  } catch {
    return null;
  }
  if (p?.v !== 1 || p.j !== jobId) return null;
  return {
    jobId: p.j,
    historyId: p.h,
    monitorId: p.m,
    region: p.g,
    round: { id: p.r[0], purpose: p.r[1], size: p.r[2] },
    periodic: p.p === 1,
    due: p.u,
    deadline: p.d,
    lease: { runnerId: p.l[0], claimedAt: p.l[1], until: p.l[2] },
  };
}
