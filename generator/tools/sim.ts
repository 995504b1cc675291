// Builds and runs the testbench on Verilator or Icarus. The only module that spawns simulators
// (through ./exec.ts). Builds are cached by a hash of every source and parameter, so a second run
// of the same design skips the (slow) Verilator C++ build.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { removeOnInterrupt } from '../cleanup.ts';
import { packagePath } from '../paths.ts';
import { acquireBuildLock } from './build-lock.ts';
import { runTool, runToolStreaming } from './exec.ts';

export type Simulator = 'verilator' | 'icarus';

export const TB_DIR = packagePath('tb/');

/** Where simulator builds are cached: $SYNERGYFLOW_CACHE_DIR, else .cache/sim in the project. */
export function simCacheDir(): string {
  return process.env.SYNERGYFLOW_CACHE_DIR || packagePath('.cache/sim/');
}
const TB_FILES = ['sf_axi_mem.v', 'sf_axi_monitor.v', 'sf_tb.v'];

export interface SimBuildInput {
  simulator: Simulator;
  /** Generated files (relative path -> text): the RTL, sf_top.f and sf_regs.vh. */
  files: Map<string, string | Uint8Array>;
  /** The testbench's parameters: the design's alone. Everything a workload or run sets (the memory's
   * size and timing, faults, seed, budget) is a plusarg of runSimulation, so one build serves
   * every workload on the design. */
  params: { BUS_BITS: number; IDW: number; ENGINES: number; CHANNELS: number; ADDR_BITS: number };
  cacheDir: string;
  /** Told when a build (not found in the cache) starts. */
  log?: (message: string) => void;
}

export interface SimBuild {
  simulator: Simulator;
  dir: string;
  /** Seconds the build took (0 when it came from the cache). */
  buildSeconds: number;
  cached: boolean;
}

/** Builds under way in this process, by cache folder: a queue worker runs several jobs at once,
 * and jobs on one design must share one build rather than race in one staging folder. */
const buildsInFlight = new Map<string, Promise<SimBuild>>();

export async function buildSimulation(input: SimBuildInput): Promise<SimBuild> {
  const hash = createHash('sha256');
  hash.update(input.simulator);
  hash.update(JSON.stringify(input.params));
  for (const [path, text] of [...input.files].sort(([a], [b]) => (a < b ? -1 : 1))) hash.update(path).update('\0').update(text);
  for (const f of TB_FILES) hash.update(readFileSync(join(TB_DIR, f)));
  const key = hash.digest('hex').slice(0, 16);
  const dir = resolve(input.cacheDir, `${input.simulator}-${key}`);
  const done = join(dir, 'BUILT');
  if (existsSync(done)) return { simulator: input.simulator, dir, buildSeconds: 0, cached: true };
  const inFlight = buildsInFlight.get(dir);
  if (inFlight) {
    input.log?.(`${input.simulator} build of this design under way for another job: waiting for it`);
    return inFlight;
  }
  const build = buildIntoCache(input, dir);
  buildsInFlight.set(dir, build);
  try {
    return await build;
  } finally {
    buildsInFlight.delete(dir);
  }
}

async function buildIntoCache(input: SimBuildInput, dir: string): Promise<SimBuild> {
  const cached: SimBuild = { simulator: input.simulator, dir, buildSeconds: 0, cached: true };
  mkdirSync(input.cacheDir, { recursive: true });
  const release = await acquireBuildLock(`${dir}.lock`, {
    done: () => existsSync(join(dir, 'BUILT')),
    onWait: (holder) => input.log?.(`${input.simulator} build of this design under way in another process (${holder}): waiting for it`),
  });
  if (!release) return cached;
  try {
    return await buildUnderLock(input, dir);
  } finally {
    release();
  }
}

async function buildUnderLock(input: SimBuildInput, dir: string): Promise<SimBuild> {
  input.log?.(`${input.simulator} build of a design not in the cache (${input.cacheDir})`);
  const staging = `${dir}.partial-${process.pid}`;
  const forget = removeOnInterrupt(staging);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'src'), { recursive: true });
  const sources: string[] = [];
  for (const [path, text] of input.files) {
    const dst = join(staging, 'src', path.replace(/\//g, '__'));
    writeFileSync(dst, text);
    if (path.endsWith('.sv')) sources.push(dst);
  }
  const tbSources = TB_FILES.map((f) => join(TB_DIR, f));
  const started = Date.now();
  try {
    if (input.simulator === 'verilator') {
      const gParams = Object.entries(input.params).map(([k, v]) => `-G${k}=${v}`);
      await runTool('verilator', [
        '--binary', '--timing', '-O3', '--x-assign', 'fast', '--x-initial', 'fast',
        '-Wno-fatal', '-Wno-lint', '-Wno-style', '-Wno-TIMESCALEMOD',
        '--top-module', 'sf_tb', ...gParams,
        `-I${join(staging, 'src')}`, '--Mdir', join(staging, 'obj'), '-o', 'sim', '-j', '2',
        ...tbSources, ...sources,
      ], { what: 'Verilator build' });
    } else {
      const pParams = Object.entries(input.params).map(([k, v]) => `-Psf_tb.${k}=${v}`);
      await runTool('iverilog', [
        '-g2012', '-o', join(staging, 'sim.vvp'), '-s', 'sf_tb', ...pParams,
        `-I${join(staging, 'src')}`, ...tbSources, ...sources,
      ], { what: 'Icarus build' });
    }
    writeFileSync(join(staging, 'BUILT'), '');
    if (existsSync(join(dir, 'BUILT'))) {
      // Another process built it meanwhile (one that took an abandoned lock over; it may be
      // simulating from it): keep theirs.
      rmSync(staging, { recursive: true, force: true });
    } else {
      rmSync(dir, { recursive: true, force: true });
      renameSync(staging, dir);
    }
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  } finally {
    forget();
  }
  return { simulator: input.simulator, dir, buildSeconds: (Date.now() - started) / 1000, cached: false };
}

export interface SimRunResult {
  lines: string[];
  seconds: number;
}

export async function runSimulation(build: SimBuild, plusargs: Record<string, string | number>, onLine?: (line: string) => void): Promise<SimRunResult> {
  const args = Object.entries(plusargs).map(([k, v]) => `+${k}=${v}`);
  const started = Date.now();
  const lines =
    build.simulator === 'verilator'
      ? await runToolStreaming(join(build.dir, 'obj', 'sim'), args, { what: 'Verilator simulation', onLine })
      : await runToolStreaming('vvp', ['-n', join(build.dir, 'sim.vvp'), ...args], { what: 'Icarus simulation', onLine });
  return { lines, seconds: (Date.now() - started) / 1000 };
}
