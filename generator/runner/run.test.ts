// Simulation tier: small random workloads on the tiny preset, on both simulators, checked bit for
// bit; plus the failure paths (mismatch detection, cycle budget, bad inputs) through the CLI.
import { formatRunSummary } from './summary.ts';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { goldenForward } from '../golden/golden.ts';
import { readNpy } from '../model/npy.ts';
import { writeRandomWorkload } from '../model/random-model.ts';
import { loadWorkload } from '../model/workload.ts';
import { compareOutputs, runWorkload } from './run.ts';
import { controlTraffic } from './task-traffic.ts';
import { hwParams } from '../arch/params.ts';
import { loadConfig } from '../config/resolve.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-run-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const repo = new URL('../../', import.meta.url).pathname;

function cli(args: string[]) {
  return execa('node', [join(repo, 'bin/synergyflow.js'), ...args], { reject: false, cwd: scratch });
}

/** Checks the written .npy files against the golden model, independently of the run's own verdict. */
function expectOutputsMatchGolden(workload: string, out: string): void {
  for (const job of loadWorkload(workload)) {
    const golden = goldenForward(job.model, job.weights, job.input);
    const npy = readNpy(join(out, 'outputs', `${job.name}.npy`));
    expect(npy.dtype).toBe('int8');
    expect(npy.shape[0]).toBe(job.batch);
    expect(Array.from(npy.data)).toEqual(Array.from(golden[golden.length - 1]));
  }
}

describe('simulation on the tiny preset', () => {
  it.each([
    ['verilator', 11, 0],
    ['verilator', 12, 25],
    ['icarus', 13, 10],
  ] as const)('%s runs a random two-job workload (seed %d, %d%% stalls) bit-exactly', async (sim, seed, stallPercent) => {
    const dir = join(scratch, `${sim}-${seed}`);
    const workload = writeRandomWorkload(dir, seed, 2);
    const out = join(dir, 'out');
    const r = await runWorkload({ preset: 'tiny', workload, sim, out, seed, stallPercent });
    expect(r.status, r.message).toBe('ok');
    expect(r.allMatch).toBe(true);
    expect(r.cycles).toBeGreaterThan(r.physicalBoundCycles * 0.99);
    expect(r.trace.length).toBe(r.tasks);
    for (const t of r.trace) expect(t.end).toBeGreaterThan(t.start);
    // Every byte the channels moved is a task's, as its trace entry counts it from its
    // descriptor, or the controller's own (descriptors, trace records).
    const control = controlTraffic(r.tasks, hwParams(loadConfig({ preset: 'tiny' })), true);
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    expect(sum(r.channels.map((c) => c.readBytes))).toBe(sum(r.trace.map((t) => t.readBytes)) + control.readBytes);
    expect(sum(r.channels.map((c) => c.writeBytes))).toBe(sum(r.trace.map((t) => t.writeBytes)) + control.writeBytes);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.cycles).toBe(r.cycles);
    expectOutputsMatchGolden(workload, out);
  });

  it.each(['monolithic', 'static', 'elastic'] as const)('runs a three-job workload under the %s policy bit-exactly', async (policy) => {
    const dir = join(scratch, `policy-${policy}`);
    const workload = writeRandomWorkload(dir, 61, 3);
    const r = await runWorkload({ preset: 'tiny', workload, sim: 'verilator', out: join(dir, 'out'), policy, stallPercent: 15, seed: 4 });
    expect(r.status, r.message).toBe('ok');
    expect(r.policy).toBe(policy);
    const sizes = new Set(r.trace.map((t) => t.engines.length));
    if (policy === 'monolithic') {
      // All engines on every task, one task at a time.
      expect([...sizes]).toEqual([2]);
      const byStart = [...r.trace].sort((a, b) => a.start - b.start);
      for (let i = 1; i < byStart.length; i++) expect(byStart[i].start).toBeGreaterThanOrEqual(byStart[i - 1].end);
    }
    if (policy === 'static') expect([...sizes]).toEqual([1]);
    expectOutputsMatchGolden(workload, join(dir, 'out'));
  });

  it('runs tasks of different jobs at the same time on disjoint engines under the elastic policy', async () => {
    const dir = join(scratch, 'overlap');
    const workload = writeRandomWorkload(dir, 62, 3);
    const r = await runWorkload({ preset: 'tiny', workload, sim: 'verilator', out: join(dir, 'out'), policy: 'elastic' });
    expect(r.status, r.message).toBe('ok');
    const overlapping = r.trace.some((a) =>
      r.trace.some((b) => a !== b && a.job !== b.job && a.start < b.end && b.start < a.end && a.engines.every((e) => !b.engines.includes(e))),
    );
    expect(overlapping).toBe(true);
  });

  it('gives the same cycle count on both simulators', async () => {
    const workload = writeRandomWorkload(join(scratch, 'same'), 21, 1);
    const a = await runWorkload({ preset: 'tiny', workload, sim: 'verilator', out: join(scratch, 'same/v'), seed: 5, stallPercent: 20 });
    const b = await runWorkload({ preset: 'tiny', workload, sim: 'icarus', out: join(scratch, 'same/i'), seed: 5, stallPercent: 20 });
    expect(a.status).toBe('ok');
    expect(b.cycles).toBe(a.cycles);
  });

  it('runs 16-bit models on a 16-bit datapath (Booth multipliers, two post-processing lanes)', async () => {
    const dir = join(scratch, 'sixteen');
    const config = join(scratch, 'tiny16.json');
    const pe = { tn: 4, tm: 8, multiplier: 'booth', postLanes: 2 };
    writeFileSync(config, JSON.stringify({ name: 'tiny16', dataBits: 16, pe, buffers: { inputWords: 1024, weightWords: 64, accWords: 256 } }));
    const workload = writeRandomWorkload(dir, 51, 2, { bits: 16 });
    const r = await runWorkload({ config, workload, sim: 'verilator', out: join(dir, 'out'), stallPercent: 10 });
    expect(r.status, r.message).toBe('ok');
    const npy = readNpy(join(dir, 'out/outputs/job0.npy'));
    expect(npy.dtype).toBe('int16');
    // 16-bit values outside the 8-bit range show that the wide datapath is really used.
    expect(Array.from(npy.data).some((v) => v > 127 || v < -128)).toBe(true);
  });

  it('runs bit-exactly without the trace unit, with 20-bit addresses and two load ports per engine on two channels, crediting each job with the whole run', async () => {
    const dir = join(scratch, 'notrace');
    const config = join(scratch, 'notrace.json');
    writeFileSync(config, JSON.stringify({ name: 'notrace', engines: 2, pe: { tn: 4, tm: 8 }, memory: { addressBits: 20, channels: 2 }, controller: { trace: false } }));
    const r = await runWorkload({ config, workload: writeRandomWorkload(dir, 61, 2), sim: 'verilator', out: join(dir, 'out'), stallPercent: 10 });
    expect(r.status, r.message).toBe('ok');
    expect(r.trace).toEqual([]);
    expect(r.jobs.map((j) => j.cycles)).toEqual([r.cycles, r.cycles]);
  });

  it('serves workloads of different memory sizes, and the same config at another path, from one Verilator build, bit-exactly', async () => {
    // A cache of its own, so that the first run builds and the others can only reuse that build.
    const cacheDir = mkdtempSync(join(scratch, 'cache-'));
    const tinyJson = JSON.stringify({ name: 'tinycopy', engines: 2, pe: { tn: 4, tm: 4 }, buffers: { inputWords: 1024, weightWords: 64, accWords: 256 } });
    const configs = [join(scratch, 'mem-config-a.json'), join(scratch, 'mem-other/config-b.json')];
    mkdirSync(join(scratch, 'mem-other'));
    for (const c of configs) writeFileSync(c, tinyJson);
    const small = writeRandomWorkload(join(scratch, 'mem-small'), 11, 1);
    const large = writeRandomWorkload(join(scratch, 'mem-large'), 94, 4);
    const run = (config: string, workload: string, out: string) => runWorkload({ config, workload, sim: 'verilator', out: join(scratch, out), cacheDir });
    const a = await run(configs[0], small, 'mem-small/out');
    const b = await run(configs[0], large, 'mem-large/out');
    for (const r of [a, b]) expect(r.status, r.message).toBe('ok');
    // The images need memories of different sizes (8 Ki and 32 Ki words of 4 bytes).
    expect(b.memory.words).toBeGreaterThanOrEqual(4 * a.memory.words);
    expect(a.timing.buildCached).toBe(false);
    expect(b.timing.buildCached).toBe(true);
    expect(b.timing.buildSeconds).toBe(0);
    expectOutputsMatchGolden(small, join(scratch, 'mem-small/out'));
    expectOutputsMatchGolden(large, join(scratch, 'mem-large/out'));
    // The same config from another file: its generated files' headers name that file.
    const c = await run(configs[1], small, 'mem-small/out-b');
    expect(c.status, c.message).toBe('ok');
    expect(c.config.source).toBe(configs[1]);
    expect(c.timing.buildCached).toBe(true);
    expect(c.cycles).toBe(a.cycles);
    // One build beside the cache's own files (its marker, the cache-directory tag, the build-time history).
    expect(readdirSync(cacheDir).sort()).toEqual(['.synergyflow-cache.json', 'CACHEDIR.TAG', 'history.jsonl', expect.stringMatching(/^verilator-[0-9a-f]+$/)]);
  });

  it('reports a run that exceeds its cycle budget as hung, writes results.json and no outputs', async () => {
    const workload = writeRandomWorkload(join(scratch, 'hang'), 31, 1);
    const out = join(scratch, 'hang/out');
    const r = await runWorkload({ preset: 'tiny', workload, sim: 'verilator', out, budget: 50 });
    expect(r.status).toBe('timeout');
    expect(r.message).toContain('no completion within the budget of 50 cycles');
    expect(existsSync(join(out, 'results.json'))).toBe(true);
    expect(existsSync(join(out, 'outputs'))).toBe(false);
    // The summary says it did not finish, and claims no utilization (once it printed 185986583.3%).
    expect([r.peUtilization, r.boundRatio]).toEqual([0, 0]);
    const summary = formatRunSummary(r);
    expect(summary).toContain('cycles:        the run did not finish (the budget was 50 cycles');
    expect(summary).not.toMatch(/\d%/);
  });
});

describe('output comparison', () => {
  it('counts and locates every differing value', () => {
    const expected = [1, 2, 3, 4, 5, 6];
    expect(compareOutputs(expected, [1, 2, 3, 4, 5, 6], [2, 3]).mismatches).toBe(0);
    const r = compareOutputs(expected, [1, 2, 3, 4, -5, 6], [2, 3]);
    expect(r.mismatches).toBe(1);
    expect(r.firstMismatches).toEqual([{ index: [1, 1], expected: 5, got: -5 }]);
  });
});

describe('command line', () => {
  it('exits non-zero with a clear message for a wrong config field, leaving no output folder', async () => {
    writeFileSync(join(scratch, 'bad-config.json'), JSON.stringify({ pe: { tn: 6 }, enginez: 2 }));
    const r = await cli(['run', '--config', 'bad-config.json', '--workload', 'builtin:lenet5', '--out', 'bad-out']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('bad-config.json: pe.tn: expected a power of two, found 6');
    expect(r.stderr).toContain('bad-config.json: enginez: expected no such field');
    expect(existsSync(join(scratch, 'bad-out'))).toBe(false);
  });

  it('exits non-zero naming the layer for a model with a bad shape', async () => {
    const dir = join(scratch, 'badmodel');
    writeRandomWorkload(dir, 41, 1);
    writeFileSync(join(dir, 'job0/model.json'), JSON.stringify({ name: 'm', input: [3, 4, 4], layers: [{ name: 'c', type: 'conv', out: 2, kernel: 7 }] }));
    const r = await cli(['run', '--preset', 'tiny', '--workload', join(dir, 'workload.json'), '--out', 'badmodel-out']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/job0\/model\.json: layers\[0\]\.kernel: expected .*found 7/);
    expect(existsSync(join(scratch, 'badmodel-out'))).toBe(false);
  });

  it('exits non-zero naming the file for a truncated .npy', async () => {
    const dir = join(scratch, 'truncated');
    writeRandomWorkload(dir, 42, 1);
    const input = join(dir, 'job0/input.npy');
    const bytes = readFileSync(input);
    writeFileSync(input, bytes.subarray(0, bytes.length - 7));
    const r = await cli(['run', '--preset', 'tiny', '--workload', join(dir, 'workload.json'), '--out', 'truncated-out']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/job0\/input\.npy: data: expected \d+ bytes of int8 data for shape \[\d+,\d+,\d+,\d+\], found \d+/);
    expect(existsSync(join(scratch, 'truncated-out'))).toBe(false);
  });

  it('generates a preset and prints where', async () => {
    const r = await cli(['generate', '--preset', 'tiny', '--out', 'gen-tiny']);
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(scratch, 'gen-tiny/rtl/sf_top.sv'))).toBe(true);
    expect(r.stdout).toContain('generated');
  });
});
