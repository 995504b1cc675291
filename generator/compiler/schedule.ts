// Orders the tasks of all jobs into one task list and links their dependencies through the
// controller's dependency counters.
//
// Every task's dependencies are the tasks whose outputs it reads. Tasks with the same
// dependency set share one wait condition: the producers of that set all signal one counter,
// and the waiters wait until it reaches the size of the set. A producer signals one counter, so
// sets that share a producer (layers grouping their images differently) are merged into their
// union, whose waiters then wait for all of it (correct, less overlap). When a
// workload needs more counters than the hardware has, the sets of one producing layer are merged
// (waiters then wait for the whole layer: correct, less overlap). Counter 0 is a sink for tasks
// nobody waits on.
import type { ResolvedConfig } from '../config/resolve.ts';
import { InputError } from '../errors.ts';

export interface SchedTask {
  /** Index in the job's own task list, and the job. */
  job: number;
  layer: number;
  estimatedCycles: number;
  /** Indices (in the job's own list) of the tasks whose outputs this task reads. */
  deps: number[];
}

export interface Linked {
  /** order[i] = [job, index in the job's list] of the i-th task of the task list. */
  order: [number, number][];
  /** Per task of the task list: the counter it signals, and its wait condition. */
  signal: number[];
  wait: ({ counter: number; count: number } | undefined)[];
  countersUsed: number;
}

const SINK = 0;
const MAX_WAIT = 0xffff;

/** The jobs in arrival order, each job's tasks in its own order: a stream, oldest first. */
export function streamOrder(jobs: SchedTask[][]): [number, number][] {
  return jobs.flatMap((tasks, j) => tasks.map((_, t) => [j, t] as [number, number]));
}

/** Links the tasks, listed in `order` ([job, index in the job's list]; a stream by default). */
export function linkTasks(jobs: SchedTask[][], cfg: ResolvedConfig, order: [number, number][] = streamOrder(jobs)): Linked {
  const position = jobs.map((j) => new Array<number>(j.length));
  order.forEach(([j, t], i) => (position[j][t] = i));

  // Dependency sets, by producing (job, layer); fine-grained first.
  interface DepSet { key: string; job: number; layer: number; producers: number[]; waiters: number[] }
  const sets = new Map<string, DepSet>();
  jobs.forEach((tasks, j) => {
    tasks.forEach((t, ti) => {
      if (t.deps.length === 0) return;
      const key = `${j}:${t.deps.join(',')}`;
      let set = sets.get(key);
      if (!set) {
        set = { key, job: j, layer: tasks[t.deps[0]].layer, producers: t.deps, waiters: [] };
        sets.set(key, set);
      }
      set.waiters.push(ti);
    });
  });
  mergeOverlapping(sets);
  let groups = [...sets.values()].map((s) => ({ job: s.job, layer: s.layer, producers: s.producers, waiters: [s.waiters] }));
  if (groups.length > cfg.controller.counters - 1) {
    // Merge the sets of each producing layer.
    const merged = new Map<string, { job: number; layer: number; producers: number[]; waiters: number[][] }>();
    for (const g of groups) {
      const key = `${g.job}:${g.layer}`;
      const m = merged.get(key) ?? { job: g.job, layer: g.layer, producers: [], waiters: [] };
      m.producers.push(...g.producers);
      m.waiters.push(...g.waiters);
      merged.set(key, m);
    }
    groups = [...merged.values()];
  }
  if (groups.length > cfg.controller.counters - 1) {
    throw new InputError([{
      file: 'workload', field: 'jobs',
      expected: `at most ${cfg.controller.counters - 1} dependent layers (controller.counters in ${cfg.source} minus the sink counter)`,
      found: `${groups.length}`,
    }]);
  }

  const signal = new Array<number>(order.length).fill(SINK);
  const wait: Linked['wait'] = new Array(order.length).fill(undefined);
  groups.forEach((g, i) => {
    const counter = i + 1;
    const unique = [...new Set(g.producers)];
    if (unique.length > MAX_WAIT) throw new Error(`a dependency set of ${unique.length} tasks exceeds the 16-bit wait count`);
    for (const p of unique) signal[position[g.job][p]] = counter;
    for (const ws of g.waiters) for (const w of ws) wait[position[g.job][w]] = { counter, count: unique.length };
  });
  return { order, signal, wait, countersUsed: groups.length + 1 };
}

/** Merges dependency sets that share a producer, until every producer is in one set. */
function mergeOverlapping<S extends { job: number; producers: number[]; waiters: number[] }>(sets: Map<string, S>): void {
  for (let changed = true; changed; ) {
    changed = false;
    const owner = new Map<string, string>();
    for (const [key, set] of sets) {
      for (const p of set.producers) {
        const other = owner.get(`${set.job}:${p}`);
        if (other !== undefined && other !== key) {
          const into = sets.get(other)!;
          into.producers = [...new Set([...into.producers, ...set.producers])];
          into.waiters.push(...set.waiters);
          sets.delete(key);
          changed = true;
          break;
        }
        owner.set(`${set.job}:${p}`, key);
      }
      if (changed) break;
    }
  }
}
