// Runs one queue job on this machine with the project's own flows (runWorkload, synthesize), in
// a fresh folder of the worker's work dir, and boils the result down to a small JSON summary.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { removeOnInterrupt } from '../cleanup.ts';
import { generateFiles } from '../emit/generate.ts';
import { synthesize } from '../fpga/flow.ts';
import { writeRandomWorkload } from '../model/random-model.ts';
import { runWorkload } from '../runner/run.ts';
import { parseRandomRef, resolveJobConfig, type JobSpec, type JobSummary, type RunJobSpec, type RunSummary, type SynthJobSpec, type SynthSummary } from './spec.ts';

export interface ExecuteOptions {
  /** The worker's folder: each job gets a fresh folder in it. */
  workDir: string;
  /** The job's name in folder names (letters, digits, - and _ are kept). */
  id: string;
  /** Names the job in errors. */
  where: string;
  /** The worker's name, for the summary. */
  worker: string;
  log?: (message: string) => void;
}

/** This process as a worker name: the host, so that summaries show which machine ran what. */
export const WORKER_NAME = `${hostname()}:${process.pid}`;

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
  const cfg = resolveJobConfig(spec, opts.where);
  const random = parseRandomRef(spec.workload);
  // A random workload is generated here from its seed, as scripts/fuzz.ts does, so that no file
  // has to travel between machines.
  const workload = random ? writeRandomWorkload(join(dir, 'workload'), random.seed, random.jobs) : spec.workload;
  const results = await runWorkload({
    generated: generateFiles(cfg),
    workload,
    sim: spec.sim ?? 'verilator',
    out: join(dir, 'out'),
    policy: spec.policy,
    staticGroup: spec.staticGroup,
    seed: spec.seed,
    latency: spec.latency,
    stallPercent: spec.stallPercent,
    budget: spec.budget,
    log: opts.log,
  });
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
  const cfg = resolveJobConfig(spec, opts.where);
  const report = await synthesize({
    generated: generateFiles(cfg),
    target: spec.target,
    device: spec.device,
    out: join(dir, 'out'),
    tools: spec.tools,
    pnr: spec.pnr,
    pnrModule: spec.pnrModule,
    log: opts.log,
  });
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
