// The jobs a queue carries and what each returns: a `run` (a workload on a design, simulated and
// checked bit for bit) or a `synth` (a design through Yosys). A job travels as JSON between
// machines, so both the submitter (before enqueueing) and the worker (before running) check it.
import { z } from 'zod';
import { POLICIES, type Policy } from '../arch/policies.ts';
import { BUDGET_RANGE, ENGINES_RANGE, LATENCY_RANGE, PNR_MODULES, SEED_RANGE, SIMULATORS, STALL_PERCENT_RANGE, SYNTH_TARGETS, TOOL_SOURCES } from '../config/ranges.ts';
import { loadConfig, resolveConfig, type ResolvedConfig } from '../config/resolve.ts';
import { describeValue, InputError, type Problem } from '../errors.ts';
import { DEVICES } from '../fpga/devices.ts';
import { builtinModelNames, isBuiltinModel } from '../model/builtin.ts';
import { BUILTIN_WORKLOAD_PREFIX } from '../model/workload.ts';

/** A random workload the worker generates itself from a seed (random-model.ts): `random:SEED[:JOBS]`. */
export const RANDOM_WORKLOAD_PREFIX = 'random:';
export const MAX_RANDOM_JOBS = 8;
const MAX_SEED = SEED_RANGE.max;

/** A preset's name, or a whole config object (the submitter reads a config file; workers need no copy). */
const configField = z.union([z.string().min(1), z.record(z.string(), z.unknown())]);
const common = {
  config: configField,
  /** Keep the job's folder on the worker (its path comes back in the summary). */
  keep: z.boolean().optional(),
  /** How progress and errors name the job (default: made from its fields). */
  label: z.string().min(1).max(200).optional(),
};

const runSpec = z.strictObject({
  kind: z.literal('run'),
  ...common,
  /** builtin:MODEL[:BATCH], random:SEED[:JOBS], or an absolute path to a workload.json the worker can read. */
  workload: z.string().min(1),
  policy: z.enum(POLICIES as readonly [Policy, ...Policy[]]).optional(),
  sim: z.enum(SIMULATORS).optional(),
  staticGroup: z.int().min(ENGINES_RANGE.min).max(ENGINES_RANGE.max).optional(),
  /** The memory model's seed, latency and random stalls (run's --seed, --latency, --stall-percent). */
  seed: z.int().min(SEED_RANGE.min).max(SEED_RANGE.max).optional(),
  latency: z.int().min(LATENCY_RANGE.min).max(LATENCY_RANGE.max).optional(),
  stallPercent: z.int().min(STALL_PERCENT_RANGE.min).max(STALL_PERCENT_RANGE.max).optional(),
  budget: z.int().min(BUDGET_RANGE.min).max(BUDGET_RANGE.max).optional(),
});

const synthSpec = z.strictObject({
  kind: z.literal('synth'),
  ...common,
  target: z.enum(SYNTH_TARGETS),
  device: z.enum(DEVICES.map((d) => d.name) as [string, ...string[]]).optional(),
  pnr: z.boolean().optional(),
  pnrModule: z.enum(PNR_MODULES).optional(),
  tools: z.enum(TOOL_SOURCES).optional(),
});

const jobSpec = z.discriminatedUnion('kind', [runSpec, synthSpec]);

export type RunJobSpec = z.infer<typeof runSpec>;
export type SynthJobSpec = z.infer<typeof synthSpec>;
export type JobSpec = z.infer<typeof jobSpec>;

/** Where and how long a job ran, in every summary. */
interface JobPlace {
  /** The worker that ran it (host:pid). */
  worker: string;
  /** Wall-clock seconds on the worker, from taking the job to its summary. */
  seconds: number;
  /** The job's folder on the worker, when the job asked to keep it. */
  out?: string;
}

export interface RunSummary extends JobPlace {
  kind: 'run';
  status: 'ok' | 'mismatch' | 'timeout' | 'hardware-error';
  /** What went wrong, when status is not ok. */
  message: string;
  cycles: number;
  allMatch: boolean;
  boundRatio: number;
  peUtilization: number;
  simSeconds: number;
}

export interface SynthSummary extends JobPlace {
  kind: 'synth';
  /** Every gate passed, the design fits, timing met where placed and routed. */
  passed: boolean;
  luts: number;
  ffs: number;
  dsps: number;
  brams: number;
  gatesPassed: number;
  gates: number;
  fmaxMhz?: number;
  problems: string[];
}

export type JobSummary = RunSummary | SynthSummary;

/** A job as it arrived (from the submitter's caller, or from Redis), checked; `where` names it in errors. */
export function checkJobSpec(raw: unknown, where: string): JobSpec {
  const parsed = jobSpec.safeParse(raw);
  if (!parsed.success) {
    throw new InputError(parsed.error.issues.map((issue) => ({
      file: where,
      field: issue.path.join('.'),
      expected: issue.message,
      found: describeValue(valueAt(raw, issue.path)),
    })));
  }
  const spec = parsed.data;
  const problems: Problem[] = [];
  if (spec.kind === 'run') problems.push(...workloadProblems(spec.workload, where));
  if (problems.length > 0) throw new InputError(problems);
  resolveJobConfig(spec, where);
  return spec;
}

/** The job's design: a preset by name, or its config object. */
export function resolveJobConfig(spec: JobSpec, where: string): ResolvedConfig {
  return typeof spec.config === 'string' ? loadConfig({ preset: spec.config }) : resolveConfig(spec.config, `${where}: config`);
}

export function jobLabel(spec: JobSpec): string {
  if (spec.label) return spec.label;
  const design = typeof spec.config === 'string' ? spec.config : `config ${describeValue((spec.config as { name?: unknown }).name ?? 'custom')}`;
  return spec.kind === 'run'
    ? `run ${spec.workload} on ${design} (${spec.policy ?? 'elastic'}, ${spec.sim ?? 'verilator'})`
    : `synth ${design} for ${spec.target}${spec.device ? ` (${spec.device})` : ''}`;
}

/** The seed and job count of a random: workload ref. */
export function parseRandomRef(ref: string): { seed: number; jobs: number } | undefined {
  const m = /^random:(\d{1,10})(?::(\d{1,2}))?$/.exec(ref);
  if (!m) return undefined;
  const seed = Number(m[1]);
  const jobs = m[2] === undefined ? 1 : Number(m[2]);
  return seed <= MAX_SEED && jobs >= 1 && jobs <= MAX_RANDOM_JOBS ? { seed, jobs } : undefined;
}

function workloadProblems(ref: string, where: string): Problem[] {
  const problem = (expected: string) => [{ file: where, field: 'workload', expected, found: JSON.stringify(ref) }];
  if (ref.startsWith(BUILTIN_WORKLOAD_PREFIX)) {
    const [name, batch] = ref.slice(BUILTIN_WORKLOAD_PREFIX.length).split(':');
    if (!isBuiltinModel(name)) return problem(`builtin:MODEL[:BATCH] with a built-in model (${builtinModelNames().join(', ')})`);
    if (batch !== undefined && !/^[1-9]\d{0,5}$/.test(batch)) return problem('builtin:MODEL[:BATCH] with a batch from 1');
    return [];
  }
  if (ref.startsWith(RANDOM_WORKLOAD_PREFIX)) {
    return parseRandomRef(ref) ? [] : problem(`random:SEED[:JOBS] with a seed from 0 to ${MAX_SEED} and 1 to ${MAX_RANDOM_JOBS} jobs`);
  }
  // Workers resolve a path on their own machine, so a relative one would depend on where each started.
  return ref.startsWith('/') ? [] : problem('builtin:MODEL[:BATCH], random:SEED[:JOBS], or an absolute path to a workload.json that every worker can read');
}

function valueAt(raw: unknown, path: PropertyKey[]): unknown {
  let value = raw;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}
