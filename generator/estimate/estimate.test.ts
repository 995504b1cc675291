// The fast cycle model: against RTL on small random workloads under every policy (the benchmark
// measures it on the full networks), its scheduling rules, and the estimate command.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hwParams } from '../arch/params.ts';
import { POLICIES } from '../arch/regmap.ts';
import { runCli } from '../cli/program.ts';
import { readResultsFile } from '../report/results-file.ts';
import { loadConfig, resolveConfig } from '../config/resolve.ts';
import { InputError } from '../errors.ts';
import { Rng } from '../model/random.ts';
import { builtinWorkload, loadWorkload, loadWorkloadRef } from '../model/workload.ts';
import { writeRandomWorkload } from '../model/random-model.ts';
import { compileForPolicy, memorySettings, runWorkload } from '../runner/run.ts';
import { taskErrors } from './accuracy.ts';
import { estimateProgram, estimateWorkload, modelTasks } from './estimate.ts';
import { simulate } from './simulate.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-estimate-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('fast cycle model', () => {
  it('follows RTL on random workloads under every policy (within 25% on tasks of a few thousand cycles; 2-12% measured)', async () => {
    const cfg = loadConfig({ preset: 'tiny' });
    const errors: number[] = [];
    for (const seed of [301, 302]) {
      const workload = writeRandomWorkload(join(scratch, String(seed)), seed, 2, { maxSide: 12 });
      for (const policy of POLICIES) {
        const rtl = await runWorkload({ preset: 'tiny', workload, sim: 'verilator', out: join(scratch, `${seed}-${policy}`), policy });
        expect(rtl.status, rtl.message).toBe('ok');
        const program = compileForPolicy(loadWorkload(workload), cfg, policy);
        const model = estimateProgram(program, cfg, { policy, latency: cfg.testbench.latency, bytesPerCycle: cfg.busBytes });
        errors.push((model.cycles - rtl.cycles) / rtl.cycles);
      }
    }
    for (const e of errors) expect(Math.abs(e)).toBeLessThan(0.25);
  });

  it('predicts LeNet-5 x2 on tiny within 5% in total and most of its task-cycles within 10% per task, under every policy', async () => {
    const cfg = loadConfig({ preset: 'tiny' });
    const workload = 'builtin:lenet5:2';
    for (const policy of POLICIES) {
      const rtl = await runWorkload({ preset: 'tiny', workload, sim: 'verilator', out: join(scratch, `lenet-${policy}`), policy });
      expect(rtl.status, rtl.message).toBe('ok');
      const [est] = estimateWorkload(builtinWorkload('lenet5', 2, 0), cfg, [policy], { latency: cfg.testbench.latency, bytesPerCycle: cfg.busBytes });
      expect(est.tasks).toBe(rtl.tasks);
      expect(Math.abs(est.cycles - rtl.cycles) / rtl.cycles, `${policy} total`).toBeLessThan(0.05);
      // Measured: totals within 1%, 19 of 20 tasks within 10%; the last (fc5, under 400
      // cycles) 21% off.
      const e = taskErrors(est.taskSpans, rtl.trace);
      expect(e.within10Cycles, `${policy}: ${JSON.stringify(e)}`).toBeGreaterThan(0.9);
      expect(e.median).toBeLessThan(0.05);
    }
  });

  it('estimates any valid configuration: a prediction at or above the physical bound, or a refusal naming what does not fit', () => {
    const rng = new Rng(4242);
    const pick = <T,>(values: readonly T[]) => values[rng.int(0, values.length - 1)];
    let estimated = 0;
    for (let i = 0; i < 60; i++) {
      const dataBits = pick([8, 16] as const);
      const tn = pick(dataBits === 8 ? [4, 8, 16, 32] : [2, 4, 8, 16]);
      const input = {
        dataBits, engines: rng.int(1, 8),
        pe: { tn, tm: tn * pick([1, 2, 4]), multiplier: pick(['inferred', 'booth'] as const), postLanes: pick([1, tn]) },
        buffers: { inputWords: pick([256, 1024, 8192]), weightWords: pick([16, 32, 128]), accWords: pick([64, 256, 1024]) },
        memory: { channels: pick([1, 2, 4, 8]), maxBurst: pick([4, 16, 64]), maxOutstanding: pick([2, 8]) },
        controller: { window: rng.int(2, 16), counters: pick([16, 64, 256]), trace: pick([true, false]) },
        testbench: { latency: rng.int(1, 100) },
      };
      let cfg;
      try {
        cfg = resolveConfig(input, `random config ${i}`);
      } catch (err) {
        expect(err).toBeInstanceOf(InputError);
        continue;
      }
      try {
        for (const e of estimateWorkload(builtinWorkload('lenet5', 2, 0), cfg, POLICIES, memorySettings({}, cfg))) {
          expect(Number.isFinite(e.cycles), JSON.stringify(input)).toBe(true);
          expect(e.cycles).toBeGreaterThanOrEqual(e.physicalBoundCycles);
        }
        estimated++;
      } catch (err) {
        expect(err, JSON.stringify(input)).toBeInstanceOf(InputError);
      }
    }
    expect(estimated).toBeGreaterThan(20);
  });

  it('measures per-task errors against a trace', () => {
    const model = [{ start: 0, end: 100 }, { start: 100, end: 150 }, { start: 150, end: 400 }];
    const trace = [{ task: 2, start: 160, end: 360 }, { task: 0, start: 0, end: 110 }, { task: 1, start: 110, end: 150 }];
    // Durations: 250 against 200 (+25%), 100 against 110 (-9.1%), 50 against 40 (+25%).
    const e = taskErrors(model, trace);
    expect(e.tasks).toBe(3);
    expect(e.median).toBeCloseTo(0.25);
    expect(e.max).toBeCloseTo(0.25);
    expect(e.within10).toBeCloseTo(1 / 3);
    expect(e.within10Cycles).toBeCloseTo(110 / 350);
    expect(() => taskErrors(model.slice(0, 2), trace)).toThrow(/task 2/);
  });

  it('dispatches the oldest ready task at once on a power of two of the free engines', () => {
    const cfg = loadConfig({ preset: 'default' });
    const program = compileForPolicy(builtinWorkload('alexnet', 2, 0), cfg, 'elastic', { taskListOnly: true });
    const model = estimateProgram(program, cfg, { policy: 'elastic', latency: 20, bytesPerCycle: cfg.busBytes });
    for (const t of model.tasks) expect(Number.isInteger(Math.log2(t.engines.length))).toBe(true);
    // Every task starts after the tasks it depends on ended.
    program.tasks.forEach((t, i) => t.deps.forEach((d) => expect(model.tasks[i].start).toBeGreaterThanOrEqual(model.tasks[d].end)));
  });

  it('slows a bulk task beside compute-bound ones by more than their beats (lock-stepped ports), and not when alone', () => {
    const cfg = loadConfig({ preset: 'paper' });
    const program = compileForPolicy(loadWorkloadRef('examples/alexnet-zfnet-stream4.json'), cfg, 'elastic', { taskListOnly: true });
    const tasks = modelTasks(program);
    const fc = tasks.findIndex((t) => t.desc.bulk === 1);
    const conv = tasks.findIndex((t) => t.desc.bulk === 0 && t.desc.pref_engines === 1);
    expect(fc).toBeGreaterThanOrEqual(0);
    expect(conv).toBeGreaterThanOrEqual(0);
    const free = (i: number) => ({ ...tasks[i], deps: [] });
    const fcCycles = (list: typeof tasks, bulkBarrier: number) => {
      const r = simulate(list, hwParams(cfg), { policy: 'elastic', staticGroup: 4, latency: 20, bytesPerCycle: cfg.busBytes, window: Infinity, bulkBarrier });
      return r.tasks[0].end - r.tasks[0].start;
    };
    // The fc task first, then seven chains of convolutions on the other engines for as long.
    const beside = [free(fc), ...Array.from({ length: 7 * 40 }, (_, k) => ({ ...tasks[conv], deps: k >= 7 ? [k - 6] : [] }))];
    const slowed = fcCycles(beside, 0.4);
    expect(slowed).toBeGreaterThan(fcCycles(beside, 0) * 1.02);
    expect(fcCycles([free(fc)], 0.4)).toBe(fcCycles([free(fc)], 0));
  });

  it('never gives a lone job a slower program under elastic than the monolithic one', () => {
    const cfg = loadConfig({ preset: 'default' });
    for (const [model, batch] of [['lenet5', 4], ['alexnet', 1]] as const) {
      const cycles = (policy: 'monolithic' | 'elastic') =>
        estimateProgram(compileForPolicy(builtinWorkload(model, batch, 0), cfg, policy, { taskListOnly: true }), cfg, { policy, latency: 20, bytesPerCycle: cfg.busBytes });
      const elastic = cycles('elastic');
      const monolithic = cycles('monolithic');
      expect(elastic.cycles).toBeLessThanOrEqual(monolithic.cycles);
      // AlexNet has nothing to overlap: the same program. LeNet-5's four conv1 images, each
      // loading its own input, queue for the memory together when ganged; one image an engine
      // lets the loads of one overlap the others' computation (34,293 against 35,063 cycles in
      // RTL on default).
      if (model === 'alexnet') expect(elastic.cycles).toBe(monolithic.cycles);
      else expect(elastic.cycles).toBeLessThan(monolithic.cycles);
    }
  });

  it('runs monolithic tasks one at a time on every engine', () => {
    const cfg = loadConfig({ preset: 'default' });
    const program = compileForPolicy(builtinWorkload('lenet5', 4, 0), cfg, 'monolithic', { taskListOnly: true });
    const model = simulate(modelTasks(program), hwParams(cfg), { policy: 'monolithic', staticGroup: 2, latency: 20, bytesPerCycle: cfg.busBytes, window: 4 });
    const byStart = [...model.tasks].sort((a, b) => a.start - b.start);
    for (let i = 1; i < byStart.length; i++) expect(byStart[i].start).toBeGreaterThanOrEqual(byStart[i - 1].end);
    for (const t of model.tasks) expect(t.engines.length).toBe(4);
  });

  it('estimates AlexNet x4 under every policy in well under a second of model time', () => {
    const cfg = loadConfig({ preset: 'default' });
    const estimates = estimateWorkload(builtinWorkload('alexnet', 4, 0), cfg, POLICIES, { latency: 20, bytesPerCycle: cfg.busBytes });
    for (const e of estimates) {
      expect(e.modelMs).toBeLessThan(1000);
      expect(e.boundRatio).toBeGreaterThan(1);
    }
  });

  it('writes each policy\'s prediction in results.json\'s format and as a run report (--out)', async () => {
    const out = join(scratch, 'estimate-out');
    let said = '';
    const code = await runCli(['node', 'synergyflow', 'estimate', '--preset', 'tiny', '--workload', 'builtin:lenet5:2', '--out', out], { out: (t) => (said += t), err: () => {} });
    expect(code).toBe(0);
    expect(said).toContain('report-<policy>.html');
    const cfg = loadConfig({ preset: 'tiny' });
    const [elastic] = estimateWorkload(builtinWorkload('lenet5', 2, 0), cfg, ['elastic'], { latency: cfg.testbench.latency, bytesPerCycle: cfg.busBytes });
    for (const policy of POLICIES) {
      const results = readResultsFile(join(out, `estimate-${policy}.json`));
      expect(results.status).toBe('estimate');
      expect(results.trace.length).toBe(results.tasks);
      // Every task's span is the model's, and the engines' busy cycles add up to them.
      const busy = results.trace.reduce((s, t) => s + (t.end - t.start) * t.engines.length, 0);
      expect(results.engines.reduce((s, e) => s + e.busyCycles, 0)).toBe(busy);
      if (policy === 'elastic') {
        expect(results.cycles).toBe(elastic.cycles);
        expect(results.trace.map((t) => t.start).sort((a, b) => a - b)).toEqual(elastic.taskSpans.map((t) => Math.round(t.start)).sort((a, b) => a - b));
      }
      const html = readFileSync(join(out, `report-${policy}.html`), 'utf8');
      expect(html).toContain('Predicted schedule (fast cycle model)');
      expect(html).toContain('not run (estimate)');
      expect(html).not.toContain('MISMATCH');
    }
  });

  it('is a command: a table, or JSON', async () => {
    let out = '';
    const code = await runCli(['node', 'synergyflow', 'estimate', '--preset', 'tiny', '--workload', 'builtin:lenet5:2', '--json'], { out: (t) => (out += t), err: () => {} });
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json.estimates.map((e: { policy: string }) => e.policy)).toEqual([...POLICIES]);
    expect(json.estimates[0].cycles).toBeGreaterThan(0);
  });
});
