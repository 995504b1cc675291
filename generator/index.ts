// The programmatic API of synergyflow (package.json "exports": import { generate } from
// 'synergyflow'): the commands generate, compile, run, synth and estimate as typed functions.
// Each wraps the code its command runs, and loads it when first called, so that importing the
// package is cheap. Bad input throws InputError (every problem at once, each naming file and
// field; the options are checked first, against the command line's ranges and choices:
// ./option-checks.ts), a missing or failing tool ToolError, as the CLI's exit codes 2 and 3
// report them.
import type { ResolvedConfig } from './config/resolve.ts';
import type { ConfigInput } from './config/schema.ts';
import type { Design } from './arch/design.ts';
import type { Policy } from './arch/policies.ts';
import type { Program } from './compiler/compile.ts';
import type { ExportResult } from './compiler/export.ts';
import type { PolicyEstimate } from './estimate/estimate.ts';
import type { Target } from './fpga/devices.ts';
import type { PnrModule, SynthReport } from './fpga/flow.ts';
import type { Job } from './model/workload.ts';
import type { FileMap } from './output-dir.ts';
import type { FaultInjection } from './runner/fault-injection.ts';
import type { MemorySettings, RunResults, RunSettings } from './runner/run.ts';
import type { Simulator } from './tools/sim.ts';
import type { ToolSource } from './tools/fpga-tools.ts';
import type { CheckedOption } from './option-checks.ts';

export { InputError, InternalError, ToolError, type Problem } from './errors.ts';
export { GENERATOR_VERSION as version } from './version.ts';
export { POLICIES } from './arch/policies.ts';
export type {
  ConfigInput, Design, FaultInjection, FileMap, Job, MemorySettings, Policy, PolicyEstimate, PnrModule, Program, ResolvedConfig,
  RunResults, RunSettings, Simulator, SynthReport, Target, ToolSource, ExportResult,
};

/**
 * The accelerator: a preset's name, or a config (a JSON file's path, or its content as an
 * object; config.schema.json describes it). Neither means the `default` preset, as on the
 * command line.
 */
export interface DesignOptions {
  preset?: string;
  config?: string | ConfigInput;
}

/** A workload: a workload.json's path, or builtin:MODEL[:BATCH] (docs/formats.md). */
export interface WorkloadOptions {
  workload: string;
  /** Accept a workload beyond the cost guards (README: limits). */
  allowLarge?: boolean;
}

/** An output folder, as the commands' --out and --force (README: output folders). */
export interface OutputOptions {
  out: string;
  force?: boolean;
}

/** Resolves a design option to a checked configuration (throws InputError on a bad one). */
export async function resolveDesign(opts: DesignOptions = {}): Promise<ResolvedConfig> {
  const { loadConfig, resolveConfig } = await import('./config/resolve.ts');
  if (opts.config === undefined || typeof opts.config === 'string') return loadConfig({ preset: opts.preset, config: opts.config });
  if (opts.preset !== undefined) {
    const { InputError } = await import('./errors.ts');
    throw new InputError([{ file: 'options', field: 'preset/config', expected: 'one of them', found: 'both' }]);
  }
  // An object has no file name: its files and messages name it by its hash, as a run's do.
  const cfg = resolveConfig(opts.config, 'config object');
  return { ...cfg, source: `config ${cfg.hash}` };
}

/**
 * Checks the options a function takes (./option-checks.ts: the command line's ranges and
 * choices), before any work: InputError naming file 'options' and each bad option.
 */
async function checkOptions(opts: object, fields: readonly CheckedOption[], required: readonly CheckedOption[]): Promise<void> {
  const checks = await import('./option-checks.ts');
  checks.checkOptions(opts, fields, required);
}

/** The config files a command read, for its output folder's checks (never written over). */
const configFiles = (opts: DesignOptions): string[] => (typeof opts.config === 'string' ? [opts.config] : []);

export interface GenerateOptions extends DesignOptions {
  /** Also write the files to this folder (as synergyflow generate --out does). */
  out?: string;
  force?: boolean;
}

export interface GenerateResult {
  config: ResolvedConfig;
  /** The elaborated design: its modules, leaves and register map. */
  design: Design;
  /** Every generated file, by path relative to the output folder: RTL (rtl/*.sv), sf_top.f, the
   * register map (regmap.json, regmap.md, sf_regs.h, sf_regs.vh), vendor files, config.json. */
  files: FileMap;
}

/** The RTL, register map and file list of a design (synergyflow generate). */
export async function generate(opts: GenerateOptions = {}): Promise<GenerateResult> {
  await checkOptions(opts, ['preset', 'out', 'force'], []);
  const config = await resolveDesign(opts);
  const { generateFiles } = await import('./emit/generate.ts');
  const outOptions = { force: opts.force, inputs: configFiles(opts) };
  const { checkOutputDir, writeOutputDir } = await import('./output-dir.ts');
  if (opts.out !== undefined) checkOutputDir(opts.out, 'generate', outOptions);
  const { design, files } = generateFiles(config);
  if (opts.out !== undefined) writeOutputDir(opts.out, files, 'generate', outOptions);
  return { config, design, files };
}

export interface CompileOptions extends DesignOptions, WorkloadOptions {
  /** The run-time policy the task list is planned for (default elastic). */
  policy?: Policy;
  /** Engines per group under the static policy (default half of them). */
  staticGroup?: number;
  /** Also export the program for a host, as the compile command does (image.bin, tasks,
   * program.json, expected outputs, sf_hw.h, sf_program.h): an output folder's rules apply. */
  out?: string;
  force?: boolean;
}

export interface CompileResult {
  config: ResolvedConfig;
  jobs: Job[];
  /** The compiled program, in memory: task descriptors, memory image and layout, per-job
   * outputs, and the compiler's cycle estimate. */
  program: Program;
  /** With `out`: what was written there (program.json's contents and the files). */
  exported?: ExportResult;
}

/** A workload compiled for a design: the task graph and memory image a run loads. */
export async function compile(opts: CompileOptions): Promise<CompileResult> {
  await checkOptions(opts, ['preset', 'workload', 'allowLarge', 'policy', 'staticGroup', 'out', 'force'], ['workload']);
  const config = await resolveDesign(opts);
  const [{ loadWorkloadRef }, { compileForPolicy }, { LIMITS }] = await Promise.all([import('./model/workload.ts'), import('./runner/run.ts'), import('./limits.ts')]);
  const jobs = loadWorkloadRef(opts.workload, { allowLarge: opts.allowLarge });
  const program = compileForPolicy(jobs, config, opts.policy ?? 'elastic', { maxImageBytes: opts.allowLarge ? undefined : LIMITS.imageBytes });
  if (opts.out === undefined) return { config, jobs, program };
  const { exportProgram } = await import('./compiler/export.ts');
  const exported = await exportProgram({ workload: opts.workload, policy: opts.policy, staticGroup: opts.staticGroup, force: opts.force, allowLarge: opts.allowLarge, config: typeof opts.config === 'string' ? opts.config : undefined, out: opts.out, cfg: config });
  return { config, jobs, program, exported };
}

export interface RunOptions extends DesignOptions, WorkloadOptions, OutputOptions, RunSettings {
  /** Simulator (default verilator). */
  sim?: Simulator;
  /** Progress messages (the CLI prints them on stderr); none by default. */
  log?: (message: string) => void;
}

/**
 * Generates the design, compiles the workload, simulates it and checks every output against the
 * golden model (synergyflow run). Writes outputs/*.npy, results.json and report.html to `out`;
 * resolves with the results (status 'ok' when every output matched).
 */
export async function run(opts: RunOptions): Promise<RunResults> {
  await checkOptions(opts, [
    'preset', 'workload', 'allowLarge', 'out', 'force', 'sim', 'policy', 'staticGroup', 'seed', 'latency', 'bytesPerCycle', 'stallPercent', 'budget', 'faults',
    'waves', 'wavesFrom', 'wavesTo', 'cacheDir', 'maxCacheBytes', 'log',
  ], ['workload', 'out']);
  const config = await resolveDesign(opts);
  const [{ generateFiles }, { runWorkload }] = await Promise.all([import('./emit/generate.ts'), import('./runner/run.ts')]);
  return runWorkload({
    ...opts,
    preset: undefined,
    config: typeof opts.config === 'string' ? opts.config : undefined,
    sim: opts.sim ?? 'verilator',
    generated: generateFiles(config),
  });
}

export interface SynthOptions extends DesignOptions, OutputOptions {
  target: Target;
  /** Device to compare the resources with (default xc7vx690t or ice40up5k). */
  device?: string;
  /** Yosys and nextpnr: the npm (WebAssembly) builds or the system binaries (default npm). */
  tools?: ToolSource;
  /** Place and route on iCE40 (default true there). */
  pnr?: boolean;
  pnrModule?: PnrModule;
  log?: (message: string) => void;
}

/** Synthesis with Yosys (and place and route with nextpnr on iCE40): the report and its gates (synergyflow synth). */
export async function synth(opts: SynthOptions): Promise<SynthReport> {
  await checkOptions(opts, ['preset', 'out', 'force', 'target', 'device', 'tools', 'pnr', 'pnrModule', 'log'], ['target', 'out']);
  const config = await resolveDesign(opts);
  const [{ generateFiles }, { synthesize }] = await Promise.all([import('./emit/generate.ts'), import('./fpga/flow.ts')]);
  return synthesize({
    ...opts,
    preset: undefined,
    config: typeof opts.config === 'string' ? opts.config : undefined,
    generated: generateFiles(config),
  });
}

export interface EstimateOptions extends DesignOptions, WorkloadOptions {
  /** The policies to predict (default all three). */
  policies?: readonly Policy[];
  staticGroup?: number;
  latency?: number;
  bytesPerCycle?: number;
}

export interface EstimateResult {
  config: ResolvedConfig;
  memory: MemorySettings;
  /** One per policy, in the order asked for. */
  estimates: PolicyEstimate[];
}

/** The cycles of a workload under each policy, predicted by the fast cycle model in milliseconds (synergyflow estimate). */
export async function estimate(opts: EstimateOptions): Promise<EstimateResult> {
  await checkOptions(opts, ['preset', 'workload', 'allowLarge', 'policies', 'staticGroup', 'latency', 'bytesPerCycle'], ['workload']);
  const config = await resolveDesign(opts);
  const [{ loadWorkloadRef }, { memorySettings }, { estimateWorkload }, { POLICIES }] = await Promise.all([
    import('./model/workload.ts'), import('./runner/run.ts'), import('./estimate/estimate.ts'), import('./arch/policies.ts'),
  ]);
  const jobs = loadWorkloadRef(opts.workload, { allowLarge: opts.allowLarge });
  const memory = memorySettings(opts, config);
  return { config, memory, estimates: estimateWorkload(jobs, config, opts.policies ?? POLICIES, memory, opts.staticGroup) };
}
