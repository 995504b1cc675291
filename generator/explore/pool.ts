// Evaluates design-space points on every core: one worker thread per core (the fast cycle model
// is single-threaded), each fed the next point as it finishes one; in-process for a single core
// or a handful of points.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { pointEvaluator, type PointCycles, type PointTask } from './evaluate.ts';

export interface PoolOptions {
  /** Threads to use (default: every core). */
  threads?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function evaluatePoints(workload: string, tasks: PointTask[], opts: PoolOptions = {}): Promise<PointCycles[]> {
  const threads = Math.max(1, Math.min(opts.threads ?? availableParallelism(), tasks.length));
  const results: PointCycles[] = new Array(tasks.length);
  let done = 0;
  const progress = () => opts.onProgress?.(done, tasks.length);
  if (threads === 1 || tasks.length < 4) {
    const evaluate = pointEvaluator(workload);
    tasks.forEach((t, i) => {
      results[i] = evaluate(t);
      done++;
      progress();
    });
    return results;
  }
  const position = new Map(tasks.map((t, i) => [t.index, i]));
  let next = 0;
  const workers = Array.from({ length: threads }, () => startWorker(workload));
  try {
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      const feed = () => {
        if (next >= tasks.length) return resolve();
        w.postMessage(tasks[next++]);
      };
      w.on('message', (m: { ok: true; result: PointCycles } | { ok: false; index: number; error: string }) => {
        if (!m.ok) return reject(new Error(`point ${m.index}: ${m.error}`));
        results[position.get(m.result.index)!] = m.result;
        done++;
        progress();
        feed();
      });
      w.on('error', reject);
      feed();
    })));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

/**
 * A worker on ./explore-worker, in the language this module runs in: compiled JavaScript, or
 * TypeScript source under tsx, whose loader the worker's thread must register for itself first.
 */
function startWorker(workload: string): Worker {
  const source = import.meta.url.endsWith('.ts');
  const url = new URL(`./explore-worker.${source ? 'ts' : 'js'}`, import.meta.url).href;
  if (!source) return new Worker(new URL(url), { workerData: { workload } });
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url)}); });`;
  return new Worker(boot, { eval: true, workerData: { workload } });
}
