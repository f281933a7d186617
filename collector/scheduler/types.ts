// What the scheduler takes (a monitor's id, interval and regions; options) and what it answers
// (items: a periodic round due, a one-off dispatch, a wake-up, a miss).
import { CodedError } from '../../common/errors.ts';
import type { Rng } from '../domain/regions.ts';
import type { Missed, RoundRef } from '../domain/rounds.ts';

export interface SchedulerMonitor {
  id: string;
  interval: number;
  timeout: number;
  /** null = every region. */
  regions: readonly string[] | null;
  paused: boolean;
  /** When its last round ran (restart): keeps its slots instead of a first round within a minute. */
  lastRoundAt?: number | null;
  /**
   * Taken over from another collector (its shard moved): when a slot passed since `lastRoundAt`,
   * or that is unknown, its next round runs at once instead of at its next slot; later rounds keep
   * the slots (ARCHITECTURE.md "Cluster").
   */
  catchUp?: boolean;
}

export type SchedulerItem =
  /** Start one job per region now. */
  | { type: 'round'; monitorId: string; round: RoundRef; regions: string[]; due: number; deadline: number }
  /** A job (or a whole periodic round, `missed.region` null) that cannot run: tell the verdict. */
  | { type: 'missed'; monitorId: string; due: number; missed: Missed }
  /** The verdict asked for a tick at this time. */
  | { type: 'wake'; monitorId: string; at: number }
  /** A periodic round still unanswered at its deadline: its unanswered jobs are missed. */
  | { type: 'expired'; monitorId: string; round: RoundRef; due: number; outstanding: number };

/** A monitor or cadence the scheduler cannot place in time (the loader never produces one). */
export class SchedulerError extends CodedError<'VIGIL_SCHED_BAD_MONITOR' | 'VIGIL_SCHED_BAD_CADENCE'> {
  override name = 'SchedulerError';
}

export interface SchedulerOptions {
  clock: () => number;
  rng: Rng;
}
