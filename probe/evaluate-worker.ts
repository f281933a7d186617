// The worker thread that judges responses for evaluate-thread.ts: parsing a large JSON body,
// JSONPath, regular expressions and keyword searches over up to the body cap run here, so they
// never hold up the event loop of the process that probes (the collector, with its embedded
// runner, serves its API on that loop). One task at a time; the pool ends a worker that overruns.
import { parentPort } from 'node:worker_threads';
import { evaluate } from './evaluate.ts';
import type { EvaluationTask, EvaluationTaskResult } from './evaluate-thread.ts';

const port = parentPort;
if (port === null) throw new Error('probe/evaluate-worker.ts runs only as a worker thread');

port.on('message', (task: EvaluationTask) => {
  let answer: EvaluationTaskResult;
  try {
    answer = { id: task.id, evaluation: evaluate(task.spec, task.facts, task.context) };
  } catch (error) {
    answer = { id: task.id, error: (error as Error)?.message ?? String(error) };
  }
  port.postMessage(answer);
});
