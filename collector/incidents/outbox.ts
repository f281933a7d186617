// The outbox worker: delivers queued sink operations in order per lane (one alert on one sink),
// several lanes at once, and survives restarts and sink outages.
//
// - Order: only the oldest pending row of a lane is ever tried; the next waits until it is done,
//   failed or skipped. Lanes run concurrently (up to `concurrency`).
// - Restart-safe: a try is counted in the store *before* it is made, so after a crash the row is
//   known to be uncertain and the sink checks before doing it again (GitHub: the hidden marker;
//   comments: the delivery marker). Pending rows are simply picked up again at start.
// - Retries: a transient failure (5xx, 429, rate limits, network) waits base·2^(tries-1), capped,
//   and never less than what the sink asked (`retry-after`, rate-limit reset). No give-up: an
//   outage of hours delivers everything after it, in order.
// - Permanent failures (bad token, repository missing, refused): the row is recorded failed with
//   its code and reason, logged once, never retried; when an `open` fails, the lane's delivery
//   state says so (GET /v1/incidents).
// - A reminder with a newer reminder or the resolution queued behind it is skipped (superseded):
//   after an outage, one comment says how long it has been, not a burst of stale ones.
// - An issue a person closed: the rest of its lane is skipped (`closed_by_human`).
// - Several collectors on one database: a row is delivered by the worker that claims it in the
//   store (a lease renewed while delivering, released when settled or rescheduled). A collector
//   that died mid-try leaves its claim to expire; whoever claims the row next sees the try counted
//   and goes through the sink's search for its marker (ARCHITECTURE.md "Incident delivery in a
//   cluster").

import { randomUUID } from 'node:crypto';
import type { Logger } from '../../common/log.ts';
import { backoffDelay } from '../../common/retry.ts';
import { realTimers, type TimerHandle, type Timers } from '../../common/timers.ts';
import { redactDeep } from '../../schema/secrets.ts';
import type { Secrets } from '../../schema/types.ts';
import type { AlertStore, DeliveryRecord, OutboxHead, OutboxRecord } from '../store/alert-types.ts';
import { renderOperation } from './bodies.ts';
import { eventData } from './event-data.ts';
import { type IncidentSink, SinkError, type SinkName } from './sink.ts';

export interface OutboxOptions {
  alerts: AlertStore;
  sinks: ReadonlyMap<SinkName, IncidentSink>;
  clock: () => number;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Current secret values of a monitor (messages are redacted with them before sending). */
  secretsOf: (monitorId: string) => Promise<Secrets | undefined>;
  publicUrl: string | null;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Lanes delivered at once. */
  concurrency?: number;
  /** Longest sleep between looks at the outbox (new rows from the engine's flush wake it too). */
  pollMs?: number;
  timers?: Timers;
  /** Who claims rows: the cluster member id, else a random id per worker. */
  owner?: string;
  /** How long a claim lasts unless renewed (renewed every third of it while delivering). */
  claimMs?: number;
}

/** A claim outlives any single request (Octokit's own timeouts and retries) by far. */
export const DEFAULT_CLAIM_MS = 60_000;
const RELEASE_EVERY_MS = 5_000;

const laneOf = (row: Pick<OutboxRecord, 'alertId' | 'sink'>) => `${row.sink}\u0000${row.alertId}`;

/** Wait before try number `attempts + 1`, after `attempts` tries failed (no jitter: one worker). */
export function backoff(attempts: number, baseMs: number, maxMs: number): number {
  return backoffDelay(attempts - 1, { baseMs, maxMs });
}

export class OutboxWorker {
  readonly #o: OutboxOptions;
  readonly #inFlight = new Map<string, Promise<void>>();
  #timer: TimerHandle | null = null;
  #pumping: Promise<void> | null = null;
  #again = false;
  #running = false;
  /** Resolvers of `idle()` callers. */
  #idleWaiters: Array<() => void> = [];
  readonly owner: string;
  readonly #claimMs: number;

  constructor(options: OutboxOptions) {
    this.#o = options;
    this.owner = options.owner ?? randomUUID();
    this.#claimMs = options.claimMs ?? DEFAULT_CLAIM_MS;
  }

  start(): void {
    this.#running = true;
    this.kick();
  }

  /** When claims of departed holders were last released (see #pump). */
  #releasedAt = Number.NEGATIVE_INFINITY;

  /** Look at the outbox now (new rows were queued). */
  kick(): void {
    if (!this.#running) return;
    if (this.#pumping !== null) {
      this.#again = true;
      return;
    }
    this.#pumping = this.#pump()
      .catch((error: unknown) => this.#o.log.error({ err: error }, 'outbox: reading the queue failed'))
      .finally(() => {
        this.#pumping = null;
        if (this.#again) this.kick();
      });
  }

  /** Stops picking rows at once; resolves when the tries in flight ended (close the sinks to cut them short). */
  async stop(): Promise<void> {
    this.#running = false;
    this.#cancelTimer();
    await this.#pumping;
    await Promise.allSettled([...this.#inFlight.values()]);
  }

  /** Resolves once nothing is in flight and no pending row is due (tests, shutdown checks). */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      this.kick();
    });
  }

  async #pump(): Promise<void> {
    do {
      this.#again = false;
      this.#cancelTimer();
      // Claims of a holder known to be gone (this collector before a restart, a member whose
      // heartbeat stopped) are released at start and every few seconds, rather than waited out.
      if (this.#o.clock() - this.#releasedAt >= RELEASE_EVERY_MS) {
        this.#releasedAt = this.#o.clock();
        await this.#o.alerts.releaseDeadClaims(this.owner, this.#releasedAt);
      }
      // Rows another worker holds are left out; they come back when settled or their claim expires.
      const heads = await this.#o.alerts.heads(500, this.#o.clock());
      // Read after the heads: a caller that moved the clock and kicked meanwhile must be seen.
      const now = this.#o.clock();
      let nextDue = Number.POSITIVE_INFINITY;
      let due = 0;
      for (const row of heads) {
        const lane = laneOf(row);
        if (this.#inFlight.has(lane)) continue;
        if (row.nextAttemptAt > now) {
          nextDue = Math.min(nextDue, row.nextAttemptAt);
          continue;
        }
        due += 1;
        if (this.#inFlight.size >= (this.#o.concurrency ?? 4) || !this.#running) continue;
        const run = this.#deliverHead(row)
          .catch((error: unknown) =>
            this.#o.log.error({ err: error, outbox: row.id }, 'outbox: delivery crashed'),
          )
          .finally(() => {
            this.#inFlight.delete(lane);
            this.kick();
          });
        this.#inFlight.set(lane, run);
      }
      if (this.#inFlight.size === 0 && due === 0) {
        for (const resolve of this.#idleWaiters.splice(0)) resolve();
      }
      if (this.#running) {
        const poll = this.#o.pollMs ?? 200;
        const wait = Math.max(0, Math.min(poll, nextDue - this.#o.clock()));
        this.#timer = (this.#o.timers ?? realTimers).setTimeout(() => {
          this.#timer = null;
          this.kick();
        }, wait);
      }
    } while (this.#again && this.#running);
  }

  #cancelTimer(): void {
    if (this.#timer !== null) (this.#o.timers ?? realTimers).clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #deliverHead(head: OutboxHead): Promise<void> {
    const { alerts, clock, log } = this.#o;
    const claimedAt = clock();
    const row = await alerts.claim(head.id, this.owner, claimedAt, claimedAt + this.#claimMs);
    if (row === undefined) return;
    const timers = this.#o.timers ?? realTimers;
    let renewal: TimerHandle | null = null;
    let done = false;
    const renew = () => {
      renewal = timers.setTimeout(() => {
        renewal = null;
        void alerts
          .renewClaim(row.id, this.owner, clock() + this.#claimMs)
          .then((held) => {
            if (!held && !done) {
              log.warn(
                { outbox: row.id, alert: row.alertId },
                'outbox: the claim on a row in delivery was lost',
              );
            }
          })
          .catch((error: unknown) =>
            log.warn({ err: error, outbox: row.id }, 'outbox: renewing a claim failed'),
          )
          .finally(() => {
            if (!done) renew();
          });
      }, this.#claimMs / 3);
    };
    renew();
    try {
      await this.#deliver(row);
    } finally {
      done = true;
      if (renewal !== null) timers.clearTimeout(renewal);
    }
  }

  async #deliver(row: OutboxRecord): Promise<void> {
    const { alerts, clock, log } = this.#o;
    const sink = this.#o.sinks.get(row.sink as SinkName);
    const delivery = await alerts.delivery(row.alertId, row.sink);
    if (sink === undefined) {
      const error = `sink \`${row.sink}\` is not configured any more`;
      log.error({ outbox: row.id, alert: row.alertId, sink: row.sink }, `incident delivery failed: ${error}`);
      await alerts.settle(
        row.id,
        { state: 'failed', errorCode: 'VIGIL_ERR_SINK_NOT_CONFIGURED', error, at: clock() },
        null,
      );
      return;
    }
    if (delivery?.state === 'closed_by_human') {
      await alerts.settle(
        row.id,
        { state: 'skipped', error: 'the issue was closed by a person', at: clock() },
        null,
      );
      return;
    }
    if (delivery?.state === 'resolved') {
      await alerts.settle(
        row.id,
        { state: 'skipped', error: 'the incident is already resolved', at: clock() },
        null,
      );
      return;
    }
    if (delivery?.state === 'failed' && row.op !== 'open') {
      // Its open failed for good (already logged): there is nothing to comment on or close.
      await alerts.settle(
        row.id,
        {
          state: 'failed',
          errorCode: 'VIGIL_ERR_SINK_NO_ISSUE',
          error: 'the incident was never opened in this sink',
          at: clock(),
        },
        null,
      );
      return;
    }
    if (row.op === 'remind' && (await alerts.laneHasMore(row))) {
      await alerts.settle(
        row.id,
        { state: 'skipped', error: 'superseded by a later update', at: clock() },
        null,
      );
      return;
    }

    const prior = await alerts.startAttempt(row.id);
    const monitorId = row.snapshot.alert.monitorId;
    const secrets = (monitorId === null ? undefined : await this.#o.secretsOf(monitorId)) ?? {};
    const message = redactDeep(
      renderOperation(row.snapshot, { now: clock(), publicUrl: this.#o.publicUrl, deliveryId: row.id }),
      secrets,
    );
    const ref = delivery?.refId ? { id: delivery.refId, url: delivery.refUrl } : null;
    const request = {
      id: row.id,
      op: row.op,
      alertId: row.alertId,
      priorAttempts: prior,
      queuedAt: row.createdAt,
      message,
      ref,
      data: redactDeep(eventData(row.snapshot), secrets),
    };

    let outcome: Awaited<ReturnType<IncidentSink['open']>>;
    try {
      outcome = await sink[row.op](request);
    } catch (thrown) {
      const error =
        thrown instanceof SinkError
          ? thrown
          : new SinkError(
              'VIGIL_ERR_SINK_NETWORK',
              `unexpected error: ${(thrown as Error)?.message ?? thrown}`,
              {
                transient: true,
                cause: thrown,
              },
            );
      await this.#failed(row, prior + 1, error, delivery);
      return;
    }

    const base: Omit<DeliveryRecord, 'updatedAt'> = {
      alertId: row.alertId,
      sink: row.sink,
      state: delivery?.state ?? 'pending',
      refId: outcome.ref?.id ?? delivery?.refId ?? null,
      refUrl: outcome.ref?.url ?? delivery?.refUrl ?? null,
      errorCode: null,
      error: null,
    };
    if (outcome.closedByHuman) {
      log.info(
        { alert: row.alertId, sink: row.sink, issue: base.refId },
        'the issue was closed by a person: Vigil leaves it alone',
      );
      await alerts.settle(
        row.id,
        { state: 'skipped', error: 'the issue was closed by a person', at: clock() },
        { ...base, state: 'closed_by_human' },
      );
      return;
    }
    const state = row.op === 'open' ? 'open' : row.op === 'resolve' ? 'resolved' : base.state;
    await alerts.settle(row.id, { state: 'done', at: clock() }, { ...base, state });
    log.info(
      { alert: row.alertId, sink: row.sink, op: row.op, issue: base.refId, attempts: prior + 1 },
      'incident delivered',
    );
  }

  async #failed(row: OutboxRecord, attempts: number, error: SinkError, delivery: DeliveryRecord | undefined) {
    const { alerts, clock, log } = this.#o;
    const now = clock();
    if (error.transient) {
      // Shutting down (requests aborted): try again right after the restart, no backoff.
      const wait = this.#running ? backoff(attempts, this.#o.retryBaseMs, this.#o.retryMaxMs) : 0;
      const next = Math.max(now + wait, error.retryAt ?? 0);
      if (this.#running && (attempts === 1 || attempts % 10 === 0)) {
        log.warn(
          {
            alert: row.alertId,
            sink: row.sink,
            op: row.op,
            attempts,
            code: error.code,
            retryInMs: next - now,
          },
          `incident delivery will be retried: ${error.message}`,
        );
      }
      await alerts.retryLater(row.id, next, error.code, error.message);
      return;
    }
    // Logged once: the row will not be tried again.
    log.error(
      { alert: row.alertId, sink: row.sink, op: row.op, code: error.code, status: error.status },
      `incident delivery failed for good: ${error.message}`,
    );
    const lane: Omit<DeliveryRecord, 'updatedAt'> | null =
      row.op === 'open'
        ? {
            alertId: row.alertId,
            sink: row.sink,
            state: 'failed',
            refId: delivery?.refId ?? null,
            refUrl: delivery?.refUrl ?? null,
            errorCode: error.code,
            error: error.message,
          }
        : null;
    await alerts.settle(
      row.id,
      { state: 'failed', errorCode: error.code, error: error.message, at: now },
      lane,
    );
  }
}
