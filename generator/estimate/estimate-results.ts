// The fast cycle model's prediction written as a run's results (results.json's format, status
// "estimate"), so that the run report draws it, per task and per layer, as it draws a run, and
// `report --compare` sets an estimate beside a run.
import { hwParams } from '../arch/params.ts';
import type { Policy } from '../arch/regmap.ts';
import type { Program } from '../compiler/compile.ts';
import type { ResolvedConfig } from '../config/resolve.ts';
import type { Job } from '../model/workload.ts';
import type { ReportResults } from '../report/results-file.ts';
import type { MemorySettings, TraceEntry } from '../runner/run.ts';
import { controlTraffic, taskTraffic } from '../runner/task-traffic.ts';
import type { ModelResult } from './simulate.ts';

export interface EstimateRun {
  policy: Policy;
  staticGroup: number;
  memory: Pick<MemorySettings, 'latency' | 'bytesPerCycle'>;
  boundCycles: number;
}

/** results.json of a predicted run: the model's spans as its trace, counters derived from them. */
export function estimateResults(jobs: Job[], cfg: ResolvedConfig, program: Program, model: ModelResult, run: EstimateRun): ReportResults {
  const p = hwParams(cfg);
  const cycles = model.cycles;
  const trace: TraceEntry[] = program.tasks.map((task, i) => {
    const span = model.tasks[i];
    return {
      task: task.index,
      job: jobs[task.job].name,
      layer: jobs[task.job].model.layers[task.layer].name,
      images: [task.firstImage, task.firstImage + task.images - 1] as [number, number],
      engines: span.engines,
      start: Math.round(span.start),
      end: Math.round(span.end),
      macs: task.macs,
      ...taskTraffic(program.descriptors[i], p, span.engines.length),
    };
  }).sort((a, b) => a.start - b.start || a.task - b.task);

  // Engines: busy while holding a task; computing for the share of that its MACs need at full
  // rate (the model does not split a task's time further).
  const engines = Array.from({ length: cfg.engines }, () => ({ busyCycles: 0, computeCycles: 0, stallCycles: 0 }));
  for (const t of trace) {
    const held = t.end - t.start;
    const compute = Math.min(held, Math.round(t.macs / (t.engines.length * cfg.pe.tn * cfg.pe.tm)));
    for (const e of t.engines) {
      engines[e].busyCycles += held;
      engines[e].computeCycles += compute;
    }
  }
  for (const e of engines) e.stallCycles = e.busyCycles - e.computeCycles;

  // Channels: the model shares bandwidth as a fluid, so the bytes are split evenly.
  const control = controlTraffic(program.tasks.length, p, cfg.controller.trace);
  const read = trace.reduce((s, t) => s + t.readBytes, control.readBytes);
  const write = trace.reduce((s, t) => s + t.writeBytes, control.writeBytes);
  const channels = Array.from({ length: cfg.memory.channels }, () => ({ readBytes: Math.round(read / cfg.memory.channels), writeBytes: Math.round(write / cfg.memory.channels) }));

  return {
    status: 'estimate',
    message: 'predicted by the fast cycle model; no RTL ran and no output was checked',
    allMatch: false,
    config: { name: cfg.name, hash: cfg.hash, engines: cfg.engines, tn: cfg.pe.tn, tm: cfg.pe.tm, macs: cfg.macs, busBits: cfg.busBits, channels: cfg.memory.channels },
    simulator: 'fast cycle model',
    policy: run.policy,
    staticGroup: run.staticGroup,
    memory: { latency: run.memory.latency, bytesPerCycle: run.memory.bytesPerCycle, stallPercent: 0, seed: 0 },
    cycles,
    totalMacs: program.totalMacs,
    peUtilization: cycles > 0 ? program.totalMacs / (cycles * cfg.macs) : 0,
    physicalBoundCycles: run.boundCycles,
    boundRatio: run.boundCycles > 0 ? cycles / run.boundCycles : 0,
    jobs: jobs.map((job, j) => {
      const mine = trace.filter((t) => t.job === job.name);
      const startCycle = mine.length > 0 ? Math.min(...mine.map((t) => t.start)) : 0;
      const endCycle = mine.length > 0 ? Math.max(...mine.map((t) => t.end)) : 0;
      return { name: job.name, model: job.model.name, batch: job.batch, match: false, startCycle, endCycle, cycles: endCycle - startCycle };
    }),
    engines,
    channels,
    tasks: program.tasks.length,
    trace,
  };
}
