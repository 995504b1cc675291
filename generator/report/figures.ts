// The numbers the run report draws, from a run's results alone: activity binned over time, per
// layer figures with their place on the roofline, and per-job latency and throughput. Pure
// functions, so that the math is tested on small hand-computed traces (figures.test.ts).
import type { ReportResults } from './results-file.ts';

type TraceEntry = ReportResults['trace'][number];

/** One time bin: cycles [start, end), with the averages over it. */
export interface TimeBin {
  start: number;
  end: number;
  /** Bytes a cycle the tasks read and wrote (each task's bytes spread evenly over its cycles). */
  readBytesPerCycle: number;
  writeBytesPerCycle: number;
  /** MACs a cycle over the configuration's MACs a cycle (its compute roof). */
  peUtilization: number;
  /** Engines holding a task, over the engine count (exact: from the trace's intervals). */
  engineOccupancy: number;
}

/** Bins of `binCycles` cycles covering [0, cycles). */
export function binEdges(cycles: number, binCycles: number): [number, number][] {
  const edges: [number, number][] = [];
  for (let start = 0; start < cycles; start += binCycles) edges.push([start, Math.min(cycles, start + binCycles)]);
  return edges;
}

/** A bin width that draws `cycles` in about `bins` bins: a whole number of cycles, at least 1. */
export function binWidth(cycles: number, bins: number): number {
  return Math.max(1, Math.ceil(cycles / bins));
}

/**
 * Spreads each task's quantity evenly over its cycles [start, end) and sums it per bin: the
 * result is the quantity that fell in each bin. A task of no cycles puts it all in its start's bin.
 */
export function spreadOverBins(trace: readonly TraceEntry[], edges: readonly [number, number][], quantity: (t: TraceEntry) => number): number[] {
  const sums = new Array<number>(edges.length).fill(0);
  if (edges.length === 0) return sums;
  const width = edges[0][1] - edges[0][0];
  for (const t of trace) {
    const amount = quantity(t);
    if (t.end <= t.start) {
      sums[Math.min(edges.length - 1, Math.floor(t.start / width))] += amount;
      continue;
    }
    const rate = amount / (t.end - t.start);
    const first = Math.floor(t.start / width);
    const last = Math.min(edges.length - 1, Math.floor((t.end - 1) / width));
    for (let b = first; b <= last; b++) {
      const overlap = Math.min(t.end, edges[b][1]) - Math.max(t.start, edges[b][0]);
      if (overlap > 0) sums[b] += rate * overlap;
    }
  }
  return sums;
}

/** The run's activity in bins of `binCycles` cycles over [0, cycles) (default: the run's cycles). */
export function timeBins(r: ReportResults, binCycles: number, cycles = r.cycles): TimeBin[] {
  const edges = binEdges(cycles, binCycles);
  const read = spreadOverBins(r.trace, edges, (t) => t.readBytes);
  const write = spreadOverBins(r.trace, edges, (t) => t.writeBytes);
  const macs = spreadOverBins(r.trace, edges, (t) => t.macs);
  // Engine-cycles held: the task's engines over each of its cycles.
  const held = spreadOverBins(r.trace, edges, (t) => t.engines.length * (t.end - t.start));
  return edges.map(([start, end], b) => {
    const cycles = end - start;
    return {
      start,
      end,
      readBytesPerCycle: read[b] / cycles,
      writeBytesPerCycle: write[b] / cycles,
      peUtilization: macs[b] / (cycles * r.config.macs),
      engineOccupancy: held[b] / (cycles * r.config.engines),
    };
  });
}

/** The configuration's roofs: MACs a cycle, memory bytes a cycle, and where they meet (MACs a byte). */
export interface Roofs {
  computeMacsPerCycle: number;
  bandwidthBytesPerCycle: number;
  ridgeMacsPerByte: number;
}

export function roofs(r: ReportResults): Roofs {
  const computeMacsPerCycle = r.config.engines * r.config.tn * r.config.tm;
  // Every channel at the memory model's rate (one beat a cycle unless --bytes-per-cycle lowered it).
  const bandwidthBytesPerCycle = r.config.channels * Math.min(r.memory.bytesPerCycle, r.config.busBits / 8);
  return { computeMacsPerCycle, bandwidthBytesPerCycle, ridgeMacsPerByte: computeMacsPerCycle / bandwidthBytesPerCycle };
}

/** The best a workload of this intensity (MACs a byte) can do on the roofs, MACs a cycle. */
export function attainable(roof: Roofs, macsPerByte: number): number {
  return Math.min(roof.computeMacsPerCycle, macsPerByte * roof.bandwidthBytesPerCycle);
}

/** A layer of a job over all its tasks. */
export interface LayerFigures {
  job: string;
  layer: string;
  tasks: number;
  macs: number;
  bytes: number;
  /** Cycles at least one of its tasks ran (the union of their intervals). */
  activeCycles: number;
  /** Engine-cycles its tasks held. */
  engineCycles: number;
  firstStart: number;
  lastEnd: number;
  /** MACs a byte moved. */
  intensity: number;
  /** MACs a cycle while it was active. */
  achieved: number;
  /** Which roof bounds a layer of its intensity: the memory's below the ridge, else the PEs'. */
  bound: 'compute' | 'bandwidth';
  /** Achieved over attainable at its intensity. */
  ofRoof: number;
}

/** Length of the union of intervals [start, end). */
export function unionLength(intervals: readonly { start: number; end: number }[]): number {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  let total = 0;
  let from = -Infinity;
  let to = -Infinity;
  for (const { start, end } of sorted) {
    if (start > to) {
      if (to > from) total += to - from;
      from = start;
      to = end;
    } else {
      to = Math.max(to, end);
    }
  }
  if (to > from) total += to - from;
  return total;
}

/** Per layer of each job, in the order of the jobs and, within a job, of the layers' first tasks. */
export function layerFigures(r: ReportResults): LayerFigures[] {
  const roof = roofs(r);
  const groups = new Map<string, TraceEntry[]>();
  const jobOrder = new Map(r.jobs.map((j, i) => [j.name, i]));
  const ordered = [...r.trace].sort((a, b) => (jobOrder.get(a.job) ?? Infinity) - (jobOrder.get(b.job) ?? Infinity) || a.start - b.start || a.task - b.task);
  for (const t of ordered) {
    const key = JSON.stringify([t.job, t.layer]);
    const list = groups.get(key);
    if (list) list.push(t);
    else groups.set(key, [t]);
  }
  return [...groups.values()].map((tasks) => {
    const macs = sum(tasks.map((t) => t.macs));
    const bytes = sum(tasks.map((t) => t.readBytes + t.writeBytes));
    const activeCycles = unionLength(tasks);
    const intensity = bytes > 0 ? macs / bytes : Infinity;
    const achieved = activeCycles > 0 ? macs / activeCycles : 0;
    return {
      job: tasks[0].job,
      layer: tasks[0].layer,
      tasks: tasks.length,
      macs,
      bytes,
      activeCycles,
      engineCycles: sum(tasks.map((t) => (t.end - t.start) * t.engines.length)),
      firstStart: Math.min(...tasks.map((t) => t.start)),
      lastEnd: Math.max(...tasks.map((t) => t.end)),
      intensity,
      achieved,
      bound: intensity < roof.ridgeMacsPerByte ? 'bandwidth' : 'compute',
      ofRoof: achieved / attainable(roof, intensity),
    };
  });
}

/** A job's latency (first task's start to last task's end) and throughput. */
export interface JobFigures {
  name: string;
  model: string;
  batch: number;
  match: boolean;
  startCycle: number;
  endCycle: number;
  latencyCycles: number;
  /** Images a million cycles over its latency. */
  imagesPerMcycle: number;
}

export function jobFigures(r: ReportResults): JobFigures[] {
  return r.jobs.map((j) => ({
    name: j.name,
    model: j.model,
    batch: j.batch,
    match: j.match,
    startCycle: j.startCycle,
    endCycle: j.endCycle,
    latencyCycles: j.cycles,
    imagesPerMcycle: j.cycles > 0 ? (j.batch * 1e6) / j.cycles : 0,
  }));
}

/** The whole run: images a million cycles, and bytes the channels moved (counters). */
export function runTotals(r: ReportResults): { images: number; imagesPerMcycle: number; channelBytes: number; taskBytes: number; bytesPerCycle: number } {
  const images = sum(r.jobs.map((j) => j.batch));
  const channelBytes = sum(r.channels.map((c) => c.readBytes + c.writeBytes));
  return {
    images,
    imagesPerMcycle: r.cycles > 0 ? (images * 1e6) / r.cycles : 0,
    channelBytes,
    taskBytes: sum(r.trace.map((t) => t.readBytes + t.writeBytes)),
    bytesPerCycle: r.cycles > 0 ? channelBytes / r.cycles : 0,
  };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
