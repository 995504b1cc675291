// Builds and runs the testbench on Verilator or Icarus. The only module that spawns simulators
// (through ./exec.ts). Builds are cached by a hash of every source and parameter in the user's
// simulator cache (./sim-cache.ts), so a second run of the same design skips the (slow) Verilator
// C++ build.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { removeOnInterrupt } from '../cleanup.ts';
import type { SIMULATORS } from '../config/ranges.ts';
import type { Progress } from '../progress.ts';
import { packagePath } from '../paths.ts';
import { acquireBuildLock } from './build-lock.ts';
import { runTool, runToolStreaming } from './exec.ts';
import { cacheMaxBytes, defaultCacheDir, ENTRY_MANIFEST, evict, expectedSeconds, openCache, readHistory, recordTiming, useEntry, writeManifest } from './sim-cache.ts';

export type Simulator = (typeof SIMULATORS)[number];
/** Waveform formats: FST (compressed, GTKWave's own) or VCD (text, read by every viewer). */
export type WaveFormat = 'fst' | 'vcd';

export const TB_DIR = packagePath('tb/');

/** Where simulator builds are cached by default: see sim-cache.ts's defaultCacheDir. */
export function simCacheDir(): string {
  return defaultCacheDir();
}
/** The testbench's files in tb/ (also copied into every generated folder for FuseSoC). */
export const TB_FILES = ['sf_axi_mem.v', 'sf_axi_monitor.v', 'sf_tb_system.v', 'sf_tb.v'];

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
  /** A build that can dump waveforms (the testbench's SF_WAVES block): a build of its own,
   * cached apart from the plain one, which stays as fast. Verilator traces in one format per
   * build (--trace-fst or --trace); Icarus's format is chosen when it simulates (vvp -fst). */
  waves?: WaveFormat;
  /** Told when a build (not found in the cache) starts. */
  log?: (message: string) => void;
  /** Shows the build's progress (elapsed, and the ETA from earlier builds). */
  progress?: Progress;
}

export interface SimBuild {
  simulator: Simulator;
  /** The build's folder in the cache, and its name there (the simulator, the waveform variant
   * and the hash of everything it was built from). */
  dir: string;
  name: string;
  waves?: WaveFormat;
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
/**
 * The waveform variant of a build, in its cache folder's name and hash: none for the plain
 * build; the trace format for Verilator (one build per format); one build for both on Icarus.
 */
function wavesVariant(simulator: Simulator, waves: WaveFormat | undefined): string | undefined {
  if (!waves) return undefined;
  return simulator === 'verilator' ? waves : 'waves';
}

/** The cache entry's name of a build: `<simulator>[-<variant>]-<hash of every source and parameter>`. */
export function simBuildName(input: Pick<SimBuildInput, 'simulator' | 'files' | 'params' | 'waves'>): string {
  const variant = wavesVariant(input.simulator, input.waves);
  const hash = createHash('sha256');
  hash.update(input.simulator);
  // The plain build's hash is what it was before waveforms existed (they add to it only).
  if (variant) hash.update(`\0waves=${variant}`);
  hash.update(JSON.stringify(input.params));
  for (const [path, text] of [...input.files].sort(([a], [b]) => (a < b ? -1 : 1))) hash.update(path).update('\0').update(text);
  for (const f of TB_FILES) hash.update(readFileSync(join(TB_DIR, f)));
  const key = hash.digest('hex').slice(0, 16);
  return variant ? `${input.simulator}-${variant}-${key}` : `${input.simulator}-${key}`;
}
/**
 * The command that builds the testbench and the design: `sources` are the testbench's files then
 * the design's .sv files, `include` the folder with sf_regs.vh, `out` the build's folder (it gets
 * obj/sim, or sim.vvp). The cache and a run folder's replay.sh both build with it.
 */
export function simBuildCommand(
  input: Pick<SimBuildInput, 'simulator' | 'params' | 'waves'>,
  paths: { include: string; out: string; sources: string[] },
): { tool: string; args: string[] } {
  const waves = input.waves ? ['-DSF_WAVES'] : [];
  if (input.simulator === 'verilator') {
    const gParams = Object.entries(input.params).map(([k, v]) => `-G${k}=${v}`);
    const trace = input.waves === 'fst' ? ['--trace-fst'] : input.waves === 'vcd' ? ['--trace'] : [];
    return {
      tool: 'verilator',
      args: [
        '--binary', '--timing', '-O3', '--x-assign', 'fast', '--x-initial', 'fast',
        '-Wno-fatal', '-Wno-lint', '-Wno-style', '-Wno-TIMESCALEMOD', ...trace, ...waves,
        '--top-module', 'sf_tb', ...gParams,
        `-I${paths.include}`, '--Mdir', join(paths.out, 'obj'), '-o', 'sim', '-j', '2',
        ...paths.sources,
      ],
    };
  }
  const pParams = Object.entries(input.params).map(([k, v]) => `-Psf_tb.${k}=${v}`);
  return {
    tool: 'iverilog',
    args: ['-g2012', ...waves, '-o', join(paths.out, 'sim.vvp'), '-s', 'sf_tb', ...pParams, `-I${paths.include}`, ...paths.sources],
  };
}

/** The design's files a build compiles, in order (sf_regs.vh is included, not compiled). */
export function simDesignSources(files: Map<string, string | Uint8Array>): string[] {
  return [...files.keys()].filter((path) => path.endsWith('.sv'));
}

/**
 * The cached build of a design, built first when missing (once, however many processes ask at
 * once: see build-lock.ts), and marked in use until `release()`.
 */

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
      return { simulator: input.simulator, dir, name, waves: input.waves, buildSeconds, cached: !built, release };
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
  const what = !input.waves ? `${input.simulator} build` : input.simulator === 'verilator' ? `${input.simulator} build with waveforms (${input.waves})` : `${input.simulator} build with waveforms (fst and vcd)`;
  input.log?.(`${what} of a design not in the cache (${root})`);
  const staging = `${dir}.partial-${process.pid}`;
  const forget = removeOnInterrupt(staging);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'src'), { recursive: true });
  const srcPath = (path: string) => join(staging, 'src', path.replace(/\//g, '__'));
  for (const [path, text] of input.files) writeFileSync(srcPath(path), text);
  const sources = [...TB_FILES.map((f) => join(TB_DIR, f)), ...simDesignSources(input.files).map(srcPath)];
  const size = sourceBytes(input.files);
  const design = input.design ?? 'unnamed design';
  const expected = expectedSeconds(readHistory(root), input.simulator, design, size);
  const task = input.progress?.task(`${input.simulator === 'verilator' ? 'Verilator' : 'Icarus'} build${input.waves ? ' with waveforms' : ''}`, { expectedSeconds: expected });
  // A build says nothing while it runs: the clock moves its progress (plain lines come from updates).
  const tick = task ? setInterval(() => task.update(undefined), 1000) : undefined;
  const started = Date.now();
  let seconds: number;
  try {
    const { tool, args } = simBuildCommand(input, { include: join(staging, 'src'), out: staging, sources });
    await runTool(tool, args, { what: input.simulator === 'verilator' ? 'Verilator build' : 'Icarus build' });
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

/** The plusargs of a simulation, as its command line passes them: `+name=value`, in order. */
export function plusargList(plusargs: Record<string, string | number>): string[] {
  return Object.entries(plusargs).map(([k, v]) => `+${k}=${v}`);
}

/**
 * The command that runs a build (in folder `dir`) with these plusargs: the build's simulator, or
 * vvp with, on a waveform build, the dump's format (-fst; VCD is its default).
 */
export function simRunCommand(simulator: Simulator, dir: string, args: string[], waves?: WaveFormat): { tool: string; args: string[] } {
  if (simulator === 'verilator') return { tool: join(dir, 'obj', 'sim'), args };
  return { tool: 'vvp', args: ['-n', join(dir, 'sim.vvp'), ...(waves === 'fst' ? ['-fst'] : []), ...args] };
}

/** Runs a build: file plusargs are relative to `cwd` (the simulator's working folder) when given. */
export async function runSimulation(build: SimBuild, plusargs: Record<string, string | number>, onLine?: (line: string) => void, options: { cwd?: string } = {}): Promise<SimRunResult> {
  const { tool, args } = simRunCommand(build.simulator, build.dir, plusargList(plusargs), build.waves);
  const started = Date.now();
  const lines = await runToolStreaming(tool, args, { what: build.simulator === 'verilator' ? 'Verilator simulation' : 'Icarus simulation', onLine, cwd: options.cwd });
  return { lines, seconds: (Date.now() - started) / 1000 };
}
