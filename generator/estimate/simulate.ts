// The fast cycle model: the controller's scheduling replayed event by event, with the memory
// bandwidth shared out as a fluid. It predicts when each task of a task list starts and ends,
// under each policy, in milliseconds, without RTL.
//
// What it models, after the controller (generator/blocks/controller): a window of `window`
// descriptors fetched in program order (one descriptor fetch at a time); a task is ready when the tasks it
// depends on have completed; one dispatch at a time, streaming the descriptor to the group
// before it starts; the three policies' choice of task and engines. A running task progresses
// at the rate its group computes (./cost.ts), slowed when the memory cannot deliver its beats:
// the bandwidth goes first to compute-bound tasks, then bulk (bandwidth-bound) tasks share the
// rest, as the crossbar's arbitration does.
import type { DescriptorValues } from '../arch/descriptor.ts';
import type { HwParams } from '../arch/params.ts';
import type { Policy } from '../arch/regmap.ts';
import { taskCost, type TaskCost } from './cost.ts';

export interface ModelTask {
  job: number;
  /** Indices (in the task list) of the tasks this one waits for. */
  deps: number[];
  desc: DescriptorValues;
}

export interface ModelOptions {
  policy: Policy;
  /** Engines per group under the static policy. */
  staticGroup: number;
  /** Memory model: read latency, and bytes a cycle per channel. */
  latency: number;
  bytesPerCycle: number;
  /** Descriptors the controller holds (Infinity: all of them, for the compiler's list schedule). */
  window: number;
  /** Bandwidth a bulk task loses per beat given to the compute-bound tasks beside it, besides the
   * beat itself (default BULK_BARRIER). */
  bulkBarrier?: number;
}

export interface ModelTaskResult {
  start: number;
  end: number;
  engines: number[];
}

export interface ModelResult {
  cycles: number;
  tasks: ModelTaskResult[];
  /** Task indices in the order they were dispatched. */
  dispatchOrder: number[];
  /** Engine-cycles the engines held a task, and beats moved. */
  busyEngineCycles: number;
  beats: number;
}

/** Cycles of controller work the model charges (measured against RTL traces). */
export const CONTROL = {
  /** From a task's completion to its dependants being ready (counter increment and lookup). */
  settle: 4,
  /** Cycles a dispatch takes besides streaming the descriptor's beats. */
  dispatch: 3,
  /** Cycles a descriptor fetch takes besides the memory latency and its beats. */
  fetch: 4,
};

/**
 * A bulk task's load ports advance in lock step (a step ends when every port has its beats), so
 * a compute-bound burst on any one of its channels holds them all: beside compute-bound tasks, a
 * bulk task gets less than the bandwidth they leave. Each beat given to compute-bound tasks costs
 * the bulk tasks this much more (fitted to the RTL traces of AlexNet/ZFNet streams on `paper`).
 */
export const BULK_BARRIER = 0.4;

interface Running {
  index: number;
  engines: number[];
  cost: TaskCost;
  bulk: boolean;
  /** Beats of the first load still to come (phase one), at `loadRate` beats a cycle. */
  loadLeft: number;
  loadRate: number;
  /** Fraction of the rest of the task still to do (phase two), at `rate` a cycle. */
  left: number;
  rate: number;
}

/** Beats a cycle a task's first load takes when the memory keeps up with its ports. */
function firstLoadDemand(c: TaskCost): number {
  return c.firstLoadCycles > 0 ? c.firstLoadBeats / c.firstLoadCycles : Infinity;
}

/** The rest of the task after its first load: cycles and beats. */
function rest(c: TaskCost): { cycles: number; beats: number } {
  return { cycles: Math.max(1, c.cycles - c.firstLoadCycles), beats: Math.max(0, c.readBeats + c.writeBeats - c.firstLoadBeats) };
}

export function simulate(tasks: ModelTask[], p: HwParams, opts: ModelOptions): ModelResult {
  const ne = p.engines;
  const beatsPerCycle = Math.min(1, opts.bytesPerCycle / p.busBytes);
  const bandwidth = p.channels * beatsPerCycle;
  const fetchCycles = opts.latency + p.descBeats + CONTROL.fetch;
  const dispatchCycles = p.descBeats + CONTROL.dispatch;
  const barrier = opts.bulkBarrier ?? BULK_BARRIER;
  const dependants: number[][] = tasks.map(() => []);
  const waiting = tasks.map((t) => t.deps.length);
  tasks.forEach((t, i) => t.deps.forEach((d) => dependants[d].push(i)));
  const readyAt = tasks.map((t) => (t.deps.length === 0 ? 0 : Infinity));
  const results: ModelTaskResult[] = tasks.map(() => ({ start: -1, end: -1, engines: [] }));
  const dispatchOrder: number[] = [];

  const window: number[] = [];
  let fetched = 0;
  let fetchDoneAt = Infinity;   // the descriptor fetch under way, if any, ends then
  let streamDoneAt = 0;
  let pendingStart: { index: number; engines: number[] } | undefined;
  const free = new Array<boolean>(ne).fill(true);
  const running: Running[] = [];
  let t = 0;
  let done = 0;
  let busyEngineCycles = 0;
  let beats = 0;

  const isReady = (i: number) => waiting[i] === 0 && readyAt[i] <= t;
  const freeEngines = () => free.flatMap((f, e) => (f ? [e] : []));

  /** The task and engines the policy dispatches now, if any. */
  function choose(): { index: number; engines: number[] } | undefined {
    if (window.length === 0) return undefined;
    const idle = freeEngines();
    if (opts.policy === 'monolithic') {
      const head = window[0];
      return isReady(head) && idle.length === ne ? { index: head, engines: idle } : undefined;
    }
    const ready = window.filter(isReady);
    if (ready.length === 0) return undefined;
    const oldest = ready[0];
    if (opts.policy === 'static') {
      const s = opts.staticGroup;
      for (let b = 0; b + s <= ne; b += s) {
        const block = Array.from({ length: s }, (_, k) => b + k);
        if (block.every((e) => free[e])) return { index: oldest, engines: block };
      }
      return undefined;
    }
    if (idle.length === 0) return undefined;
    const d = tasks[oldest].desc;
    const lone = ready.length === 1 && running.length === 0 && !pendingStart && !d.bulk;
    let want = d.pref_engines === 0 || d.pref_engines > ne || lone ? ne : d.pref_engines;
    want = 2 ** Math.floor(Math.log2(Math.min(want, (d.images ?? 0) > 1 ? Infinity : d.m_count, idle.length)));
    return { index: oldest, engines: idle.slice(0, want) };
  }

  /** Shares the bandwidth: compute-bound tasks first, then bulk tasks, each up to its demand. */
  function setRates(): void {
    let left = bandwidth;
    for (const bulkClass of [false, true]) {
      const group = running.filter((r) => r.bulk === bulkClass);
      // Water-filling: every task gets an equal share, capped by its demand: its first load's
      // rate while that lasts, then the rest's average.
      const demand = new Map(group.map((r) => [r, r.loadLeft > 0
        ? Math.min(r.cost.portBeats, firstLoadDemand(r.cost))
        : Math.min(r.cost.portBeats, rest(r.cost).beats / rest(r.cost).cycles)]));
      let pending = [...group];
      const alloc = new Map<Running, number>();
      while (pending.length > 0) {
        const share = left / pending.length;
        const satisfied = pending.filter((r) => demand.get(r)! <= share);
        if (satisfied.length === 0) {
          for (const r of pending) alloc.set(r, share);
          left = 0;
          break;
        }
        for (const r of satisfied) {
          alloc.set(r, demand.get(r)!);
          left -= demand.get(r)!;
        }
        pending = pending.filter((r) => !satisfied.includes(r));
      }
      if (!bulkClass) left = Math.max(0, bandwidth - (bandwidth - left) * (1 + barrier));
      for (const r of group) {
        if (r.loadLeft > 0) {
          r.loadRate = alloc.get(r)!;
          r.rate = 0;
          continue;
        }
        const { cycles, beats } = rest(r.cost);
        r.rate = Math.min(1 / cycles, beats > 0 ? alloc.get(r)! / beats : Infinity);
      }
    }
  }

  while (done < tasks.length) {
    // Fetch into the window, one descriptor at a time.
    if (fetchDoneAt <= t) {
      window.push(fetched++);
      fetchDoneAt = Infinity;
    }
    if (fetchDoneAt === Infinity && fetched < tasks.length && window.length < opts.window) fetchDoneAt = t + fetchCycles;
    // A dispatch streams the descriptor, then the group starts.
    if (pendingStart && streamDoneAt <= t) {
      const { index, engines } = pendingStart;
      pendingStart = undefined;
      const cost = taskCost(tasks[index].desc, p, engines.length, opts.latency, beatsPerCycle);
      results[index] = { start: t, end: -1, engines };
      running.push({ index, engines, cost, bulk: tasks[index].desc.bulk === 1, loadLeft: cost.firstLoadBeats, loadRate: 0, left: 1, rate: 0 });
      beats += cost.readBeats + cost.writeBeats;
    }
    if (!pendingStart) {
      const pick = choose();
      if (pick) {
        window.splice(window.indexOf(pick.index), 1);
        for (const e of pick.engines) free[e] = false;
        dispatchOrder.push(pick.index);
        pendingStart = pick;
        streamDoneAt = t + dispatchCycles;
        continue;
      }
    }
    setRates();
    // The next event: a completion, the end of a stream, a fetch, or a task turning ready.
    let next = Infinity;
    const phaseEnd = (r: Running) => t + (r.loadLeft > 0 ? r.loadLeft / r.loadRate : r.left / r.rate);
    for (const r of running) next = Math.min(next, phaseEnd(r));
    if (pendingStart) next = Math.min(next, streamDoneAt);
    next = Math.min(next, fetchDoneAt);
    for (const i of window) if (waiting[i] === 0 && readyAt[i] > t) next = Math.min(next, readyAt[i]);
    if (!Number.isFinite(next)) throw new Error(`the model is stuck at cycle ${t} with ${tasks.length - done} tasks left: the task list deadlocks`);
    const dt = Math.max(0, next - t);
    for (const r of running) {
      // A phase ending now ends exactly (t + a tiny remainder may round back to t).
      const ends = phaseEnd(r) <= next;
      if (r.loadLeft > 0) r.loadLeft = ends ? 0 : r.loadLeft - r.loadRate * dt;
      else r.left = ends ? 0 : r.left - r.rate * dt;
    }
    busyEngineCycles += dt * running.reduce((s, r) => s + r.engines.length, 0);
    t = next;
    for (const r of [...running]) {
      if (r.loadLeft > 0 || r.left > 1e-9) continue;
      running.splice(running.indexOf(r), 1);
      for (const e of r.engines) free[e] = true;
      results[r.index].end = t;
      done++;
      for (const d of dependants[r.index]) {
        waiting[d]--;
        if (waiting[d] === 0) readyAt[d] = t + CONTROL.settle;
      }
    }
  }
  return { cycles: Math.round(t), tasks: results, dispatchOrder, busyEngineCycles, beats };
}
