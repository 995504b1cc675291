// Builds and runs the testbench on Verilator or Icarus. The only module that spawns simulators
// (through ./exec.ts). Builds are cached by a hash of every source and parameter in the user's
// simulator cache (./sim-cache.ts), so a second run of the same design skips the (slow) Verilator
// C++ build.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SIMULATORS } from '../config/ranges.ts';
import type { Progress } from '../progress.ts';
import { packagePath } from '../paths.ts';
import { runTool, runToolStreaming } from './exec.ts';
import { defaultCacheDir, entryKey, entryName, expectedSeconds, obtainEntry, openCache, readHistory, recordTiming, writeManifest, type EntryKind } from './sim-cache.ts';

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
  return entryName(variant ? `${input.simulator}-${variant}` as EntryKind : input.simulator, hash.digest('hex'));
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
  const entry = await obtainEntry({
    root,
    name,
    maxBytes: input.maxCacheBytes,
    what: `${input.simulator} build of this design`,
    log: input.log,
    build: (staging) => buildInto(input, root, name, staging),
  });
  return { simulator: input.simulator, dir: entry.dir, name, waves: input.waves, buildSeconds: entry.buildSeconds, cached: entry.cached, release: entry.release };
}

function sourceBytes(files: Map<string, string | Uint8Array>): number {
  let n = 0;
  for (const text of files.values()) n += typeof text === 'string' ? Buffer.byteLength(text) : text.length;
  return n;
}

/** Builds into the entry's staging folder (under its build lock): sources, the build, its manifest. */
async function buildInto(input: SimBuildInput, root: string, name: string, staging: string): Promise<number> {
  const what = !input.waves ? `${input.simulator} build` : input.simulator === 'verilator' ? `${input.simulator} build with waveforms (${input.waves})` : `${input.simulator} build with waveforms (fst and vcd)`;
  input.log?.(`${what} of a design not in the cache (${root})`);
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
  try {
    const { tool, args } = simBuildCommand(input, { include: join(staging, 'src'), out: staging, sources });
    await runTool(tool, args, { what: input.simulator === 'verilator' ? 'Verilator build' : 'Icarus build' });
    const seconds = Math.max(0.001, (Date.now() - started) / 1000);
    writeManifest(staging, { simulator: input.simulator, key: entryKey(name), design, sourceBytes: size, buildSeconds: seconds, builtAt: new Date().toISOString() });
    recordTiming(root, { kind: input.simulator, design, size, seconds });
    return seconds;
  } finally {
    clearInterval(tick);
    task?.end();
  }
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
