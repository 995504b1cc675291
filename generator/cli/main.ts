// The synergyflow command line. The only module that reads argv and sets exit codes.
import { Command, InvalidArgumentError, Option } from 'commander';
import { lintDesign } from '../tools/lint.ts';
import { loadConfig } from '../config/resolve.ts';
import { presetNames } from '../config/presets.ts';
import { generateFiles, writeFilesAtomically } from '../emit/generate.ts';
import { InputError } from '../errors.ts';
import { ElaborationError } from '../dsl/module.ts';
import { ToolError } from '../tools/exec.ts';
import { GENERATOR_VERSION } from '../version.ts';
import { runWorkload } from '../runner/run.ts';
import { formatRunSummary } from '../runner/summary.ts';
import { DEVICES } from '../fpga/devices.ts';
import { synthesize } from '../fpga/flow.ts';
import { formatSynthSummary } from '../fpga/summary.ts';

const intArg = (name: string, min = 0) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got "${value}"`);
  return n;
};

function configOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--preset <name>', `built-in configuration (${presetNames().join(', ')})`).conflicts('config'))
    .option('--config <file>', 'configuration JSON file (see README: config fields)');
}

const program = new Command()
  .name('synergyflow')
  .description('Generate, simulate and check SynergyFlow elastic DNN accelerators.')
  .version(GENERATOR_VERSION);

configOptions(program.command('generate').description('Generate the RTL, register map and file list for a configuration.'))
  .requiredOption('--out <dir>', 'output folder (replaced as a whole)')
  .action((opts: { preset?: string; config?: string; out: string }) => {
    const cfg = loadConfig(opts);
    const started = Date.now();
    const { files } = generateFiles(cfg);
    writeFilesAtomically(opts.out, files);
    console.log(`generated ${files.size} files for ${cfg.source} (${cfg.engines} engine(s), ${cfg.macs} MACs, config hash ${cfg.hash}) in ${Date.now() - started} ms -> ${opts.out}`);
  });

configOptions(program.command('lint').description('Generate a configuration and lint its RTL with verilator --lint-only -Wall.'))
  .action(async (opts: { preset?: string; config?: string }) => {
    const cfg = loadConfig(opts);
    const { files } = generateFiles(cfg);
    const warnings = await lintDesign(files);
    if (warnings.length > 0) {
      console.error(warnings.join('\n'));
      throw new ToolError(`${cfg.source}: ${warnings.length} Verilator warning(s)`);
    }
    console.log(`${cfg.source}: verilator --lint-only -Wall clean`);
  });

configOptions(program.command('run').description('Generate the accelerator, compile a workload, simulate it and check every output against the golden model.'))
  .requiredOption('--workload <file>', 'workload.json, or builtin:<model> (one job, batch 1, seed 0)')
  .addOption(new Option('--sim <simulator>', 'simulator').choices(['verilator', 'icarus']).default('verilator'))
  .requiredOption('--out <dir>', 'output folder for outputs/*.npy and results.json (replaced as a whole)')
  .addOption(new Option('--policy <policy>', 'scheduling policy of the controller').choices(['monolithic', 'static', 'elastic']).default('elastic'))
  .option('--static-group <engines>', 'engines per group under the static policy (a power of two; default half of them)', intArg('--static-group', 1))
  .option('--seed <n>', 'seed of the memory model\'s random stalls', intArg('--seed'), 1)
  .option('--latency <cycles>', 'memory read latency (default: the config\'s testbench.latency)', intArg('--latency', 1))
  .option('--bytes-per-cycle <n>', 'memory bandwidth per channel (default: one beat a cycle)', intArg('--bytes-per-cycle', 1))
  .option('--stall-percent <n>', 'random stalls on every memory channel, percent of cycles', intArg('--stall-percent'))
  .option('--budget <cycles>', 'cycle budget before the run is declared hung (default: 20x the estimate)', intArg('--budget', 1))
  .option('--quiet', 'print only the summary')
  .action(async (opts) => {
    const log = opts.quiet ? undefined : (m: string) => console.error(`[synergyflow] ${m}`);
    const results = await runWorkload({ ...opts, log });
    console.log(formatRunSummary(results));
    if (results.status !== 'ok') process.exitCode = 1;
  });

configOptions(program.command('synth').description('Synthesize a configuration with Yosys: netlist, log, utilization report and quality gates; place and route on iCE40.'))
  .addOption(new Option('--target <target>', 'FPGA family').choices(['xc7', 'ice40', 'generic']).makeOptionMandatory())
  .option('--device <name>', `device to compare the resources with (${DEVICES.map((d) => d.name).join(', ')}; default xc7vx690t or ice40up5k)`)
  .requiredOption('--out <dir>', 'output folder (replaced as a whole)')
  .addOption(new Option('--tools <source>', 'Yosys and nextpnr: the pinned npm (WebAssembly) builds or the system binaries').choices(['npm', 'system']).default('npm'))
  .option('--no-pnr', 'skip place and route (iCE40)')
  .addOption(new Option('--pnr-module <module>', 'place and route the whole accelerator, or one engine alone (its datapath timing, when the whole design is too big for the part)').choices(['top', 'engine']).default('top'))
  .option('--quiet', 'print only the summary')
  .action(async (opts) => {
    const log = opts.quiet ? undefined : (m: string) => console.error(`[synergyflow] ${m}`);
    const report = await synthesize({ ...opts, log });
    console.log(formatSynthSummary(report));
    if (!report.passed) process.exitCode = 1;
  });

program.showHelpAfterError();

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof InputError) {
    console.error(`error: ${err.problems.length === 1 ? 'invalid input' : `${err.problems.length} problems in the input`}:\n  ${err.message.split('\n').join('\n  ')}`);
    process.exitCode = 2;
  } else if (err instanceof ToolError || err instanceof ElaborationError) {
    console.error(`error: ${err.message}`);
    process.exitCode = 3;
  } else {
    throw err;
  }
}
