// The `run` flow: validate everything, generate the accelerator, compile the workload, simulate
// it, check every output against the golden model, and write outputs/*.npy and results.json
// (all-or-nothing), with what replays the simulation (./replay.ts) and, asked for, its waveforms
// (./waves.ts).
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { interrupted, withTempDir } from '../cleanup.ts';
import { checkRunCost, LIMITS } from '../limits.ts';
import { checkOutputDir, writeOutputDir, type OutputOptions } from '../output-dir.ts';
import { compileWorkload, type Program } from '../compiler/compile.ts';
import { unpackActivations, type MemImage } from '../compiler/layout.ts';
import { loadConfig, type ResolvedConfig } from '../config/resolve.ts';
import { InputError, InternalError, ProblemList } from '../errors.ts';
import { generateFiles, type FileMap, type Generated } from '../emit/generate.ts';
import { goldenForward } from '../golden/golden.ts';
import { layerType } from '../layers/registry.ts';
import { layerShapes } from '../model/model.ts';
import { encodeNpy, makeTensor } from '../model/npy.ts';
import { activationDtype } from '../model/weights.ts';
import { commandInputFiles, loadWorkloadForOutput, type Job } from '../model/workload.ts';
import { CTRL_FIELDS, fieldsWord, fieldValue, STATUS_FIELDS } from '../arch/regmap.ts';
import { defaultStaticGroup, policyCode, type Policy } from '../arch/policies.ts';
import { decodeTraceRecord, TRACE_FIELD_BYTES } from '../arch/trace-record.ts';
import { buildSimulation, runSimulation, simCacheDir, type SimBuildInput, type Simulator, type WaveFormat } from '../tools/sim.ts';
import { estimateProgram } from '../estimate/estimate.ts';
import { openCache } from '../tools/sim-cache.ts';
import type { Progress } from '../progress.ts';
import { REPLAY_DIR, REPLAY_SCRIPT, replayFiles } from './replay.ts';
import { checkWavesOptions, GTKW_FILE, gtkwaveSaveFile, wavesFileName, wavesPlusargs } from './waves.ts';
import { describeFault } from '../arch/faults.ts';
import { checkFaultInjection, faultFileText, NO_FAULTS, type FaultInjection } from './fault-injection.ts';
import { DumpError, parseMemDump, toFreadBytes } from './image-file.ts';
import { parseSimOutput, type SimReport } from './sim-output.ts';
import { taskTraffic } from './task-traffic.ts';
import { renderRunReport } from '../report/report.ts';
import { checkResults, type ReportResults } from '../report/results-file.ts';
import { hwParams } from '../arch/params.ts';

/** How a run goes, beside its design, workload and output folder: the controller's policy and
 * the testbench's memory and budget (the API's run takes them as they are). */
export interface RunSettings {
  /** Scheduling policy of the controller (default elastic). */
  policy?: Policy;
  /** Engines per group under the static policy (default half of them). */
  staticGroup?: number;
  /** Seed of the memory model's random stalls and faults (default 1). */
  seed?: number;
  /** Memory read latency in cycles (default: the config's testbench.latency). */
  latency?: number;
  /** Memory bandwidth per channel in bytes a cycle (default one beat). */
  bytesPerCycle?: number;
  /** Random stalls on every memory channel and the host port, in percent of cycles (default 0). */
  stallPercent?: number;
  /** Cycle budget before the run is declared hung (default 20x the estimate). */
  budget?: number;
  /** Errors the testbench memory injects (none by default). */
  faults?: FaultInjection;
}

export interface RunOptions extends RunSettings {
  preset?: string;
  config?: string;
  /** The design, already elaborated and generated (the CLI's, or the benchmark's for many runs):
   * else elaborated from preset/config. */
  generated?: Generated;
  workload: string;
  sim: Simulator;
  out: string;
  /** Replace the tool's own files in --out even when they were edited since. */
  force?: boolean;
  /** Skip the cost guards (generator/limits.ts). */
  allowLarge?: boolean;
  /** The simulator cache (default: the user's, tools/sim-cache.ts) and its size limit in bytes. */
  cacheDir?: string;
  maxCacheBytes?: number;
  /** Dump the whole design's waveforms in this format (a build of its own), from run cycle
   * wavesFrom (default 0, from reset) to wavesTo (default the end): waves.<format> and
   * waves.gtkw in --out. */
  waves?: WaveFormat;
  wavesFrom?: number;
  wavesTo?: number;
  log?: (message: string) => void;
  /** Progress of the build and the simulation (with an ETA); its log() then replaces `log`. */
  progress?: Progress;
  /** Tests only: alters the compiled program (its memory image) before simulation, to provoke
   * the hardware's error paths. */
  alterProgram?: (program: Program) => void;
}

export interface JobResult {
  name: string;
  model: string;
  batch: number;
  outputShape: number[];
  match: boolean;
  mismatches: number;
  firstMismatches: { index: number[]; expected: number; got: number }[];
  startCycle: number;
  endCycle: number;
  cycles: number;
}

export interface TraceEntry {
  task: number;
  job: string;
  layer: string;
  images: [number, number];
  engines: number[];
  start: number;
  end: number;
  /** The task's MACs, and the bytes it reads and writes as its descriptor moves them (weights,
   * biases, input tiles, outputs; ./task-traffic.ts): the run report's per-layer figures and
   * bandwidth over time come from these. */
  macs: number;
  readBytes: number;
  writeBytes: number;
}

/** The memory model's timing, seed and faults, as the options and the config set them. */
export interface MemorySettings {
  latency: number;
  bytesPerCycle: number;
  stallPercent: number;
  seed: number;
  faults: FaultInjection;
}

export interface RunResults {
  status: 'ok' | 'mismatch' | 'timeout' | 'hardware-error';
  message: string;
  allMatch: boolean;
  config: { name: string; hash: string; source: string; engines: number; tn: number; tm: number; macs: number; busBits: number; channels: number };
  simulator: Simulator;
  policy: Policy;
  staticGroup: number;
  /** The memory model's settings, and its size in bus words (from the image: see memoryWords). */
  memory: MemorySettings & { words: number };
  /** Cycles the run was allowed before it was declared hung. */
  budget: number;
  cycles: number;
  totalMacs: number;
  peUtilization: number;
  physicalBoundCycles: number;
  boundRatio: number;
  readBeats: number;
  writeBeats: number;
  jobs: JobResult[];
  engines: { busyCycles: number; computeCycles: number; stallCycles: number }[];
  channels: { readBeats: number; writeBeats: number; readBytes: number; writeBytes: number }[];
  tasks: number;
  trace: TraceEntry[];
  timing: { compileSeconds: number; buildSeconds: number; buildCached: boolean; simSeconds: number; simCyclesPerSecond: number };
  /** The waveform dump, when asked for: its file and GTKWave save file in the run folder, the
   * window of run cycles it covers (to: null for the end), its size. Bytes 0: the window opened
   * after the run ended, there is no dump, and file and saveFile are null (no file is named that
   * does not exist). */
  waves?: { format: WaveFormat; file: string | null; saveFile: string | null; from: number; to: number | null; bytes: number };
}

export async function runWorkload(opts: RunOptions): Promise<RunResults> {
  const progress = opts.progress;
  const log = progress ? (m: string) => progress.log(m) : (opts.log ?? (() => {}));
  // Everything is validated before any work starts: the config, the output folder, the options,
  // the workload (its sizes before its tensors are made), and the run's estimated cost.
  const cfg = opts.generated?.design.cfg ?? loadConfig({ preset: opts.preset, config: opts.config });
  const cachePath = resolve(opts.cacheDir ?? simCacheDir());
  const outOptions: OutputOptions = { force: opts.force, inputs: [...commandInputFiles(opts.config, opts.workload), cachePath] };
  checkOutputDir(opts.out, 'run', outOptions);
  checkWavesOptions(opts);
  const memory = memorySettings(opts, cfg);
  checkFaultInjection(memory.faults);
  const staticGroup = opts.staticGroup ?? defaultStaticGroup(cfg.engines);
  checkRunOptions(staticGroup, memory, cfg);
  const jobs = loadWorkloadForOutput(opts.workload, opts.out, 'run', outOptions, {
    allowLarge: opts.allowLarge,
    checkCost: (problems, planned) => checkRunCost(problems, planned, cfg, memory.bytesPerCycle),
  });
  // The cache folder is checked (and made, mode 0700) before any work, but only once every other
  // input has passed: a refused --out gets nothing made in it. A folder that is not a synergyflow
  // cache, or that others can write, is refused (tools/sim-cache.ts).
  const cacheDir = openCache(cachePath);
  const t0 = Date.now();
  const policy = opts.policy ?? 'elastic';
  const program = compileForPolicy(jobs, cfg, policy, { maxImageBytes: opts.allowLarge ? undefined : LIMITS.imageBytes });
  opts.alterProgram?.(program);
  // The simulator builds from files whose header names no config file (see simConfig).
  const simCfg = simConfig(cfg);
  const generated = opts.generated ?? generateFiles(simCfg);
  const { design } = generated;
  const files = generated.design.cfg.source === simCfg.source ? generated.files : generateFiles(simCfg).files;
  const compileSeconds = (Date.now() - t0) / 1000;
  log(`compiled ${jobs.length} job(s) into ${program.tasks.length} tasks, ${(program.image.bytes.length / 2 ** 20).toFixed(1)} MiB of memory`);

  const boundCycles = physicalBound(program, cfg, memory.bytesPerCycle);
  const budget = cycleBudget(program, boundCycles, opts.budget);

  const memWords = memoryWords(program.image.bytes.length, cfg.busBytes);
  const buildInput: Pick<SimBuildInput, 'simulator' | 'files' | 'params' | 'waves'> = {
    simulator: opts.sim,
    files: simSources(files),
    params: { BUS_BITS: cfg.busBits, IDW: design.params.idBits, ENGINES: cfg.engines, CHANNELS: cfg.memory.channels, ADDR_BITS: cfg.memory.addressBits },
    waves: opts.waves,
  };
  const build = await buildSimulation({ ...buildInput, cacheDir, maxCacheBytes: opts.maxCacheBytes, design: simCfg.source, log, progress });
  const buildWhat = opts.waves ? `${opts.sim} build with waveforms (${opts.waves})` : `${opts.sim} build`;
  log(build.cached ? `${buildWhat}: cached` : `${buildWhat}: ${build.buildSeconds.toFixed(1)} s`);

  // The fast cycle model's prediction (milliseconds) gives the simulation's progress a total.
  const predicted = progress ? predictedCycles(program, cfg, policy, staticGroup, memory) : undefined;
  // The simulator works in a temporary folder, with file plusargs relative to it; what replays
  // it (inputs, plusargs, output) and the waveforms then go to --out with the results. The build
  // stays marked in use (spared by the cache's eviction) until the simulation is over.
  return withTempDir('synergyflow-', async (work) => {
    const image = toFreadBytes(program.image.bytes, cfg.busBytes);
    const faultText = faultFileText(memory.faults);
    writeFileSync(join(work, 'image.bin'), image);
    writeFileSync(join(work, 'faults.txt'), faultText);
    const dumpPath = join(work, 'dump.hex');
    const dumpLo = program.dumpBase / cfg.busBytes;
    const dumpHi = dumpLo + program.dumpBytes / cfg.busBytes;
    log(`simulating (seed ${memory.seed}, budget ${budget} cycles${predicted ? `, about ${predicted.toLocaleString('en-US')} predicted` : ''}${opts.waves ? `, waveforms ${wavesWindowText(opts)}` : ''}) in ${work}`);
    const task = progress?.task('simulating', { total: predicted });
    const plusargs = {
      image: 'image.bin',
      mem_words: memWords,
      dump: 'dump.hex',
      dump_lo: dumpLo,
      dump_hi: dumpHi,
      task_base: program.taskBase,
      trace_base: program.traceBase,
      budget,
      seed: memory.seed,
      latency: memory.latency,
      bytes_per_cycle: memory.bytesPerCycle,
      stall_percent: memory.stallPercent,
      faults: 'faults.txt',
      rd_fault_permille: memory.faults.readPerMille,
      wr_fault_permille: memory.faults.writePerMille,
      ctrl: fieldsWord(CTRL_FIELDS, { START: 1, IRQ_EN: 1, POLICY: policyCode(policy), STATIC_LOG: Math.log2(staticGroup) }),
      progress_cycles: progressInterval(predicted),
      ...wavesPlusargs(opts),
    };
    const sim = await runSimulation(
      build,
      plusargs,
      (line) => {
        if (!line.startsWith('SF_PROGRESS')) return;
        const { cycles, tasksDone } = parseProgressLine(line);
        if (task) task.update(cycles, `cycle ${cycles.toLocaleString('en-US')}${predicted ? ` of ~${predicted.toLocaleString('en-US')}` : ''}, ${tasksDone}/${program.tasks.length} tasks done`);
        else log(`cycle ${cycles}: ${tasksDone}/${program.tasks.length} tasks done`);
      },
      { cwd: work },
    ).finally(() => task?.end());
    // Interrupted while it simulated: nothing more is done or written (the signal handler ends
    // the command and removes the work folder, with any partial dump).
    if (interrupted()) throw new Error('interrupted');
    const report = parseSimOutput(sim.lines);
    // The trace and every final output, read back from simulated memory.
    let region: MemImage | undefined;
    let dumpProblem = report.done ? undefined : 'the simulation ended without dumping memory';
    try {
      if (report.done) region = parseMemDump(readFileSync(dumpPath, 'utf8'), cfg.busBytes, program.dumpBytes / cfg.busBytes, program.image.laneBytes, dumpLo);
    } catch (err) {
      if (!(err instanceof DumpError)) throw err;
      dumpProblem = err.message;
    }
    const results = evaluate(cfg, jobs, program, report, { region, dumpProblem }, { simulator: opts.sim, policy, staticGroup, memory: { ...memory, words: memWords }, budget }, boundCycles);
    results.timing = {
      compileSeconds,
      buildSeconds: build.buildSeconds,
      buildCached: build.cached,
      simSeconds: sim.seconds,
      simCyclesPerSecond: sim.seconds > 0 ? Math.round(results.cycles / sim.seconds) : 0,
    };
    const outFiles: FileMap = new Map();
    if (results.status === 'ok' || results.status === 'mismatch') {
      for (const cj of program.jobs) {
        const values = outputValues(program, cj, region!, cfg);
        const dtype = activationDtype(cj.job.model);
        const shape = outputShape(cj.job);
        outFiles.set(`outputs/${cj.job.name}.npy`, encodeNpy(makeTensor(dtype, shape, dtype === 'int8' ? Int8Array.from(values) : Int16Array.from(values))));
      }
    }
    // The waveform dump, if the run made one: none when the window opened after the run ended.
    const wavesName = opts.waves && wavesFileName(opts.waves);
    const wavesPath = wavesName && join(work, wavesName);
    const wavesBytes = wavesPath && existsSync(wavesPath) ? statSync(wavesPath).size : 0;
    // What replays the run: its inputs, plusargs and output, the sources, replay.sh.
    const replay = replayFiles({
      simulator: opts.sim,
      build: buildInput,
      buildName: build.name,
      cacheFromRun: relative(resolve(opts.out), resolve(cacheDir)),
      plusargs,
      waves: opts.waves,
      wavesDumped: wavesBytes > 0,
    });
    for (const [path, data] of replay) outFiles.set(path, data);
    outFiles.set(`${REPLAY_DIR}/faults.txt`, faultText);
    outFiles.set(`${REPLAY_DIR}/sim.log`, sim.lines.join('\n') + '\n');
    if (existsSync(dumpPath)) outFiles.set(`${REPLAY_DIR}/dump.hex`, readFileSync(dumpPath));
    // The image (up to a GiB) is moved in as the simulator read it, not written again.
    const moveIn = new Map<string, string>([[`${REPLAY_DIR}/image.bin`, join(work, 'image.bin')]]);
    if (opts.waves && wavesName && wavesPath) {
      // The summary says which (formatRunSummary): a dump, or none when the window opened
      // after the run ended (then results.json names no file: there is none).
      const dumped = wavesBytes > 0;
      if (dumped) {
        moveIn.set(wavesName, wavesPath);
        outFiles.set(GTKW_FILE, gtkwaveSaveFile(design, files, opts.sim, wavesName));
      }
      results.waves = { format: opts.waves, file: dumped ? wavesName : null, saveFile: dumped ? GTKW_FILE : null, from: opts.wavesFrom ?? 0, to: opts.wavesTo ?? null, bytes: wavesBytes };
    }
    outFiles.set('results.json', JSON.stringify(results, null, 2) + '\n');
    outFiles.set('report.html', await renderRunReport(reportInput(outFiles.get('results.json') as string)));
    writeOutputDir(opts.out, outFiles, 'run', outOptions, { moveIn, executable: [REPLAY_SCRIPT] });
    return results;
  }).finally(() => build.release());
}

/** The fast model's cycles for the program (undefined if it cannot say: the progress has no total then). */
function predictedCycles(program: Program, cfg: ResolvedConfig, policy: Policy, staticGroup: number, memory: MemorySettings): number | undefined {
  try {
    return Math.round(estimateProgram(program, cfg, { policy, staticGroup, latency: memory.latency, bytesPerCycle: memory.bytesPerCycle }).cycles);
  } catch {
    return undefined;
  }
}

/** Cycles between the testbench's progress lines: about a hundred over the predicted run (2 M without a prediction). */
export function progressInterval(predicted: number | undefined): number {
  if (!predicted) return 2_000_000;
  return Math.min(2_000_000, Math.max(10_000, Math.round(predicted / 100)));
}

/** SF_PROGRESS <cycles> <tasks done>. */
export function parseProgressLine(line: string): { cycles: number; tasksDone: number } {
  const [, cycles, done] = line.trim().split(/\s+/);
  return { cycles: Number(cycles), tasksDone: Number(done) };
}

/**
 * The report's input: results.json read back and checked as `synergyflow report` reads it, so
 * that both draw the same page. The run's own results failing the check is a bug.
 */
function reportInput(resultsJson: string): ReportResults {
  try {
    return checkResults(JSON.parse(resultsJson), 'results.json');
  } catch (err) {
    if (err instanceof InputError) throw new InternalError(`the run's results.json fails the report's checks: ${err.message}`);
    throw err;
  }
}

/** The program a run of these jobs executes under a policy. */
export function compileForPolicy(jobs: Job[], cfg: ResolvedConfig, policy: Policy, options: { maxImageBytes?: number; taskListOnly?: boolean } = {}): Program {
  return compileWorkload(jobs, cfg, { policy, ...options });
}

/** The memory model's settings of a run: the options, else the config's testbench defaults. */
export function memorySettings(opts: Pick<RunOptions, 'latency' | 'bytesPerCycle' | 'stallPercent' | 'seed' | 'faults'>, cfg: ResolvedConfig): MemorySettings {
  return {
    latency: opts.latency ?? cfg.testbench.latency,
    bytesPerCycle: opts.bytesPerCycle ?? cfg.testbench.bytesPerCycle ?? cfg.busBytes,
    stallPercent: opts.stallPercent ?? cfg.testbench.stallPercent,
    seed: opts.seed ?? 1,
    faults: opts.faults ?? NO_FAULTS,
  };
}

/** The cycle budget of a run: the option, else 20 times the longer of the bound and the compiler's estimate. */
export function cycleBudget(program: Program, boundCycles: number, budget?: number): number {
  const estimate = program.tasks.reduce((s, t) => s + t.estimatedCycles, 0);
  return budget ?? Math.ceil(20 * Math.max(boundCycles, estimate) + 200_000);
}

/**
 * The config the simulator's sources are generated from: a config file's path, which every
 * generated file's header names, replaced by the config's hash. The header is a comment, so the
 * same config at another path (a copy, a test's scratch folder) reuses the cached build.
 */
function simConfig(cfg: ResolvedConfig): ResolvedConfig {
  return cfg.source.startsWith('preset ') ? cfg : { ...cfg, source: `config ${cfg.hash}` };
}

/** The generated files the simulator compiles: RTL and the register header. */
function simSources(files: FileMap): FileMap {
  return new Map([...files].filter(([path]) => path.startsWith('rtl/') || path === 'sf_regs.vh'));
}

/**
 * The simulated memory's size in bus words for an image of `imageBytes`: the next power of two of
 * at least 1024 words. A run-time setting of the testbench (+mem_words), so it is not part of the
 * simulator build; accesses beyond it answer DECERR.
 */
export function memoryWords(imageBytes: number, busBytes: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1024, imageBytes / busBytes)));
}

/** The options whose ranges depend on the config. */
function checkRunOptions(staticGroup: number, memory: MemorySettings, cfg: ResolvedConfig): void {
  const problems = new ProblemList();
  if (!Number.isInteger(Math.log2(staticGroup)) || staticGroup > cfg.engines) {
    problems.addText('command line', '--static-group', `a power of two at most the engine count (${cfg.engines})`, String(staticGroup));
  }
  if (!Number.isInteger(memory.bytesPerCycle) || memory.bytesPerCycle < 1 || memory.bytesPerCycle > cfg.busBytes) {
    problems.addText('command line', '--bytes-per-cycle', `an integer from 1 to one beat (${cfg.busBytes} bytes on ${cfg.source})`, String(memory.bytesPerCycle));
  }
  problems.throwIfAny();
}

export function physicalBound(program: Program, cfg: ResolvedConfig, bytesPerCycle: number): number {
  return Math.ceil(Math.max(program.totalMacs / cfg.macs, program.compulsoryBytes / (bytesPerCycle * cfg.memory.channels)));
}

function wavesWindowText(opts: Pick<RunOptions, 'wavesFrom' | 'wavesTo'>): string {
  return `cycles ${opts.wavesFrom ?? 0} to ${opts.wavesTo ?? 'the end'}`;
}

/** [batch, out] after an fc layer, [batch, C, H, W] after a conv layer (model-format.md). */
function outputShape(job: Job): number[] {
  const last = job.model.layers[job.model.layers.length - 1];
  const shapes = layerShapes(job.model);
  return [job.batch, ...layerType(last).outputDims(last, shapes[shapes.length - 1])];
}

function outputValues(program: Program, cj: Program['jobs'][number], region: MemImage, cfg: ResolvedConfig): Int32Array {
  const layout = cj.acts[cj.acts.length - 1];
  return unpackActivations(region, layout, cfg.pe.tn, program.dumpBase);
}

function evaluate(
  cfg: ResolvedConfig,
  jobs: Job[],
  program: Program,
  report: SimReport,
  { region, dumpProblem }: { region?: MemImage; dumpProblem?: string },
  run: Pick<RunResults, 'simulator' | 'policy' | 'staticGroup' | 'memory' | 'budget'>,
  boundCycles: number,
): RunResults {
  const cycles = report.registers.CYCLES_LO + report.registers.CYCLES_HI * 2 ** 32;
  const base: RunResults = {
    status: 'ok',
    message: '',
    allMatch: false,
    config: { name: cfg.name, hash: cfg.hash, source: cfg.source, engines: cfg.engines, tn: cfg.pe.tn, tm: cfg.pe.tm, macs: cfg.macs, busBits: cfg.busBits, channels: cfg.memory.channels },
    ...run,
    cycles,
    totalMacs: program.totalMacs,
    peUtilization: cycles > 0 ? program.totalMacs / (cycles * cfg.macs) : 0,
    physicalBoundCycles: boundCycles,
    boundRatio: boundCycles > 0 ? cycles / boundCycles : 0,
    readBeats: report.registers.RD_BEATS,
    writeBeats: report.registers.WR_BEATS,
    jobs: [],
    engines: report.engines,
    channels: report.channels.map((c) => ({ ...c, readBytes: c.readBeats * cfg.busBytes, writeBytes: c.writeBeats * cfg.busBytes })),
    tasks: program.tasks.length,
    trace: [],
    timing: { compileSeconds: 0, buildSeconds: 0, buildCached: false, simSeconds: 0, simCyclesPerSecond: 0 },
  };
  // A run that never finished has no utilization or bound ratio: its cycle count is where the
  // counters stood (or nothing), not the work's length.
  const unfinished = { ...base, peUtilization: 0, boundRatio: 0 };
  if (report.protocol.length > 0) {
    const more = report.protocol.length > 3 ? ` (and ${report.protocol.length - 3} more)` : '';
    return { ...unfinished, status: 'hardware-error', message: `AXI protocol violation: ${report.protocol.slice(0, 3).join('; ')}${more}` };
  }
  if (report.fatal) return { ...unfinished, status: 'hardware-error', message: report.fatal };
  if (report.timeout) return { ...unfinished, status: 'timeout', message: `${report.timeout} (raise it with --budget)` };
  // Without a trace unit there are no records, and each job is credited with the whole run.
  const decoded = cfg.controller.trace && region ? decodeTrace(region, program, jobs, report.registers.TASKS_DONE, cfg) : { entries: [] };
  const errorCode = fieldValue(STATUS_FIELDS, 'ERROR_CODE', report.registers.STATUS);
  if (errorCode !== 0) {
    return {
      ...base,
      status: 'hardware-error',
      message: `the accelerator stopped with ${describeFault(errorCode)}; ${report.registers.TASKS_DONE} of ${program.tasks.length} tasks had completed (the trace lists them)`,
      trace: decoded.entries,
    };
  }
  if (!region) return { ...base, status: 'hardware-error', message: dumpProblem ?? 'no memory read back' };
  if (decoded.problem) return { ...base, status: 'hardware-error', message: `bad trace: ${decoded.problem}` };
  if (report.registers.TASKS_DONE !== program.tasks.length) {
    return { ...base, status: 'hardware-error', message: `the accelerator finished after ${report.registers.TASKS_DONE} tasks, but the task list has ${program.tasks.length}`, trace: decoded.entries };
  }
  const trace = decoded.entries;
  const jobResults: JobResult[] = program.jobs.map((cj) => {
    const golden = goldenForward(cj.job.model, cj.job.weights, cj.job.input);
    const expected = golden[golden.length - 1];
    const got = outputValues(program, cj, region, cfg);
    const shape = outputShape(cj.job);
    const { mismatches, firstMismatches } = compareOutputs(expected, got, shape);
    const mine = trace.filter((t) => t.job === cj.job.name);
    const startCycle = mine.length > 0 ? Math.min(...mine.map((t) => t.start)) : 0;
    const endCycle = mine.length > 0 ? Math.max(...mine.map((t) => t.end)) : cycles;
    return {
      name: cj.job.name,
      model: cj.job.model.name,
      batch: cj.job.batch,
      outputShape: shape,
      match: mismatches === 0,
      mismatches,
      firstMismatches,
      startCycle,
      endCycle,
      cycles: endCycle - startCycle,
    };
  });
  const allMatch = jobResults.every((r) => r.match);
  return {
    ...base,
    status: allMatch ? 'ok' : 'mismatch',
    message: allMatch ? 'every output matches the golden model' : `${jobResults.filter((r) => !r.match).map((r) => `${r.name}: ${r.mismatches} mismatching values`).join('; ')}`,
    allMatch,
    jobs: jobResults,
    trace,
  };
}

/** Element-by-element comparison; reports the count and the first few differences. */
export function compareOutputs(expected: ArrayLike<number>, got: ArrayLike<number>, shape: number[]): Pick<JobResult, 'mismatches' | 'firstMismatches'> {
  const firstMismatches: JobResult['firstMismatches'] = [];
  let mismatches = Math.abs(expected.length - got.length);
  for (let i = 0; i < Math.min(expected.length, got.length); i++) {
    if (expected[i] !== got[i]) {
      mismatches++;
      if (firstMismatches.length < 10) firstMismatches.push({ index: unravel(i, shape), expected: expected[i], got: got[i] });
    }
  }
  return { mismatches, firstMismatches };
}

/**
 * The trace records of the tasks the hardware says it completed (task index, engine mask, start
 * and end cycle), sorted by start. Read defensively: the hardware's word is checked, and the
 * first record that cannot be right (outside the trace area, an unknown task, an engine that
 * does not exist, an end before its start) stops decoding with a problem to report.
 */
export function decodeTrace(region: MemImage, program: Program, jobs: Job[], tasksDone: number, cfg: ResolvedConfig): { entries: TraceEntry[]; problem?: string } {
  const engineCount = cfg.engines;
  const params = hwParams(cfg);
  const entries: TraceEntry[] = [];
  const sorted = () => entries.sort((a, b) => a.start - b.start || a.task - b.task);
  const records = Math.min(tasksDone, program.tasks.length);
  for (let r = 0; r < records; r++) {
    const at = program.traceBase - program.dumpBase + r * program.traceBytes;
    if (at < 0 || at + TRACE_FIELD_BYTES > region.bytes.length) return { entries: sorted(), problem: `record ${r} lies outside the memory read back` };
    const { TASK: index, ENGINE_MASK: mask, START_CYCLE: start, END_CYCLE: end } = decodeTraceRecord((offset) => region.readU32(at + offset));
    const task = program.tasks[index];
    if (!task) return { entries: sorted(), problem: `record ${r} names task ${index}, but the task list has ${program.tasks.length} tasks` };
    const engines: number[] = [];
    for (let e = 0; e < 32; e++) if ((mask >>> e) & 1) engines.push(e);
    if (engines.length === 0 || engines.some((e) => e >= engineCount)) return { entries: sorted(), problem: `record ${r} (task ${index}) names engine mask ${mask.toString(2)}b, but there are ${engineCount} engines` };
    if (end < start) return { entries: sorted(), problem: `record ${r} (task ${index}) ends at cycle ${end}, before its start at ${start}` };
    entries.push({
      task: task.index,
      job: jobs[task.job].name,
      layer: jobs[task.job].model.layers[task.layer].name,
      images: [task.firstImage, task.firstImage + task.images - 1] as [number, number],
      engines,
      start,
      end,
      macs: task.macs,
      ...taskTraffic(program.descriptors[index], params, engines.length),
    });
  }
  return { entries: sorted() };
}

function unravel(index: number, shape: number[]): number[] {
  const out: number[] = new Array(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = index % shape[d];
    index = Math.floor(index / shape[d]);
  }
  return out;
}
