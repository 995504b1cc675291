// Estimates a compiled program's cycles under a policy with the fast cycle model.
import { DESC_BYTES, DESC_WORDS, unpackDescriptor } from '../arch/descriptor.ts';
import { hwParams } from '../arch/params.ts';
import type { Policy } from '../arch/regmap.ts';
import { defaultStaticGroup } from '../arch/policies.ts';
import type { Program } from '../compiler/compile.ts';
import type { ResolvedConfig } from '../config/resolve.ts';
import type { Job } from '../model/workload.ts';
import { compileForPolicy, physicalBound } from '../runner/run.ts';
import type { ReportResults } from '../report/results-file.ts';
import { estimateResults } from './estimate-results.ts';
import { simulate, type ModelResult, type ModelTask } from './simulate.ts';

/** The program's tasks as the model takes them: descriptors read back from the memory image. */
export function modelTasks(program: Program): ModelTask[] {
  return program.tasks.map((t, i) => {
    const words = new Uint32Array(DESC_WORDS);
    for (let k = 0; k < DESC_WORDS; k++) words[k] = program.image.readU32(program.taskBase + i * DESC_BYTES + 4 * k);
    return { job: t.job, deps: t.deps, desc: unpackDescriptor(words) };
  });
}

export interface EstimateOptions {
  policy: Policy;
  staticGroup?: number;
  latency: number;
  bytesPerCycle: number;
}


export function estimateProgram(program: Program, cfg: ResolvedConfig, opts: EstimateOptions): ModelResult {
  return simulate(modelTasks(program), hwParams(cfg), {
    policy: opts.policy,
    staticGroup: opts.staticGroup ?? defaultStaticGroup(cfg.engines),
    latency: opts.latency,
    bytesPerCycle: opts.bytesPerCycle,
    window: cfg.controller.window,
  });
}

export interface PolicyEstimate {
  policy: Policy;
  cycles: number;
  physicalBoundCycles: number;
  boundRatio: number;
  peUtilization: number;
  /** Share of the memory bandwidth the tasks' beats take over the run. */
  bandwidthUtilization: number;
  jobs: { name: string; startCycle: number; endCycle: number; cycles: number }[];
  tasks: number;
  /** Each task's predicted start, end and engines, by task index. */
  taskSpans: { start: number; end: number; engines: number[] }[];
  /** Milliseconds the model took (compiling excluded). */
  modelMs: number;
  /** The prediction as a run's results (for the report), when asked for. */
  results?: ReportResults;
}

/** The fast cycle model on a compiled workload under each of `policies`. */
export function estimateWorkload(
  jobs: Job[],
  cfg: ResolvedConfig,
  policies: readonly Policy[],
  memory: { latency: number; bytesPerCycle: number },
  staticGroup?: number,
  opts: { withResults?: boolean } = {},
): PolicyEstimate[] {
  return policies.map((policy) => {
    const program = compileForPolicy(jobs, cfg, policy, { taskListOnly: true });
    const started = performance.now();
    const group = staticGroup ?? defaultStaticGroup(cfg.engines);
    const r = estimateProgram(program, cfg, { policy, staticGroup: group, ...memory });
    const modelMs = performance.now() - started;
    const bound = physicalBound(program, cfg, memory.bytesPerCycle);
    const beatsPerCycle = Math.min(1, memory.bytesPerCycle / cfg.busBytes) * cfg.memory.channels;
    return {
      policy,
      cycles: r.cycles,
      physicalBoundCycles: bound,
      boundRatio: r.cycles / bound,
      peUtilization: program.totalMacs / (r.cycles * cfg.macs),
      bandwidthUtilization: r.beats / (r.cycles * beatsPerCycle),
      jobs: jobs.map((job, j) => {
        const mine = program.tasks.flatMap((t, i) => (t.job === j ? [r.tasks[i]] : []));
        const startCycle = Math.min(...mine.map((t) => t.start));
        const endCycle = Math.max(...mine.map((t) => t.end));
        return { name: job.name, startCycle: Math.round(startCycle), endCycle: Math.round(endCycle), cycles: Math.round(endCycle - startCycle) };
      }),
      tasks: program.tasks.length,
      taskSpans: r.tasks.map((t) => ({ start: t.start, end: t.end, engines: t.engines })),
      modelMs,
      ...(opts.withResults ? { results: estimateResults(jobs, cfg, program, r, { policy, staticGroup: group, memory, boundCycles: bound }) } : {}),
    };
  });
}
