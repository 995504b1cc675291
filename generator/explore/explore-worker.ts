// A worker thread of the explorer: evaluates the points it is sent (./evaluate.ts) and sends
// each result back.
import { parentPort, workerData } from 'node:worker_threads';
import { pointEvaluator, type PointTask } from './evaluate.ts';

const evaluate = pointEvaluator((workerData as { workload: string }).workload);
parentPort!.on('message', (task: PointTask) => {
  try {
    parentPort!.postMessage({ ok: true, result: evaluate(task) });
  } catch (err) {
    parentPort!.postMessage({ ok: false, index: task.index, error: err instanceof Error ? err.message : String(err) });
  }
});
