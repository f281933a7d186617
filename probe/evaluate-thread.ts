// Judging a response off the event loop. The probe runs in processes whose event loop serves
// other work (the collector's API, with its embedded runner), and judging a body up to the cap
// can take long synchronous stretches: JSON.parse of 1 MiB, a JSONPath `$..*` over a large
// document (a quarter second), a regular expression that drives RE2 off its fast path (linear,
// but most of a second on 1 MiB). So a response is judged in a worker thread (a small pool) when
// its body is larger than INLINE_BODY_CHARS and a JSON or `matches` assertion reads it; the rest
// is judged in place: status, headers, keywords (one indexOf, about 1 ms on 1 MiB) and small
// bodies cost less than the copy to a worker, and a worker costs tens of MB of memory. A task
// that is still running when the check's time is up ends its worker and fails it as `timeout`.
// See ARCHITECTURE.md, probe/.
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { formatDurationForPeople } from '../common/format.ts';
import type { AssertionFacts } from './assertions.ts';
import { ProbeFailure } from './errors.ts';
import {
  type Evaluation,
  type EvaluationContext,
  type EvaluationSpec,
  evaluate,
  formatBytes,
} from './evaluate.ts';

export interface EvaluationTask {
  id: number;
  spec: EvaluationSpec;
  facts: AssertionFacts;
  context: EvaluationContext;
}

export type EvaluationTaskResult = { id: number; evaluation: Evaluation } | { id: number; error: string };

/**
 * Least time a response is given to be judged, even when it arrived just before the deadline. It
 * covers starting the first worker of a process (a few hundred ms on a loaded machine).
 */
export const MIN_JUDGING_MS = 1_000;

/**
 * Largest body judged in place whatever its assertions: RE2 and a JSONPath walk over 16 Ki
 * characters stay within a few ms.
 */
export const INLINE_BODY_CHARS = 16 * 1024;

/** Two at least, so one long task does not hold up the next check's. */
const MAX_WORKERS = Math.max(2, Math.min(4, availableParallelism() - 1));
const WORKER_URL = new URL('./evaluate-worker.ts', import.meta.url);

interface Pending {
  task: EvaluationTask;
  /** The check's timeout, for the message. */
  timeoutMs: number;
  timer: NodeJS.Timeout;
  worker: PoolWorker | null;
  resolve(evaluation: Evaluation): void;
  reject(error: Error): void;
}

interface PoolWorker {
  thread: Worker;
  pending: Pending | null;
}

const workers: PoolWorker[] = [];
const queue: Pending[] = [];
let nextId = 1;

/**
 * Judges the response, in a worker when it has a body. `deadline` is the check's own, on the
 * `performance.now()` clock; `timeoutMs` the check's timeout, for the message.
 */
export function evaluateResponse(
  spec: EvaluationSpec,
  facts: AssertionFacts,
  context: EvaluationContext,
  deadline: number,
  timeoutMs: number,
): Promise<Evaluation> {
  if (!costlyToJudge(spec, facts)) return Promise.resolve(evaluate(spec, facts, context));
  const task: EvaluationTask = {
    id: nextId++,
    spec: {
      keywords: spec.keywords,
      forbidden_keywords: spec.forbidden_keywords,
      assertions: spec.assertions,
    },
    facts,
    context,
  };
  const budget = Math.max(MIN_JUDGING_MS, deadline - performance.now());
  return new Promise<Evaluation>((resolve, reject) => {
    const pending: Pending = {
      task,
      timeoutMs,
      worker: null,
      resolve,
      reject,
      timer: setTimeout(() => overran(pending), budget),
    };
    queue.push(pending);
    dispatch();
  });
}

/** Whether judging may take long synchronous stretches: a large body read by a JSON path or a regex. */
function costlyToJudge(spec: EvaluationSpec, facts: AssertionFacts): boolean {
  if (facts.body === null || facts.body.length <= INLINE_BODY_CHARS) return false;
  return spec.assertions.some((assertion) => assertion.source === 'json' || assertion.operator === 'matches');
}

function dispatch(): void {
  while (queue.length > 0) {
    const worker = workers.find((candidate) => candidate.pending === null) ?? spawn();
    if (worker === null) return;
    const pending = queue.shift()!;
    worker.pending = pending;
    pending.worker = worker;
    worker.thread.postMessage(pending.task);
  }
}

function spawn(): PoolWorker | null {
  if (workers.length >= MAX_WORKERS) return null;
  const worker: PoolWorker = { thread: new Worker(WORKER_URL), pending: null };
  worker.thread.on('message', (answer: EvaluationTaskResult) => {
    const pending = worker.pending;
    if (pending === null || pending.task.id !== answer.id) return;
    worker.pending = null;
    settle(pending);
    if ('evaluation' in answer) pending.resolve(answer.evaluation);
    else pending.reject(couldNotJudge(answer.error));
    dispatch();
  });
  const lost = (why: string) => {
    retire(worker);
    const pending = worker.pending;
    worker.pending = null;
    if (pending !== null) {
      settle(pending);
      pending.reject(couldNotJudge(why));
    }
    dispatch();
  };
  worker.thread.on('error', (error) => lost(error.message));
  worker.thread.on('exit', (code) => lost(`the worker thread exited (${code})`));
  // Idle workers never keep a process alive (a task in flight has its timer for that). After the
  // listeners: adding a 'message' listener refs the worker's port again.
  worker.thread.unref();
  workers.push(worker);
  return worker;
}

/** The check's time is up: drop the task, and end its worker if it is running it. */
function overran(pending: Pending): void {
  const queued = queue.indexOf(pending);
  if (queued !== -1) queue.splice(queued, 1);
  const worker = pending.worker;
  if (worker !== null && worker.pending === pending) {
    worker.pending = null;
    retire(worker);
    void worker.thread.terminate();
  }
  const { bodyBytes, bodyTruncated, bodyLimit } = pending.task.context;
  const size = formatBytes(bodyTruncated ? bodyLimit : bodyBytes);
  pending.reject(
    new ProbeFailure(
      'timeout',
      `the response arrived, but judging it (${size} of body) did not finish within the ${formatDurationForPeople(pending.timeoutMs)} timeout`,
      null,
    ),
  );
  dispatch();
}

function settle(pending: Pending): void {
  clearTimeout(pending.timer);
}

function retire(worker: PoolWorker): void {
  const index = workers.indexOf(worker);
  if (index !== -1) workers.splice(index, 1);
  worker.thread.removeAllListeners('exit');
}

function couldNotJudge(why: string): ProbeFailure {
  return new ProbeFailure('protocol_error', `the probe could not judge the response: ${why}`, null);
}
