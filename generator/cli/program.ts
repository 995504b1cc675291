// The synergyflow commands: argv in, exit code out (generator/cli/exit-codes.ts), text to the
// given output. main.ts runs it as the process, with the signal handlers; tests run it in-process.
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
// Only light modules are imported up front, so that --version, --help and list start at once;
// each command imports what it needs (vega, onnx, bullmq, ioredis, onnxruntime, execa, zod) when it runs.
import { interruptCleanup, interrupted, onStopSignal } from '../cleanup.ts';
import { presetNames } from '../config/presets.ts';
import { BUDGET_RANGE, BYTES_PER_CYCLE_RANGE, CYCLE_RANGE, ENGINES_RANGE, LATENCY_RANGE, PERMILLE_RANGE, PNR_MODULES, SEED_RANGE, SIMULATORS, STALL_PERCENT_RANGE, SYNTH_TARGETS, TOOL_SOURCES } from '../config/ranges.ts';
import type { FileMap } from '../output-dir.ts';
import { GENERATOR_VERSION } from '../version.ts';
import { POLICIES, type Policy } from '../arch/policies.ts';
import { parseFaultRange, type FaultRange } from '../runner/fault-injection.ts';
import { DEVICES } from '../fpga/devices.ts';
import { WEIGHT_SCALES, type WeightScales } from '../import/weight-scales.ts';
import { InputError } from '../errors.ts';
import { progressBar } from './progress-bar.ts';
import { createProgress, isLiveTerminal } from './progress.ts';
import { cacheCommand, cacheDirOption, cacheMaxSizeOption, type CacheCliOptions } from './cache-command.ts';
import { DEFAULT_QUEUE } from '../queue/defaults.ts';
import type { RegressionOptions } from '../queue/regress.ts';
import type { JobSummary, RunSummary } from '../queue/spec.ts';
import type { QueueProgress } from '../queue/submit.ts';
import type { QueueWorker } from '../queue/worker.ts';
import { QueueJobsError } from '../queue/jobs-error.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXIT } from './exit-codes.ts';
import { describeFailure } from './failure.ts';

/** Where the commands write: stdout for results, stderr for progress and errors. */
export interface CliOutput {
  out: (text: string) => void;
  err: (text: string) => void;
  /** stderr is a terminal to draw live progress on (never in CI): see progress.ts. */
  live?: boolean;
}

const processOutput: CliOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  live: isLiveTerminal(),
};

/** A decimal integer option in [min, max]; anything else (1e3, 0x10, 1.5, out of range) is refused. */
const intArg = (name: string, min: number, max: number) => (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new InvalidArgumentError(`${name} must be a decimal integer from ${min} to ${max}, got "${value}"`);
  }
  return n;
};

const floatArg = (name: string) => (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got "${value}"`);
  return n;
};

const collectFault = (value: string, previous: FaultRange[] = []): FaultRange[] => {
  try {
    return [...previous, parseFaultRange(value)];
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

function configOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--preset <name>', `built-in configuration (${presetNames().join(', ')})`).conflicts('config'))
    .option('--config <file>', 'configuration JSON file (see README: config fields)');
}

const outHelp = 'output folder: new, empty, or one synergyflow wrote (replaced as a whole; see README: output folders)';
const forceHelp = 'replace the tool\'s own files in --out even when they were edited since (never files it did not write)';

/** The commands, writing to `output`; an action's result other than success sets `result.code`. */
function buildProgram(output: CliOutput, result: { code: number }): Command {
  const say = (text: string) => output.out(`${text}\n`);
  // Progress of builds, simulations and synthesis with an ETA, on stderr (live on a terminal).
  const reporter = (quiet?: boolean) => (quiet ? undefined : createProgress({ write: output.err, live: output.live ?? false }));
  // Neither --preset nor --config means the default preset: said, not silent.
  const configFor = async (opts: { preset?: string; config?: string }) => {
    if (opts.preset === undefined && opts.config === undefined) output.err('[synergyflow] no --preset or --config: using preset default\n');
    const { loadConfig } = await import('../config/resolve.ts');
    return loadConfig(opts);
  };
  const program = new Command()
    .name('synergyflow')
    .description('Generate, simulate and check SynergyFlow elastic DNN accelerators.')
    .version(GENERATOR_VERSION)
    .option('--debug', 'show stack traces of errors')
    // Set before the commands are added: they inherit both.
    .configureOutput({ writeOut: output.out, writeErr: output.err })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)');

  program.command('list').description('List the built-in configurations (presets) or models, with their sizes.')
    .addArgument(new Argument('<what>', 'presets or models').choices(['presets', 'models']))
    .action(async (what: 'presets' | 'models') => {
      if (what === 'presets') {
        const [{ resolveConfig }, { presets }] = await Promise.all([import('../config/resolve.ts'), import('../config/presets.ts')]);
        for (const name of presetNames()) {
          const c = resolveConfig(presets[name], `preset ${name}`);
          say(`${name.padEnd(8)} ${c.engines} engine(s) of ${c.pe.tn}x${c.pe.tm} MACs (${c.macs.toLocaleString('en-US')} MACs), ${c.dataBits}-bit, ${c.memory.channels} x ${c.busBits}-bit memory channel(s), ${c.clockMhz} MHz`);
        }
        return;
      }
      const [{ builtinModel, builtinModelNames }, { layerShapes }] = await Promise.all([import('../model/builtin.ts'), import('../model/model.ts')]);
      for (const name of builtinModelNames()) {
        const m = builtinModel(name);
        const macs = layerShapes(m).reduce((n, s) => n + s.macsPerImage, 0);
        say(`${name.padEnd(8)} input [${m.input.join(', ')}], ${m.layers.length} layers (${m.layers.map((l) => l.type).join(' ')}), ${(macs / 1e6).toFixed(1)} M MACs an image; use as builtin:${name}[:BATCH]`);
      }
    });

  configOptions(program.command('generate').description('Generate the RTL, register map and file list for a configuration.'))
    .requiredOption('--out <dir>', outHelp)
    .option('--force', forceHelp)
    .action(async (opts: { preset?: string; config?: string; out: string; force?: boolean }) => {
      const cfg = await configFor(opts);
      const [{ checkOutputDir, writeOutputDir }, { generateFiles }] = await Promise.all([import('../output-dir.ts'), import('../emit/generate.ts')]);
      const outOptions = { force: opts.force, inputs: opts.config ? [opts.config] : [] };
      checkOutputDir(opts.out, 'generate', outOptions);
      const started = Date.now();
      const { files } = generateFiles(cfg);
      writeOutputDir(opts.out, files, 'generate', outOptions);
      say(`generated ${files.size} files for ${cfg.source} (${cfg.engines} engine(s), ${cfg.macs} MACs, config hash ${cfg.hash}) in ${Date.now() - started} ms -> ${opts.out}`);
    });

  configOptions(program.command('lint').description('Generate a configuration and lint its RTL with verilator --lint-only -Wall.'))
    .action(async (opts: { preset?: string; config?: string }) => {
      const cfg = await configFor(opts);
      const [{ generateFiles }, { lintDesign }] = await Promise.all([import('../emit/generate.ts'), import('../tools/lint.ts')]);
      const { files } = generateFiles(cfg);
      const warnings = await lintDesign(files);
      if (warnings.length > 0) {
        // Verilator ran; the design it checked is wrong.
        output.err(`${warnings.join('\n')}\n${cfg.source}: ${warnings.length} Verilator warning(s)\n`);
        result.code = EXIT.failed;
        return;
      }
      say(`${cfg.source}: verilator --lint-only -Wall clean`);
    });

  configOptions(program.command('run').description('Generate the accelerator, compile a workload, simulate it and check every output against the golden model.'))
    .requiredOption('--workload <file>', 'workload.json, or builtin:<model>[:<batch>] (one job, seed 0)')
    .addOption(new Option('--sim <simulator>', 'simulator').choices(SIMULATORS).default('verilator'))
    .requiredOption('--out <dir>', `${outHelp}; gets outputs/*.npy, results.json, report.html, and replay.sh with sim/ (what replays the simulation; see README: waveforms and replay)`)
    .option('--force', forceHelp)
    .addOption(new Option('--policy <policy>', 'scheduling policy of the controller').choices(POLICIES).default('elastic'))
    .option('--static-group <engines>', 'engines per group under the static policy (a power of two, at most the engines; default half of them)', intArg('--static-group', ENGINES_RANGE.min, ENGINES_RANGE.max))
    .option('--seed <n>', 'seed of the memory model\'s random stalls and faults', intArg('--seed', SEED_RANGE.min, SEED_RANGE.max), 1)
    .option('--latency <cycles>', 'memory read latency (default: the config\'s testbench.latency)', intArg('--latency', LATENCY_RANGE.min, LATENCY_RANGE.max))
    .option('--bytes-per-cycle <n>', 'memory bandwidth per channel, at most one beat (default: one beat a cycle)', intArg('--bytes-per-cycle', BYTES_PER_CYCLE_RANGE.min, BYTES_PER_CYCLE_RANGE.max))
    .option('--stall-percent <n>', 'random stalls on every memory channel and the host port, percent of cycles', intArg('--stall-percent', STALL_PERCENT_RANGE.min, STALL_PERCENT_RANGE.max))
    .option('--budget <cycles>', 'cycle budget before the run is declared hung (default: 20x the estimate)', intArg('--budget', BUDGET_RANGE.min, BUDGET_RANGE.max))
    .option('--fault <range>', 'answer reads or writes of a byte range with an error: read|write:LO-HI[:slverr|decerr] (repeatable, up to 8)', collectFault)
    .option('--fault-read-permille <n>', 'answer this share of read bursts with SLVERR, at random from --seed', intArg('--fault-read-permille', PERMILLE_RANGE.min, PERMILLE_RANGE.max), 0)
    .option('--fault-write-permille <n>', 'answer this share of write bursts with SLVERR, at random from --seed', intArg('--fault-write-permille', PERMILLE_RANGE.min, PERMILLE_RANGE.max), 0)
    .option('--allow-large', 'run a workload beyond the cost guards (see README: limits)')
    .option('--waves [format]', 'dump the whole design\'s waveforms to DIR/waves.<format> (fst, the default, or vcd), with a GTKWave save file DIR/waves.gtkw')
    .option('--waves-from <cycle>', 'with --waves: start the dump at this cycle of the run (as the trace counts them; default 0, from reset)', intArg('--waves-from', CYCLE_RANGE.min, CYCLE_RANGE.max))
    .option('--waves-to <cycle>', 'with --waves: end the dump after this cycle of the run (default: the end)', intArg('--waves-to', CYCLE_RANGE.min, CYCLE_RANGE.max))
    .option('--quiet', 'print only the summary')
    .addOption(cacheDirOption()).addOption(cacheMaxSizeOption())
    .action(async (opts) => {
      const faults = { ranges: opts.fault ?? [], readPerMille: opts.faultReadPermille, writePerMille: opts.faultWritePermille };
      // --waves alone means FST; its format and window are checked with the rest, before any work.
      const waves = opts.waves === true ? 'fst' : opts.waves;
      const cfg = await configFor(opts);
      const [{ generateFiles }, { runWorkload }, { formatRunSummary }] = await Promise.all([import('../emit/generate.ts'), import('../runner/run.ts'), import('../runner/summary.ts')]);
      const results = await runWorkload({ ...opts, waves, maxCacheBytes: opts.cacheMaxSize, generated: generateFiles(cfg), faults, progress: reporter(opts.quiet) });
      say(formatRunSummary(results));
      if (results.status !== 'ok') result.code = EXIT.failed;
    });

  configOptions(program.command('compile').description('Compile a workload and export the program for a host: memory image, task list, program.json, register values, expected outputs, and the C headers sf_hw.h and sf_program.h for the driver of sw/.'))
    .requiredOption('--workload <file>', 'workload.json, or builtin:<model>[:<batch>] (one job, seed 0)')
    .requiredOption('--out <dir>', `${outHelp}; gets image.bin, tasks.bin, tasks.json, program.json, expected/, sf_hw.h and sf_program.h`)
    .option('--force', forceHelp)
    .addOption(new Option('--policy <policy>', 'scheduling policy the program is compiled for and started with').choices(POLICIES).default('elastic'))
    .option('--static-group <engines>', 'engines per group under the static policy (a power of two, at most the engines; default half of them)', intArg('--static-group', ENGINES_RANGE.min, ENGINES_RANGE.max))
    .option('--allow-large', 'compile a workload beyond the cost guards (see README: limits)')
    .option('--quiet', 'print only the summary')
    .action(async (opts: { preset?: string; config?: string; workload: string; out: string; force?: boolean; policy: Policy; staticGroup?: number; allowLarge?: boolean; quiet?: boolean }) => {
      const started = Date.now();
      const log = reporter(opts.quiet);
      const cfg = await configFor(opts);
      const { exportProgram } = await import('../compiler/export.ts');
      const { program } = await exportProgram({ ...opts, cfg, log: log && ((m: string) => log.log(m)) });
      say(`compiled ${program.jobs.length} job(s) (${program.jobs.map((j) => `${j.name}: ${j.model} x${j.batch}`).join(', ')}) into ${program.taskList.count} tasks for ${program.config.source} under ${program.policy}: ` +
        `${program.image.bytes.toLocaleString('en-US')} bytes of memory image, expected outputs from the golden model, in ${Date.now() - started} ms -> ${opts.out}`);
    });

  program.command('report').description('Render the run report (report.html, as every run writes) from a results.json; --compare draws two runs on one time axis.')
    .argument('<results.json...>', 'a run\'s results.json (two with --compare)')
    .option('--compare', 'draw two runs (e.g. monolithic and elastic) one above the other on the same time axis')
    .option('--out <file>', 'the HTML file to write: a new path, or a report synergyflow wrote (never any other file)', 'report.html')
    .option('--force', 'replace a report synergyflow wrote even when it was edited since')
    .action(async (files: string[], opts: { compare?: boolean; out: string; force?: boolean }) => {
      const wanted = opts.compare ? 2 : 1;
      if (files.length !== wanted) {
        throw new InputError([{ file: 'command line', field: '<results.json>', expected: opts.compare ? 'two results files with --compare' : 'one results file (two with --compare)', found: `${files.length}` }]);
      }
      const outOptions = { force: opts.force, inputs: files };
      const [{ checkOutputFile, writeOutputFile }, { readResultsFile }, { renderComparison, renderRunReport }] = await Promise.all([import('../output-file.ts'), import('../report/results-file.ts'), import('../report/report.ts')]);
      checkOutputFile(opts.out, outOptions);
      const started = performance.now();
      const results = files.map(readResultsFile);
      const html = results.length === 2 ? await renderComparison(results[0], results[1]) : await renderRunReport(results[0]);
      writeOutputFile(opts.out, html, outOptions);
      say(`${opts.compare ? 'comparison' : 'report'} of ${files.join(' and ')} (${(html.length / 1024).toFixed(0)} KiB) in ${Math.round(performance.now() - started)} ms -> ${opts.out}`);
    });

  program.command('import').description('Import an ONNX model (QDQ, QONNX, or float with calibration data) as model.json and weights, with a report.')
    .argument('<model.onnx>', 'the ONNX model file')
    .requiredOption('--out <dir>', `${outHelp}; gets model.json, weights/, import-report.md (and with --calibration sample-input.npy and workload.json)`)
    .option('--calibration <X.npy>', 'float images [N, ...the graph\'s input shape]: quantizes a float model, and checks the import against onnxruntime')
    .addOption(new Option('--bits <n>', 'activation and weight width of a float model (a quantized model keeps its own)').choices(['8', '16']).default('8'))
    .addOption(new Option('--weight-scales <mode>', 'weight scales of a float model: a power of two per output channel (model.json shifts) or one per layer (a quantized model keeps its own)').choices([...WEIGHT_SCALES]).default('per-channel'))
    .option('--force', forceHelp)
    .action(async (onnx: string, opts: { out: string; calibration?: string; bits: string; weightScales: WeightScales; force?: boolean }) => {
      const outOptions = { force: opts.force, inputs: [onnx, ...(opts.calibration ? [opts.calibration] : [])] };
      const [{ checkOutputDir, writeOutputDir }, { importOnnx }] = await Promise.all([import('../output-dir.ts'), import('../import/import.ts')]);
      checkOutputDir(opts.out, 'import', outOptions);
      const imported = await importOnnx({ onnx, calibration: opts.calibration, bits: Number(opts.bits) as 8 | 16, weightScales: opts.weightScales });
      writeOutputDir(opts.out, imported.files, 'import', outOptions);
      say(`${imported.summary} -> ${opts.out}`);
    });

  configOptions(program.command('eval').description('Accuracy of a model on a labelled data set with the golden model (no simulation); --sim N checks the first N images on the accelerator.'))
    .requiredOption('--model <dir>', 'a model folder (model.json and weights/, as import writes) or a model.json')
    .option('--weights <dir>', 'the weights folder (default: weights/ beside model.json)')
    .requiredOption('--data <X.npy>', 'images [N, C, H, W]: float (quantized with the model\'s scales.input) or the model\'s integers')
    .requiredOption('--labels <Y.npy>', 'class indices [N]')
    .option('--data-scale <factor>', 'multiply the data by this before quantizing (e.g. 0.00392156862745098 for 0-255 pixels of a model trained on [0, 1])', floatArg('--data-scale'))
    .option('--limit <n>', 'evaluate the first N images only', intArg('--limit', 1, Number.MAX_SAFE_INTEGER))
    .option('--sim <images>', 'also run the first N images on the accelerator and compare', intArg('--sim', 1, 100000))
    .addOption(new Option('--simulator <simulator>', 'simulator of --sim').choices(SIMULATORS).default('verilator'))
    .option('--out <dir>', `${outHelp}; with --sim, gets the run's outputs and results.json`)
    .option('--force', forceHelp)
    .option('--quiet', 'print only the summary')
    .addOption(cacheDirOption()).addOption(cacheMaxSizeOption())
    .action(async (opts) => {
      if (opts.sim !== undefined && !opts.out) throw new InputError([{ file: 'command line', field: '--out', expected: 'a folder for the simulated run of --sim', found: 'none' }]);
      if (opts.sim !== undefined && !opts.preset && !opts.config) throw new InputError([{ file: 'command line', field: '--preset', expected: 'the accelerator of --sim (--preset NAME or --config FILE)', found: 'none' }]);
      const [{ checkOutputDir }, { evaluate, loadEvalInputs, simulateSample }, { generateFiles }] = await Promise.all([import('../output-dir.ts'), import('../eval/eval.ts'), import('../emit/generate.ts')]);
      const inputs = loadEvalInputs(opts);
      const outOptions = { force: opts.force, inputs: [opts.model, opts.data, opts.labels, ...(opts.weights ? [opts.weights] : [])] };
      // --sim's run folder is written by runWorkload, as synergyflow run's.
      if (opts.out) checkOutputDir(opts.out, 'run', outOptions);
      // The accelerator is checked before the golden run, so a bad config is refused at once.
      const generated = opts.sim === undefined ? undefined : generateFiles(await configFor(opts));
      const golden = evaluate(inputs, { progress: opts.quiet ? undefined : progressBar(output.err, 'golden model:') });
      say(`${golden.model}: ${(golden.accuracy * 100).toFixed(2)}% (${golden.correct} of ${golden.images} images) with the golden model, ${golden.seconds.toFixed(1)} s`);
      if (!generated) return;
      const [{ runWorkload }, { readNpy }] = await Promise.all([import('../runner/run.ts'), import('../model/npy.ts')]);
      const check = await simulateSample(inputs, opts, opts.sim, async (workload) => {
        const results = await runWorkload({ ...opts, maxCacheBytes: opts.cacheMaxSize, workload, sim: opts.simulator, generated, progress: reporter(opts.quiet) });
        const file = join(opts.out, 'outputs', 'eval.npy');
        return { ...results, outputs: new Map(existsSync(file) ? [['eval', readNpy(file)]] : []) };
      });
      say(`accelerator (${generated.design.cfg.source}, ${opts.simulator}): ${check.images} images, ${check.cycles.toLocaleString('en-US')} cycles, ` +
        `${check.allMatch ? 'every output equal to the golden model' : `status ${check.status}: outputs differ from the golden model`}; ${check.correct} of ${check.images} correct`);
      if (!check.allMatch) result.code = EXIT.failed;
    });

  configOptions(program.command('estimate').description('Predict the cycles of a workload under each policy with the fast cycle model (no RTL; milliseconds).'))
    .requiredOption('--workload <file>', 'workload.json, or builtin:<model>[:<batch>] (one job, seed 0)')
    .addOption(new Option('--policy <policy>', 'scheduling policy, or all of them').choices([...POLICIES, 'all']).default('all'))
    .option('--static-group <engines>', 'engines per group under the static policy (a power of two, at most the engines; default half of them)', intArg('--static-group', ENGINES_RANGE.min, ENGINES_RANGE.max))
    .option('--latency <cycles>', 'memory read latency (default: the config\'s testbench.latency)', intArg('--latency', LATENCY_RANGE.min, LATENCY_RANGE.max))
    .option('--bytes-per-cycle <n>', 'memory bandwidth per channel, at most one beat (default: one beat a cycle)', intArg('--bytes-per-cycle', BYTES_PER_CYCLE_RANGE.min, BYTES_PER_CYCLE_RANGE.max))
    .option('--allow-large', 'estimate a workload beyond the cost guards (see README: limits)')
    .option('--json', 'print the estimates as JSON')
    .option('--out <dir>', 'also write, per policy, estimate-<policy>.json (results.json\'s format, every task\'s predicted span) and report-<policy>.html (the run report of the prediction)')
    .option('--force', forceHelp)
    .action(async (opts) => {
      const cfg = await configFor(opts);
      const [{ checkOutputDir, writeOutputDir }, { loadWorkloadRef }, { memorySettings }, { estimateWorkload }, { formatEstimates }] = await Promise.all([
        import('../output-dir.ts'), import('../model/workload.ts'), import('../runner/run.ts'), import('../estimate/estimate.ts'), import('../estimate/summary.ts'),
      ]);
      const outOptions = { force: opts.force, inputs: [opts.config, opts.workload.startsWith('builtin:') ? undefined : opts.workload].filter((f): f is string => f !== undefined) };
      if (opts.out !== undefined) checkOutputDir(opts.out, 'estimate', outOptions);
      const jobs = loadWorkloadRef(opts.workload, { allowLarge: opts.allowLarge });
      const memory = memorySettings(opts, cfg);
      const policies = opts.policy === 'all' ? POLICIES : [opts.policy as Policy];
      const estimates = estimateWorkload(jobs, cfg, policies, memory, opts.staticGroup, { withResults: opts.out !== undefined });
      if (opts.out !== undefined) {
        const { renderRunReport } = await import('../report/report.ts');
        const files: FileMap = new Map();
        for (const e of estimates) {
          files.set(`estimate-${e.policy}.json`, JSON.stringify(e.results, null, 2) + '\n');
          files.set(`report-${e.policy}.html`, await renderRunReport(e.results!));
          delete e.results;
        }
        writeOutputDir(opts.out, files, 'estimate', outOptions);
      }
      say(opts.json ? JSON.stringify({ workload: opts.workload, config: cfg.source, memory, estimates }, null, 2) : formatEstimates(opts.workload, cfg, estimates));
      if (opts.out !== undefined && !opts.json) say(`predicted runs and their reports: ${opts.out}/estimate-<policy>.json, ${opts.out}/report-<policy>.html`);
    });

  program.command('explore').description('Design-space sweep: every configuration x policy of SPACE.json through the fast cycle model (on every core) and the resource model; Pareto fronts of throughput against DSPs and LUTs per device.')
    .requiredOption('--workload <file>', 'workload.json, or builtin:<model>[:<batch>] (one job, seed 0)')
    .requiredOption('--space <file>', 'the design space (README: Design-space exploration)')
    .option('--threads <n>', 'worker threads (default: every core)', intArg('--threads', 1, 256))
    .option('--out <dir>', `${outHelp}; gets explore.json (every point) and pareto.html (the fronts, charts and tables)`)
    .option('--force', forceHelp)
    .option('--quiet', 'no progress on stderr')
    .option('--confirm <n>', 'then simulate the n fastest points of the last device\'s front in RTL on the job queue (needs --redis)', intArg('--confirm', 1, 100))
    .option('--confirm-synth', 'with --confirm, also synthesize them (xc7, the last device)')
    .option('--redis <url>', 'the job queue\'s Redis server for --confirm, e.g. redis://HOST:6379')
    .option('--queue <name>', 'the queue the workers serve', DEFAULT_QUEUE)
    .option('--local', 'with --confirm, also run a queue worker in this process')
    .action(async (opts: { workload: string; space: string; threads?: number; out?: string; force?: boolean; quiet?: boolean; confirm?: number; confirmSynth?: boolean; redis?: string; queue: string; local?: boolean }) => {
      if (opts.confirm !== undefined && opts.redis === undefined) {
        throw new InputError([{ file: 'command line', field: '--confirm', expected: '--redis URL too (the job queue that runs the confirmations; --local serves it from this process)', found: 'no --redis' }]);
      }
      const outOptions = { force: opts.force, inputs: [opts.space, ...(opts.workload.startsWith('builtin:') ? [] : [opts.workload])] };
      const [{ checkOutputDir, writeOutputDir }, { loadWorkloadRef }, { explore }, { formatExploration, renderExplorePage }, { outsideCalibration, predictResources }, { loadSpaceFile }] = await Promise.all([
        import('../output-dir.ts'), import('../model/workload.ts'), import('../explore/explore.ts'), import('../explore/explore-page.ts'), import('../explore/resource-model.ts'), import('../explore/space.ts'),
      ]);
      if (opts.out !== undefined) checkOutputDir(opts.out, 'explore', outOptions);
      const space = loadSpaceFile(opts.space);
      loadWorkloadRef(opts.workload);
      const x = await explore(opts.workload, space, (cfg) => predictResources(cfg), {
        threads: opts.threads,
        outsideCalibration: (cfg) => outsideCalibration(cfg),
        onProgress: opts.quiet ? undefined : progressBar(output.err, 'points:'),
      });
      if (opts.out !== undefined) {
        const files: FileMap = new Map([['explore.json', JSON.stringify(x, null, 2) + '\n'], ['pareto.html', await renderExplorePage(x)]]);
        writeOutputDir(opts.out, files, 'explore', outOptions);
      }
      say(formatExploration(x));
      if (opts.out !== undefined) say(`every point: ${opts.out}/explore.json; fronts and charts: ${opts.out}/pareto.html`);
      if (opts.confirm !== undefined) {
        const [{ startWorker, describeSummary }, { confirmPoints, formatConfirmations, pointsToConfirm }] = await Promise.all([import('../queue/worker.ts'), import('../explore/confirm.ts')]);
        const worker = opts.local ? await startWorker({ redisUrl: opts.redis!, queue: opts.queue, concurrency: 1 }) : undefined;
        try {
          const confirmed = await confirmPoints(x, space, pointsToConfirm(x, opts.confirm), {
            redisUrl: opts.redis!, queue: opts.queue, synth: Boolean(opts.confirmSynth),
            onProgress: opts.quiet ? undefined : (event) => output.err(`[synergyflow] ${describeProgress(event, describeSummary)}\n`),
          });
          say(formatConfirmations(confirmed));
          if (confirmed.some((c) => !c.run.allMatch)) result.code = EXIT.failed;
        } finally {
          await worker?.close();
        }
      }
    });

  configOptions(program.command('synth').description('Synthesize a configuration with Yosys: netlist, log, utilization report and quality gates; place and route on iCE40.'))
    .addOption(new Option('--target <target>', 'FPGA family').choices(SYNTH_TARGETS).makeOptionMandatory())
    .option('--device <name>', `device to compare the resources with (${DEVICES.map((d) => d.name).join(', ')}; default xc7vx690t or ice40up5k)`)
    .requiredOption('--out <dir>', outHelp)
    .option('--force', forceHelp)
    .addOption(new Option('--tools <source>', 'Yosys and nextpnr: the pinned npm (WebAssembly) builds, optional dependencies (the system\'s on PATH when they are not installed), or the system binaries').choices(TOOL_SOURCES).default('npm'))
    .option('--no-pnr', 'skip place and route (iCE40)')
    .addOption(new Option('--pnr-module <module>', 'place and route the whole accelerator, or one engine alone (its datapath timing, when the whole design is too big for the part)').choices(PNR_MODULES).default('top'))
    .option('--quiet', 'print only the summary')
    .action(async (opts) => {
      const cfg = await configFor(opts);
      const [{ generateFiles }, { synthesize }, { formatSynthSummary }] = await Promise.all([import('../emit/generate.ts'), import('../fpga/flow.ts'), import('../fpga/summary.ts')]);
      const report = await synthesize({ ...opts, generated: generateFiles(cfg), progress: reporter(opts.quiet) });
      say(formatSynthSummary(report));
      if (!report.passed) result.code = EXIT.failed;
    });
  program.command('worker').description('Serve a job queue on Redis: take runs and syntheses from it and run them here, until SIGINT or SIGTERM (active jobs then go back to the queue).')
    .requiredOption('--redis <url>', 'the Redis server of the queue, e.g. redis://HOST:6379')
    .option('--queue <name>', 'the queue to serve', DEFAULT_QUEUE)
    .option('--concurrency <n>', 'jobs run at once (a simulation keeps a core busy)', intArg('--concurrency', 1, 64), 1)
    .option('--work-dir <dir>', 'folder for the jobs\' files (each job a fresh folder in it, removed after; default a temporary folder)')
    .option('--lock-seconds <s>', 'how long a job stays locked to this worker without a renewal: how soon another worker takes over the jobs of a worker that died', intArg('--lock-seconds', 1, 3600), 30)
    .option('--verbose', 'also print each job\'s own progress')
    .addOption(cacheDirOption()).addOption(cacheMaxSizeOption())
    .action(async (opts: { redis: string; queue: string; concurrency: number; workDir?: string; lockSeconds: number; verbose?: boolean } & CacheCliOptions) => {
      const log = (m: string) => output.err(`[synergyflow] ${m}\n`);
      const { startWorker } = await import('../queue/worker.ts');
      const worker = await startWorker({ ...workerCache(opts), redisUrl: opts.redis, queue: opts.queue, concurrency: opts.concurrency, workDir: opts.workDir, lockMs: opts.lockSeconds * 1000, log, verbose: opts.verbose });
      log(`worker ${worker.name} serving queue '${opts.queue}' on ${opts.redis}, ${opts.concurrency} job(s) at once, work dir ${worker.workDir}; Ctrl-C stops it (active jobs go back to the queue)`);
      await new Promise<void>((resolve) => {
        const forget = onStopSignal((signal) => {
          log(`${signal}: stopping; handing active jobs back to the queue`);
          // The interrupt clean-up ends the jobs' simulators and removes their temporary files.
          void worker.handBack(() => interruptCleanup()).finally(() => {
            forget();
            resolve();
          });
        });
      });
      const { done, failed, handedBack } = worker.counts;
      say(`worker ${worker.name} stopped: ${done} job(s) done, ${failed} failed, ${handedBack} handed back to the queue`);
    });

  configOptions(program.command('regress').description('Regression on a Redis job queue: N random workloads, each simulated by a worker and checked bit for bit; exit 1 unless every one is bit-exact.'))
    .requiredOption('--redis <url>', 'the Redis server of the queue, e.g. redis://HOST:6379')
    .requiredOption('--seeds <n>', 'random workloads to run', intArg('--seeds', 1, 100_000))
    .option('--first-seed <n>', 'seed of the first workload (the others follow it)', intArg('--first-seed', 0, 2 ** 32 - 100_001), 1)
    .option('--jobs <n>', 'jobs in each random workload', intArg('--jobs', 1, 8), 2)
    .addOption(new Option('--policy <policy>', 'scheduling policy of the controller').choices(POLICIES).default('elastic'))
    .addOption(new Option('--sim <simulator>', 'simulator').choices(SIMULATORS).default('verilator'))
    .option('--stall-percent <n>', 'random stalls on the memory channels (each run\'s seed drives them)', intArg('--stall-percent', STALL_PERCENT_RANGE.min, STALL_PERCENT_RANGE.max), 10)
    .option('--queue <name>', 'the queue the workers serve', DEFAULT_QUEUE)
    .option('--timeout <seconds>', 'give up (exit 3) when the queue has not finished by then; unstarted runs are withdrawn', intArg('--timeout', 1, 7 * 24 * 3600), 3600)
    .option('--local', 'also run a worker in this process (with --concurrency, --work-dir)')
    .option('--concurrency <n>', 'jobs the --local worker runs at once', intArg('--concurrency', 1, 64), 1)
    .option('--work-dir <dir>', 'folder for the --local worker\'s job files (default a temporary folder)')
    .option('--quiet', 'print only the tally')
    .addOption(cacheDirOption(' (of the --local worker\'s runs)')).addOption(cacheMaxSizeOption())
    .action(async (opts) => {
      const regression = await regressionOptions(opts);
      const log = (m: string) => output.err(`[synergyflow] ${m}\n`);
      const [{ startWorker, describeSummary }, { runOnQueue }, { formatRegression, regressionJobs, tallyRegression }] = await Promise.all([
        import('../queue/worker.ts'), import('../queue/submit.ts'), import('../queue/regress.ts'),
      ]);
      const worker: QueueWorker | undefined = opts.local
        ? await startWorker({ ...workerCache(opts), redisUrl: opts.redis, queue: opts.queue, concurrency: opts.concurrency, workDir: opts.workDir })
        : undefined;
      const started = performance.now();
      let summaries: (RunSummary | undefined)[];
      try {
        summaries = (await runOnQueue(opts.redis, regressionJobs(regression), {
          queue: opts.queue,
          timeoutMs: opts.timeout * 1000,
          onProgress: opts.quiet ? undefined : (event) => log(describeProgress(event, describeSummary)),
        })) as RunSummary[];
      } catch (err) {
        // Some runs failed to run at all: tally the others, then report the failures.
        if (err instanceof QueueJobsError) say(formatRegression(regression, tallyRegression(regression, err.summaries as (RunSummary | undefined)[]), (performance.now() - started) / 1000));
        throw err;
      } finally {
        await worker?.close();
      }
      const tally = tallyRegression(regression, summaries);
      say(formatRegression(regression, tally, (performance.now() - started) / 1000));
      if (tally.bitExact !== tally.total) result.code = EXIT.failed;
    });
  cacheCommand(program, say);
  return program;
}

/** A worker's cache options: the folder absolute for the jobs' commands (startWorker checks and
 * makes it once the worker's other options have passed). */
function workerCache(opts: CacheCliOptions): { cacheDir?: string; maxCacheBytes?: number } {
  return { cacheDir: opts.cacheDir !== undefined ? resolve(opts.cacheDir) : undefined, maxCacheBytes: opts.cacheMaxSize };
}

/** The regression's design (a preset, or a config file sent as its object) and run settings. */
async function regressionOptions(opts: { preset?: string; config?: string; seeds: number; firstSeed: number; jobs: number; policy: Policy; sim: 'verilator' | 'icarus'; stallPercent: number }): Promise<RegressionOptions> {
  // Checked here, so that a bad config is refused before anything is queued.
  const { loadConfig } = await import('../config/resolve.ts');
  const cfg = loadConfig(opts);
  const config = opts.config ? (JSON.parse(readFileSync(opts.config, 'utf8')) as Record<string, unknown>) : (opts.preset ?? 'default');
  return { config, design: cfg.source, seeds: opts.seeds, firstSeed: opts.firstSeed, jobs: opts.jobs, policy: opts.policy, sim: opts.sim, stallPercent: opts.stallPercent };
}

function describeProgress(event: QueueProgress, describeSummary: (summary: JobSummary) => string): string {
  switch (event.type) {
    case 'queued':
      return `queued ${event.total} run(s) on queue '${event.queue}': ${event.workers} worker(s) connected${event.workers === 0 ? ' (none yet: start one with synergyflow worker --redis URL)' : ''}`;
    case 'started':
      return `${event.label}: started`;
    case 'finished':
      return `${event.done + event.failed}/${event.total} ${event.label}: ${describeSummary(event.summary)}`;
    case 'failed':
      return `${event.done + event.failed}/${event.total} ${event.label}: FAILED: ${event.error}`;
  }
}

/** Runs one command line (argv as process.argv: node, script, arguments); returns its exit code. */
export async function runCli(argv: string[], output: CliOutput = processOutput): Promise<number> {
  const result = { code: EXIT.ok as number };
  try {
    await buildProgram(output, result).parseAsync(argv);
    return result.code;
  } catch (err) {
    // Interrupted: the signal handler reports and sets the code; the error is the interrupt's doing.
    if (interrupted()) return result.code;
    const failure = describeFailure(err, argv.includes('--debug'));
    if (failure.message) output.err(`${failure.message}\n`);
    return failure.code;
  }
}
