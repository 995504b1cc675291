// Builds and runs the testbench on Verilator or Icarus. The only module that spawns simulators
// (through ./exec.ts). Builds are cached by a hash of every source and parameter in the user's
// simulator cache (./sim-cache.ts), so a second run of the same design skips the (slow) Verilator
// C++ build.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeOnInterrupt } from '../cleanup.ts';
import type { Progress } from '../progress.ts';
import { acquireBuildLock } from './build-lock.ts';
import { runTool, runToolStreaming } from './exec.ts';
import { cacheMaxBytes, defaultCacheDir, ENTRY_MANIFEST, evict, expectedSeconds, openCache, readHistory, recordTiming, useEntry, writeManifest } from './sim-cache.ts';

export type Simulator = 'verilator' | 'icarus';

export const TB_DIR = fileURLToPath(new URL('../../tb/', import.meta.url));

/** Where simulator builds are cached by default: see sim-cache.ts's defaultCacheDir. */
export function simCacheDir(): string {
  return defaultCacheDir();
}
/** The testbench's files in tb/ (also copied into every generated folder for FuseSoC). */
export const TB_FILES = ['sf_axi_mem.v', 'sf_axi_monitor.v', 'sf_tb.v'];

export interface SimBuildInput {
  simulator: Simulator;
  /** Generated files (relative path -> text): the RTL, sf_top.f and sf_regs.vh. */
  files: Map<string, string | Uint8Array>;
  /** The testbench's parameters: the design's alone. Everything a workload or run sets (the memory's
   * size and timing, faults, seed, budget) is a plusarg of runSimulation, so one build serves
   * every workload on the design. */
  params: { BUS_BITS: number; IDW: number; ENGINES: number; CHANNELS: number; ADDR_BITS: number };
  /** The cache folder (default: defaultCacheDir()). */
  cacheDir?: string;
  /** The cache's size limit in bytes (default: cacheMaxBytes()). */
  maxCacheBytes?: number;
  /** The design's name, for the cache's manifest and the build-time history. */
  design?: string;
  /** Told when a build (not found in the cache) starts. */
  log?: (message: string) => void;
  /** Shows the build's progress (elapsed, and the ETA from earlier builds). */
  progress?: Progress;
}

export interface SimBuild {
  simulator: Simulator;
  dir: string;
  /** Seconds the build took (0 when it came from the cache). */
  buildSeconds: number;
  cached: boolean;
  /** Ends this process's use of the cache entry (eviction spares entries in use): call it once the
   * simulations from this build are over. */
  release: () => void;
}

/** Builds under way in this process, by cache folder: a queue worker runs several jobs at once,
 * and jobs on one design must share one build rather than race in one staging folder. */
const buildsInFlight = new Map<string, Promise<number>>();

/**
 * The cached build of a design, built first when missing (once, however many processes ask at
 * once: see build-lock.ts), and marked in use until `release()`.
 */
/** The cache entry's name of a build: the simulator and a hash of every source and parameter. */
export function simBuildName(input: Pick<SimBuildInput, 'simulator' | 'files' | 'params'>): string {
  const hash = createHash('sha256');
  hash.update(input.simulator);
  hash.update(JSON.stringify(input.params));
  for (const [path, text] of [...input.files].sort(([a], [b]) => (a < b ? -1 : 1))) hash.update(path).update('\0').update(text);
  for (const f of TB_FILES) hash.update(readFileSync(join(TB_DIR, f)));
  return `${input.simulator}-${hash.digest('hex').slice(0, 16)}`;
}

export async function buildSimulation(input: SimBuildInput): Promise<SimBuild> {
  const root = openCache(input.cacheDir ?? defaultCacheDir());
  const name = simBuildName(input);
  const dir = resolve(root, name);
  let buildSeconds = 0;
  let built = false;
  // A build, then a use; an entry evicted between the two (by another process over the limit) is built again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const release = useEntry(root, name);
    if (release) {
      if (built) evictAfterBuild(root, name, input);
      return { simulator: input.simulator, dir, buildSeconds, cached: !built, release };
    }
    let inFlight = buildsInFlight.get(dir);
    if (inFlight) {
      input.log?.(`${input.simulator} build of this design under way for another job: waiting for it`);
    } else {
      inFlight = buildIntoCache(input, root, name);
      buildsInFlight.set(dir, inFlight);
      void inFlight.finally(() => buildsInFlight.delete(dir)).catch(() => {});
    }
    const seconds = await inFlight;
    if (seconds > 0) {
      buildSeconds = seconds;
      built = true;
    }
  }
  throw new Error(`internal: the ${input.simulator} build ${dir} was removed from the cache as soon as it was built, three times (is the cache's size limit below one build?)`);
}

/** After a build: the least recently used entries over the size limit go (never this one, nor one in use). */
function evictAfterBuild(root: string, name: string, input: SimBuildInput): void {
  const removed = evict(root, input.maxCacheBytes ?? cacheMaxBytes(), [name]);
  if (removed.length > 0) {
    const mib = removed.reduce((n, e) => n + e.bytes, 0) / 2 ** 20;
    input.log?.(`simulator cache over its limit: removed ${removed.length} least recently used build(s), ${mib.toFixed(1)} MiB`);
  }
}

/** Builds the entry unless another process does (then waits for it); the build's seconds, 0 if not built here. */
async function buildIntoCache(input: SimBuildInput, root: string, name: string): Promise<number> {
  const dir = join(root, name);
  const release = await acquireBuildLock(`${dir}.lock`, {
    done: () => existsSync(join(dir, ENTRY_MANIFEST)),
    onWait: (holder) => input.log?.(`${input.simulator} build of this design under way in another process (${holder}): waiting for it`),
  });
  if (!release) return 0;
  try {
    return await buildUnderLock(input, root, name);
  } finally {
    release();
  }
}

function sourceBytes(files: Map<string, string | Uint8Array>): number {
  let n = 0;
  for (const text of files.values()) n += typeof text === 'string' ? Buffer.byteLength(text) : text.length;
  return n;
}

async function buildUnderLock(input: SimBuildInput, root: string, name: string): Promise<number> {
  const dir = join(root, name);
  input.log?.(`${input.simulator} build of a design not in the cache (${root})`);
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
  const size = sourceBytes(input.files);
  const design = input.design ?? 'unnamed design';
  const expected = expectedSeconds(readHistory(root), input.simulator, design, size);
  const task = input.progress?.task(`${input.simulator === 'verilator' ? 'Verilator' : 'Icarus'} build`, { expectedSeconds: expected });
  // A build says nothing while it runs: the clock moves its progress (plain lines come from updates).
  const tick = task ? setInterval(() => task.update(undefined), 1000) : undefined;
  const started = Date.now();
  let seconds: number;
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
    seconds = Math.max(0.001, (Date.now() - started) / 1000);
    writeManifest(staging, { simulator: input.simulator, key: name.slice(name.indexOf('-') + 1), design, sourceBytes: size, buildSeconds: seconds, builtAt: new Date().toISOString() });
    if (existsSync(join(dir, ENTRY_MANIFEST))) {
      // Another process built it meanwhile (one that took an abandoned lock over; it may be
      // simulating from it): keep theirs.
      rmSync(staging, { recursive: true, force: true });
    } else {
      rmSync(dir, { recursive: true, force: true });
      renameSync(staging, dir);
    }
    recordTiming(root, { kind: input.simulator, design, size, seconds });
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  } finally {
    clearInterval(tick);
    task?.end();
    forget();
  }
  return seconds;
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
