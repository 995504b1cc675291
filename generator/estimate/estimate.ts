// Estimates a compiled program's cycles under a policy with the fast cycle model.
import { DESC_BYTES, DESC_WORDS, unpackDescriptor } from '../arch/descriptor.ts';
import { hwParams } from '../arch/params.ts';
import type { Policy } from '../arch/regmap.ts';
import type { Program } from '../compiler/compile.ts';
import type { ResolvedConfig } from '../config/resolve.ts';
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
    staticGroup: opts.staticGroup ?? Math.max(1, 2 ** Math.floor(Math.log2(cfg.engines / 2))),
    latency: opts.latency,
    bytesPerCycle: opts.bytesPerCycle,
    window: cfg.controller.window,
  });
}
