// Claims across the collectors of one cluster (ARCHITECTURE.md "Runners and several collectors").
// Each collector queues the jobs of the shards it holds, in its own memory; a runner talks to one
// collector. So a claim at X takes X's own due jobs of the runner's region and, for the slots
// left, asks the live peers (every other claim the peers first) (`POST /internal/v1/claims`, bearer VIGIL_CLUSTER_SECRET) for
// theirs: the peer leases them to the same runner (its session is found in the store). X
// remembers which peer leased each job, and a result for it is forwarded to that peer
// (`POST /internal/v1/results`), where it is a vote as if the runner had posted it there. When the
// owner does not answer, X stores the result itself from its job ticket (ticket.ts): late, never a
// vote, never lost. While nothing is due anywhere, the long poll waits on X's own queue and asks
// the peers again every PEER_POLL_MS.
import { request } from 'undici';
import type { Logger } from '../../common/log.ts';
import type { Job, JobResult, ResultsResponse } from '../../runner/protocol.ts';
import type { ClusterMember } from '../store/cluster-types.ts';
import type { RunnerSession } from './registry.ts';
import type { JobBroker } from './service.ts';

/** How often a waiting claim asks the peers again. */
export const PEER_POLL_MS = 1_000;
/** Members are read from the store at most this often. */
const MEMBERS_EVERY = 2_000;
/** A peer that does not answer within this is skipped for this claim. */
const PEER_TIMEOUT = 2_000;
/** Jobs remembered as a peer's (then the result is stored here as late). */
const MAX_REMEMBERED = 100_000;

export interface PeerOptions {
  /** This collector's own engine. */
  engine: JobBroker;
  selfId: string;
  secret: string;
  members: (now: number) => Promise<ClusterMember[]>;
  clock: () => number;
  log: Logger;
}

interface Remembered {
  url: string;
  deadline: number;
}

/** Calls a peer's internal route; throws on no answer or a non-2xx. */
async function call<T>(url: string, path: string, secret: string, body: unknown): Promise<T> {
  const response = await request(new URL(path, `${url}/`), {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    headersTimeout: PEER_TIMEOUT,
    bodyTimeout: PEER_TIMEOUT,
  });
  const text = await response.body.text();
  if (response.statusCode < 200 || response.statusCode >= 300) {
    throw Object.assign(new Error(`${url}${path} answered ${response.statusCode}`), {
      statusCode: response.statusCode,
    });
  }
  return JSON.parse(text) as T;
}

/** The JobBroker a collector's runner service uses in a cluster: its own queue, then its peers'. */
export class PeerBroker implements JobBroker {
  readonly #o: PeerOptions;
  readonly #owners = new Map<string, Remembered>();
  #members: ClusterMember[] = [];
  #membersAt = Number.NEGATIVE_INFINITY;
  #membersFailing = false;
  #turn = 0;
  readonly counts = { peerJobs: 0, forwarded: 0, storedLate: 0 };

  constructor(options: PeerOptions) {
    this.#o = options;
  }

  get draining(): boolean {
    return this.#o.engine.draining;
  }

  runnerGone(session: RunnerSession): void {
    // Leases at peers expire there on their own (the runner is not seen there any more).
    this.#o.engine.runnerGone(session);
  }

  async claim(session: RunnerSession, max: number, wait: number, signal?: AbortSignal): Promise<Job[]> {
    const { engine, clock } = this.#o;
    const end = clock() + wait;
    for (;;) {
      // Every other claim asks the peers first, so a runner kept busy by this collector's own
      // queue still takes the peers' due jobs (and they still see it).
      const peersFirst = this.#turn++ % 2 === 1;
      const jobs = peersFirst && !engine.draining ? await this.#fromPeers(session, max) : [];
      if (jobs.length < max) jobs.push(...(await engine.claim(session, max - jobs.length, 0, signal)));
      if (!peersFirst && jobs.length < max && !signal?.aborted && !engine.draining) {
        jobs.push(...(await this.#fromPeers(session, max - jobs.length)));
      }
      const left = end - clock();
      if (jobs.length > 0 || left <= 0 || signal?.aborted || engine.draining) return jobs;
      const local = await engine.claim(session, max, Math.min(left, PEER_POLL_MS), signal);
      if (local.length > 0) return local;
    }
  }

  async acceptResults(session: RunnerSession, results: readonly JobResult[]): Promise<ResultsResponse> {
    const byOwner = new Map<string, JobResult[]>();
    const local: JobResult[] = [];
    for (const r of results) {
      const owner = this.#owners.get(r.jobId);
      if (owner === undefined) local.push(r);
      else byOwner.set(owner.url, [...(byOwner.get(owner.url) ?? []), r]);
    }
    const out: ResultsResponse = { accepted: [], duplicates: [], rejected: [] };
    const merge = (answer: ResultsResponse) => {
      out.accepted.push(...answer.accepted);
      out.duplicates.push(...answer.duplicates);
      out.rejected.push(...answer.rejected);
    };
    for (const [url, batch] of byOwner) {
      try {
        merge(
          await call<ResultsResponse>(url, 'internal/v1/results', this.#o.secret, {
            runnerId: session.id,
            results: batch,
          }),
        );
        this.counts.forwarded += batch.length;
      } catch (error) {
        // The owner is gone: stored here from the tickets, late (engine/intake.ts).
        this.#o.log.warn(
          { peer: url, results: batch.length, err: error },
          'the collector that leased these jobs does not answer; storing their results here as late',
        );
        this.counts.storedLate += batch.length;
        local.push(...batch);
      }
      for (const r of batch) this.#owners.delete(r.jobId);
    }
    if (local.length > 0) merge(await this.#o.engine.acceptResults(session, local));
    return out;
  }

  async #fromPeers(session: RunnerSession, max: number): Promise<Job[]> {
    const now = this.#o.clock();
    if (now - this.#membersAt >= MEMBERS_EVERY) {
      this.#membersAt = now;
      try {
        this.#members = (await this.#o.members(now)).filter((m) => m.id !== this.#o.selfId);
        this.#membersFailing = false;
      } catch (error) {
        // The store is away (ARCHITECTURE.md "Cluster": monitoring goes on through a database
        // outage): keep asking the peers last known, whose queues still fill in their memory.
        if (!this.#membersFailing) {
          this.#o.log.warn(
            { err: error, peers: this.#members.length },
            'cannot read the cluster members; claiming from the peers last known',
          );
        }
        this.#membersFailing = true;
      }
    }
    const jobs: Job[] = [];
    // A different first peer each time, so no peer's queue is always served last.
    const start = this.#members.length === 0 ? 0 : Math.floor(Math.random() * this.#members.length);
    for (let i = 0; i < this.#members.length && jobs.length < max; i++) {
      const peer = this.#members[(start + i) % this.#members.length]!;
      try {
        const answer = await call<{ jobs: Job[] }>(peer.url, 'internal/v1/claims', this.#o.secret, {
          runnerId: session.id,
          region: session.region,
          max: max - jobs.length,
        });
        for (const job of answer.jobs) {
          this.#remember(job.jobId, { url: peer.url, deadline: job.deadline });
          jobs.push(job);
        }
      } catch (error) {
        this.#o.log.debug({ peer: peer.url, err: error }, 'a peer did not answer a claim');
      }
    }
    this.counts.peerJobs += jobs.length;
    return jobs;
  }

  #remember(jobId: string, entry: Remembered): void {
    this.#owners.set(jobId, entry);
    if (this.#owners.size <= MAX_REMEMBERED) return;
    // Insertion order is lease order: forget the oldest (its result is then stored here, late).
    const oldest = this.#owners.keys().next().value;
    if (oldest !== undefined) this.#owners.delete(oldest);
  }
}
