// The host-driver harness (tb/host/): the design Verilated as a C++ library beside the AXI4
// memory model (built once per design, an entry of the simulator cache as the testbench's builds
// are: ./sim-cache.ts), then linked per program with the C driver (sw/), the program's sf_program.h and the C++ harness that drives the
// AXI4-Lite port cycle by cycle. Runs the harness and parses its SFH_ lines.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTool, runToolForStatus } from './exec.ts';
import { TB_DIR } from './sim.ts';
import { defaultCacheDir, entryKey, entryName, obtainEntry, openCache, recordTiming, writeManifest } from './sim-cache.ts';

export const HOST_DIR = fileURLToPath(new URL('../../tb/host/', import.meta.url));
export const SW_DIR = fileURLToPath(new URL('../../sw/', import.meta.url));
const TB_SOURCES = [...['sf_axi_mem.v', 'sf_axi_monitor.v', 'sf_tb_system.v'].map((f) => join(TB_DIR, f)), join(HOST_DIR, 'sf_host_top.sv')];
const TOP = 'sf_host_top';
/** The Verilated objects a harness links: the design's library and Verilator's run-time. */
const MODEL_OBJECTS = [`V${TOP}__ALL.a`, 'verilated.o', 'verilated_dpi.o', 'verilated_threads.o'];
/** The warnings the driver is held to (and the harness's C part, compiled like a firmware). */
export const DRIVER_CFLAGS = ['-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic'];

export interface HostModelInput {
  /** Generated files: the RTL under rtl/. */
  files: Map<string, string | Uint8Array>;
  params: { BUS_BITS: number; IDW: number; CHANNELS: number; ADDR_BITS: number };
  /** The simulator cache (default: the user's, ./sim-cache.ts) and its size limit in bytes (default cacheMaxBytes()). */
  cacheDir?: string;
  maxCacheBytes?: number;
  /** The design's name, for the entry's manifest (a preset, or a config's hash). */
  design?: string;
  log?: (message: string) => void;
}

export interface HostModel {
  /** The model's entry in the cache, and its name there (`host-<hash>`). */
  dir: string;
  name: string;
  cached: boolean;
  buildSeconds: number;
  /** Ends this process's use of the entry (eviction spares entries in use): call it once the
   * harnesses are linked (they hold copies of the model's objects). */
  release: () => void;
}

/** The model's cache entry name: `host-<hash of the design's RTL, parameters and the harness's top>`. */
export function hostModelName(input: Pick<HostModelInput, 'files' | 'params'>): string {
  const hash = createHash('sha256').update('host-harness').update(JSON.stringify(input.params));
  for (const [path, text] of designSources(input.files)) hash.update(path).update('\0').update(text);
  for (const f of TB_SOURCES) hash.update(readFileSync(f));
  return entryName('host', hash.digest('hex'));
}

function designSources(files: Map<string, string | Uint8Array>): [string, string | Uint8Array][] {
  return [...files].filter(([path]) => path.startsWith('rtl/') && path.endsWith('.sv')).sort(([a], [b]) => (a < b ? -1 : 1));
}

/**
 * Verilates the design in the harness's top and compiles it to a library, an entry of the
 * simulator cache (built once per design, however many processes ask at once), marked in use
 * until `release()`.
 */
export async function buildHostModel(input: HostModelInput): Promise<HostModel> {
  const root = openCache(input.cacheDir ?? defaultCacheDir());
  const name = hostModelName(input);
  const entry = await obtainEntry({
    root,
    name,
    maxBytes: input.maxCacheBytes,
    what: 'host harness build of this design',
    log: input.log,
    build: (staging) => buildModelInto(input, root, name, staging),
  });
  return { dir: entry.dir, name, cached: entry.cached, buildSeconds: entry.buildSeconds, release: entry.release };
}

async function buildModelInto(input: HostModelInput, root: string, name: string, staging: string): Promise<number> {
  input.log?.(`Verilator build of the host harness's model (${root})`);
  const started = Date.now();
  mkdirSync(join(staging, 'src'), { recursive: true });
  const rtl = designSources(input.files);
  const sources = rtl.map(([path, text]) => {
    const dst = join(staging, 'src', path.replace(/\//g, '__'));
    writeFileSync(dst, text);
    return dst;
  });
  const obj = join(staging, 'obj');
  await runTool('verilator', [
    '--cc', '-O3', '--x-assign', 'fast', '--x-initial', 'fast',
    '-Wno-fatal', '-Wno-lint', '-Wno-style', '-Wno-TIMESCALEMOD',
    '--top-module', TOP, ...Object.entries(input.params).map(([k, v]) => `-G${k}=${v}`),
    `-I${join(staging, 'src')}`, '--Mdir', obj, ...TB_SOURCES, ...sources,
  ], { what: 'Verilator (host harness model)' });
  await runTool('make', ['-s', '-C', obj, '-f', `V${TOP}.mk`, '-j', '2', ...MODEL_OBJECTS], { what: 'C++ build of the host harness model' });
  const seconds = Math.max(0.001, (Date.now() - started) / 1000);
  const size = rtl.reduce((n, [, text]) => n + (typeof text === 'string' ? Buffer.byteLength(text) : text.length), 0);
  const design = input.design ?? 'unnamed design';
  // The mark earlier versions of synergyflow look for (they may share this cache): they reuse the
  // entry rather than build it again over this one.
  writeFileSync(join(staging, 'BUILT'), '');
  writeManifest(staging, { simulator: 'verilator', key: entryKey(name), design, sourceBytes: size, buildSeconds: seconds, builtAt: new Date().toISOString() });
  recordTiming(root, { kind: 'host', design, size, seconds });
  return seconds;
}

/**
 * Links the harness for one exported program (its folder holds sf_hw.h and sf_program.h): the
 * driver and the program's glue compiled as C99 with DRIVER_CFLAGS, the C++ harness, the model.
 * Returns the executable's path (in workDir).
 */
export async function linkHostHarness(model: HostModel, programDir: string, workDir: string): Promise<string> {
  const root = (await runTool('verilator', ['--getenv', 'VERILATOR_ROOT'], { what: 'Verilator' })).trim();
  const obj = join(model.dir, 'obj');
  const includes = [`-I${programDir}`, `-I${SW_DIR}`];
  mkdirSync(workDir, { recursive: true });
  const out = (name: string) => join(workDir, name);
  await runTool('gcc', [...DRIVER_CFLAGS, '-O2', ...includes, '-c', join(SW_DIR, 'sf_driver.c'), '-o', out('sf_driver.o')], { what: 'gcc of the C driver' });
  await runTool('gcc', [...DRIVER_CFLAGS, '-O2', ...includes, '-c', join(HOST_DIR, 'program-glue.c'), '-o', out('program-glue.o')], { what: 'gcc of the program glue' });
  await runTool('g++', [
    '-std=c++17', '-O2', '-Wall', '-Wextra', '-Werror', ...includes, `-I${obj}`, '-isystem', join(root, 'include'), '-isystem', join(root, 'include', 'vltstd'),
    '-c', join(HOST_DIR, 'harness.cpp'), '-o', out('harness.o'),
  ], { what: 'g++ of the host harness' });
  await runTool('g++', [out('harness.o'), out('sf_driver.o'), out('program-glue.o'), ...MODEL_OBJECTS.map((o) => join(obj, o)), '-pthread', '-o', out('harness')], { what: 'link of the host harness' });
  return out('harness');
}

export interface HarnessRun {
  exitCode?: number;
  lines: string[];
  /** SFH_RESULT: the driver's result and its name. */
  result?: { code: number; name: string };
  /** SFH_STATUS's fields. */
  status: Record<string, number>;
  jobs: { name: string; bytes: number; mismatches: number }[];
  trace: { task: number; engines: number; start: number; end: number }[];
}

export async function runHostHarness(exe: string, args: string[]): Promise<HarnessRun> {
  const r = await runToolForStatus(exe, args, { what: 'host harness' });
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l !== '');
  const run: HarnessRun = { exitCode: r.exitCode, lines, status: {}, jobs: [], trace: [] };
  for (const line of lines) {
    const f = line.split(/\s+/);
    if (f[0] === 'SFH_RESULT') run.result = { code: Number(f[1]), name: f[2] };
    if (f[0] === 'SFH_STATUS') for (let i = 1; i + 1 < f.length; i += 2) run.status[f[i]] = Number(f[i + 1]);
    if (f[0] === 'SFH_JOB') run.jobs.push({ name: f[1], bytes: Number(f[3]), mismatches: Number(f[5]) });
    if (f[0] === 'SFH_TRACE') run.trace.push({ task: Number(f[3]), engines: parseInt(f[5], 16), start: Number(f[7]), end: Number(f[9]) });
  }
  return run;
}
