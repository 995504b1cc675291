// One point of a design space through the fast cycle model: the configuration resolved, the
// workload compiled for the policy (task list only) and replayed. Runs in the explorer's worker
// threads (./explore-worker.ts) or in-process.
import type { Policy } from '../arch/regmap.ts';
import type { ConfigInput } from '../config/schema.ts';
import { resolveConfig } from '../config/resolve.ts';
import { InputError } from '../errors.ts';
import { estimateWorkload } from '../estimate/estimate.ts';
import { loadWorkloadRef, type Job } from '../model/workload.ts';
import { memorySettings } from '../runner/run.ts';

export interface PointTask {
  index: number;
  input: ConfigInput;
  policy: Policy;
}

export interface PointCycles {
  index: number;
  /** Why the point cannot run the workload (an invalid config, a layer that does not fit). */
  invalid?: string;
  configHash?: string;
  cycles?: number;
  boundRatio?: number;
  peUtilization?: number;
  bandwidthUtilization?: number;
  modelMs?: number;
}

/** Evaluates points of one workload, loading it once. */
export function pointEvaluator(workload: string): (task: PointTask) => PointCycles {
  let jobs: Job[] | undefined;
  return ({ index, input, policy }) => {
    try {
      const cfg = resolveConfig(input, 'the design space');
      jobs ??= loadWorkloadRef(workload);
      const [e] = estimateWorkload(jobs, cfg, [policy], memorySettings({}, cfg));
      return { index, configHash: cfg.hash, cycles: e.cycles, boundRatio: e.boundRatio, peUtilization: e.peUtilization, bandwidthUtilization: e.bandwidthUtilization, modelMs: e.modelMs };
    } catch (err) {
      if (err instanceof InputError) return { index, invalid: err.problems.map((p) => `${p.field}: expected ${p.expected}, found ${p.found}`).join('; ') };
      throw err;
    }
  };
}
