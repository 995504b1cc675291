// Runs one queue job on this machine as the synergyflow command a user would type (run or
// synth), in a fresh folder of the worker's work dir, and boils its results file down to a small
// JSON summary. A process of its own, not a call in the worker: a job's synchronous work (Yosys
// in WebAssembly, a large golden model) would otherwise hold up the worker's lock renewals until
// the queue took the job for stalled and gave it to another worker while it still ran; and an
// interrupt ends the job's process with everything it started.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { removeOnInterrupt } from '../cleanup.ts';
import { InternalError } from '../errors.ts';
import { packagePath } from '../paths.ts';
import { EXIT } from '../cli/exit-codes.ts';
import { writeRandomWorkload } from '../model/random-model.ts';
import type { RunResults } from '../runner/run.ts';
import type { SynthReport } from '../fpga/flow.ts';
import { runToolForStatus, type ToolStatus } from '../tools/exec.ts';
import { JobCommandError, type FailureKind } from './job-data.ts';
import { parseRandomRef, type JobSpec, type JobSummary, type RunJobSpec, type RunSummary, type SynthJobSpec, type SynthSummary } from './spec.ts';

export interface ExecuteOptions {
  /** The worker's folder: each job gets a fresh folder in it. */
  workDir: string;
  /** The job's name in folder names (letters, digits, - and _ are kept). */
  id: string;
  /** The worker's name, for the summary. */
  worker: string;
  /** The simulator cache for runs (an absolute path) and its size limit in bytes (default: the user's, 4 GiB). */
  cacheDir?: string;
  maxCacheBytes?: number;
  /** The command's own progress lines (without them, it runs --quiet). */
  log?: (message: string) => void;
}

/** This process as a worker name: the host, so that summaries show which machine ran what. */
export const WORKER_NAME = `${hostname()}:${process.pid}`;

const CLI = packagePath('bin/synergyflow.js');


export async function executeJob(spec: JobSpec, opts: ExecuteOptions): Promise<JobSummary> {
  const started = performance.now();
  mkdirSync(opts.workDir, { recursive: true });
  const dir = mkdtempSync(join(opts.workDir, `${opts.id.replace(/[^\w-]/g, '_')}-`));
  const forget = spec.keep ? () => {} : removeOnInterrupt(dir);
  try {
    const summary = spec.kind === 'run' ? await executeRun(spec, dir, opts) : await executeSynth(spec, dir, opts);
    return { ...summary, worker: opts.worker, seconds: (performance.now() - started) / 1000, ...(spec.keep ? { out: dir } : {}) };
  } finally {
    if (!spec.keep) rmSync(dir, { recursive: true, force: true });
    forget();
  }
}

type Place = 'worker' | 'seconds' | 'out';

async function executeRun(spec: RunJobSpec, dir: string, opts: ExecuteOptions): Promise<Omit<RunSummary, Place>> {
  const random = parseRandomRef(spec.workload);
  // A random workload is generated here from its seed, as scripts/fuzz.ts does, so that no file
  // has to travel between machines.
  const workload = random ? writeRandomWorkload(join(dir, 'workload'), random.seed, random.jobs) : spec.workload;
  const args = ['run', ...designArgs(spec, dir), '--workload', workload, '--sim', spec.sim ?? 'verilator', '--out', join(dir, 'out')];
  if (spec.policy) args.push('--policy', spec.policy);
  if (opts.cacheDir !== undefined) args.push('--cache-dir', opts.cacheDir);
  if (opts.maxCacheBytes !== undefined) args.push('--cache-max-size', String(opts.maxCacheBytes));
  for (const [option, value] of [['--static-group', spec.staticGroup], ['--seed', spec.seed], ['--latency', spec.latency], ['--stall-percent', spec.stallPercent], ['--budget', spec.budget]] as const) {
    if (value !== undefined) args.push(option, String(value));
  }
  // Exit 1 is a result (a mismatch, a hang, a hardware error), written to results.json like a pass.
  await runCommand(args, dir, opts, [EXIT.ok, EXIT.failed]);
  const results = readJson(join(dir, 'out', 'results.json')) as RunResults;
  return {
    kind: 'run',
    status: results.status,
    message: results.status === 'ok' ? '' : results.message,
    cycles: results.cycles,
    allMatch: results.allMatch,
    boundRatio: results.boundRatio,
    peUtilization: results.peUtilization,
    simSeconds: results.timing.simSeconds,
  };
}

async function executeSynth(spec: SynthJobSpec, dir: string, opts: ExecuteOptions): Promise<Omit<SynthSummary, Place>> {
  const args = ['synth', ...designArgs(spec, dir), '--target', spec.target, '--out', join(dir, 'out')];
  if (spec.device) args.push('--device', spec.device);
  if (spec.tools) args.push('--tools', spec.tools);
  if (spec.pnr === false) args.push('--no-pnr');
  if (spec.pnrModule) args.push('--pnr-module', spec.pnrModule);
  // Exit 1 is a failed gate or timing: a result, in the report like a pass.
  await runCommand(args, dir, opts, [EXIT.ok, EXIT.failed]);
  const report = readJson(join(dir, 'out', 'synth', 'report.json')) as SynthReport;
  const { luts, ffs, dsps, brams } = report.resources.total;
  return {
    kind: 'synth',
    passed: report.passed,
    luts,
    ffs,
    dsps,
    brams,
    gatesPassed: report.gates.filter((g) => g.passed).length,
    gates: report.gates.length,
    ...(report.pnr?.fmaxMhz !== undefined ? { fmaxMhz: report.pnr.fmaxMhz } : {}),
    problems: report.problems,
  };
}

/** --preset NAME, or --config with the job's config object written into its folder. */
function designArgs(spec: JobSpec, dir: string): string[] {
  if (typeof spec.config === 'string') return ['--preset', spec.config];
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(spec.config, null, 2) + '\n');
  return ['--config', file];
}

/** Runs a synergyflow command; an exit code other than `accepted` becomes the matching error. */
async function runCommand(args: string[], dir: string, opts: ExecuteOptions, accepted: number[]): Promise<ToolStatus> {
  const status = await runToolForStatus(process.execPath, [CLI, ...args, ...(opts.log ? [] : ['--quiet'])], {
    what: `synergyflow ${args[0]}`,
    cwd: dir,
    onLine: opts.log && ((line) => opts.log!(line.replace(/^\[synergyflow\] /, ''))),
  });
  if (status.exitCode !== undefined && accepted.includes(status.exitCode)) return status;
  // Its own error message, without the progress lines before it.
  const text = status.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('[synergyflow]')).join('\n').replace(/^error: /, '');
  const said = text || 'no message';
  const kind: FailureKind = status.exitCode === EXIT.badInput ? 'input' : status.exitCode === EXIT.internal ? 'internal' : 'tool';
  const how = status.exitCode === EXIT.sigint || status.exitCode === EXIT.sigterm ? 'was interrupted' : status.signal ? `was ended by ${status.signal}` : `exited with ${status.exitCode}`;
  throw new JobCommandError(kind, `synergyflow ${args[0]} ${how}: ${said}`);
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InternalError(`the command left no readable ${path}: ${(err as Error).message}`);
  }
}
