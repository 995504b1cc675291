// The explorer: the space file's checks, the Pareto front, and an exploration on every core
// giving what the in-process evaluation and the estimate command give.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/resolve.ts';
import { problemsOf } from '../test-helpers.ts';
import { estimateWorkload } from '../estimate/estimate.ts';
import { builtinWorkload } from '../model/workload.ts';
import { memorySettings } from '../runner/run.ts';
import { explore, fitsDevice, type ResourcePredictor } from './explore.ts';
import { formatExploration, renderExplorePage } from './explore-page.ts';
import { paretoFront } from './pareto.ts';
import { parseSpace, spaceConfigs } from './space.ts';

/** A stand-in for the resource model: DSPs one per MAC, LUTs and BRAMs growing with the engines. */
const toyResources: ResourcePredictor = (cfg) => ({ luts: cfg.macs * 40 + cfg.engines * 3000, ffs: cfg.macs * 10, dsps: cfg.macs, brams: cfg.engines * 20 });


describe('the design space', () => {
  it('varies config fields by path on a preset, every combination', () => {
    const space = parseSpace({ base: 'tiny', vary: { engines: [1, 2], 'pe.tm': [4, 8, 16] } }, 's.json');
    const configs = spaceConfigs(space);
    expect(configs.length).toBe(6);
    expect(configs[5].input).toMatchObject({ engines: 2, pe: { tn: 4, tm: 16 }, memory: { channels: 1 } });
    expect(configs.map((c) => c.setting)).toContainEqual({ engines: 1, 'pe.tm': 8 });
    expect(space.policies).toEqual(['monolithic', 'elastic']);
  });

  it('refuses unknown fields, devices and bases, naming each', () => {
    const p = problemsOf(() => parseSpace({ base: 'huge', vary: { engine: [2], 'pe.tn': [] }, devices: ['ice40hx8k'], policies: ['fastest'] }, 's.json'));
    const fields = p.map((x) => x.field);
    expect(fields).toEqual(expect.arrayContaining(['vary.pe.tn', 'policies.0']));
    const p2 = problemsOf(() => parseSpace({ base: 'huge', vary: { engine: [2] }, devices: ['ice40hx8k'] }, 's.json'));
    expect(p2.map((x) => [x.field, x.found])).toEqual([['base', '"huge"'], ['vary.engine', '"engine"'], ['devices[0]', '"ice40hx8k"']]);
    const big = problemsOf(() => parseSpace({ vary: { engines: Array.from({ length: 200 }, (_, i) => i + 1), 'pe.tm': Array.from({ length: 100 }, (_, i) => i) } }, 's.json'));
    expect(big[0]).toMatchObject({ field: 'vary', expected: 'at most 20,000 points (combinations times policies)' });
  });
});

describe('the Pareto front', () => {
  it('keeps the points no other beats on both throughput and cost', () => {
    const pts = [
      { throughput: 10, cost: 5 }, { throughput: 8, cost: 5 }, { throughput: 12, cost: 9 }, { throughput: 11, cost: 10 },
      { throughput: 3, cost: 1 }, { throughput: 12, cost: 12 }, { throughput: 20, cost: 30 },
    ];
    expect(paretoFront(pts)).toEqual([4, 0, 2, 6]);
    expect(paretoFront([])).toEqual([]);
  });
});

describe('an exploration', () => {
  it('gives on two threads what one gives and what estimate gives, with fronts per device', async () => {
    const space = parseSpace({ base: 'tiny', vary: { engines: [1, 2, 4], 'pe.tm': [4, 8], 'buffers.weightWords': [8, 64] }, devices: ['xc7z020', 'xc7vx690t'] }, 's.json');
    const workload = 'builtin:lenet5:2';
    const two = await explore(workload, space, toyResources, { threads: 2 });
    const one = await explore(workload, space, toyResources, { threads: 1 });
    expect(two.points).toEqual(one.points);
    expect(two.points.length).toBe(24);
    // weightWords 8 cannot hold LeNet-5's 5x5 kernels: invalid, with the reason.
    const invalid = two.points.filter((p) => p.invalid);
    expect(invalid.length).toBe(12);
    expect(invalid[0].invalid).toContain('kernel*kernel at most buffers.weightWords');
    // A point's cycles are the estimate command's.
    const p = two.points.find((x) => !x.invalid && x.setting.engines === 2 && x.setting['pe.tm'] === 8 && x.policy === 'elastic')!;
    const cfg = loadConfig({ preset: 'tiny' });
    const [e] = estimateWorkload(builtinWorkload('lenet5', 2, 0), { ...cfg, engines: 2, pe: { ...cfg.pe, tm: 8 }, buffers: { ...cfg.buffers, weightWords: 64 }, macs: 2 * 4 * 8 }, ['elastic'], memorySettings({}, cfg));
    expect(p.cycles).toBe(e.cycles);
    expect(p.imagesPerSecond).toBeCloseTo((2 * 100e6) / e.cycles);
    // The fronts: increasing cost and throughput, each point fitting the device.
    for (const f of two.fronts) {
      const front = f.byDsps.map((i) => two.points[i]);
      expect(front.length).toBeGreaterThan(0);
      for (let i = 1; i < front.length; i++) {
        expect(front[i].resources!.dsps).toBeGreaterThan(front[i - 1].resources!.dsps);
        expect(front[i].imagesPerSecond!).toBeGreaterThan(front[i - 1].imagesPerSecond!);
      }
      for (const q of front) expect(fitsDevice(q.resources!, f.device)).toBe(true);
    }
    const page = await renderExplorePage(two);
    expect((page.match(/<svg/g) ?? []).length).toBe(4);
    expect(page).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    expect(formatExploration(two)).toContain('xc7z020: Pareto front, images/s against DSPs');
  }, 60_000);
});

describe('the explore command', () => {
  it('prints the fronts and writes every point and the page, refusing a bad space file first', async () => {
    const { runCli } = await import('../cli/program.ts');
    const { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'sf-explore-cli-'));
    try {
      const space = join(dir, 'space.json');
      writeFileSync(space, JSON.stringify({ base: 'tiny', vary: { engines: [1, 2], 'pe.tm': [4, 8] }, devices: ['xc7z020'] }));
      let out = '';
      let err = '';
      const io = { out: (t: string) => (out += t), err: (t: string) => (err += t) };
      expect(await runCli(['node', 'synergyflow', 'explore', '--workload', 'builtin:lenet5:1', '--space', space, '--out', join(dir, 'x'), '--threads', '2'], io)).toBe(0);
      expect(out).toContain('8 points (0 cannot run the workload)');
      expect(out).toContain('xc7z020: Pareto front, images/s against DSPs');
      const saved = JSON.parse(readFileSync(join(dir, 'x', 'explore.json'), 'utf8'));
      expect(saved.points.length).toBe(8);
      expect(saved.points[0].resources.dsps).toBe(16);
      expect(readFileSync(join(dir, 'x', 'pareto.html'), 'utf8')).toContain('<svg');
      writeFileSync(space, JSON.stringify({ base: 'tiny', vary: { enginez: [1] } }));
      err = '';
      expect(await runCli(['node', 'synergyflow', 'explore', '--workload', 'builtin:lenet5:1', '--space', space, '--out', join(dir, 'y')], io)).toBe(2);
      expect(err).toContain('vary.enginez');
      expect(existsSync(join(dir, 'y'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('explore --confirm on the job queue', async () => {
  const { findRedisServer, startTestRedis, NO_REDIS } = await import('../queue/test-redis.ts');
  const redisServer = findRedisServer();
  it.skipIf(!redisServer)(redisServer ? 'simulates the fastest front point in RTL through a worker, bit-exact, beside the model\'s cycles' : NO_REDIS, async () => {
    const { runCli } = await import('../cli/program.ts');
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const redis = await startTestRedis(redisServer);
    const dir = mkdtempSync(join(tmpdir(), 'sf-explore-confirm-'));
    try {
      const space = join(dir, 'space.json');
      writeFileSync(space, JSON.stringify({ base: 'tiny', vary: { engines: [1, 2] }, policies: ['elastic'], devices: ['xc7z020'] }));
      let out = '';
      const io = { out: (t: string) => (out += t), err: () => {} };
      const code = await runCli(['node', 'synergyflow', 'explore', '--workload', 'builtin:lenet5:1', '--space', space, '--confirm', '1', '--redis', redis.url, '--queue', 'explore-test', '--local', '--quiet'], io);
      expect(code, out).toBe(0);
      const line = out.split('\n').find((l) => l.includes('engines=2 elastic: RTL'))!;
      expect(line).toMatch(/RTL ok, every output bit-exact, [\d,]+ cycles; model [\d,]+ \(-?\d+\.\d%\)/);
      // The confirmed point's RTL cycles are a direct run's.
      const cycles = Number(/RTL ok, every output bit-exact, ([\d,]+) cycles/.exec(line)![1].replace(/,/g, ''));
      const { runWorkload } = await import('../runner/run.ts');
      const direct = await runWorkload({ config: undefined, preset: undefined, generated: (await import('../emit/generate.ts')).generateFiles((await import('../config/resolve.ts')).resolveConfig({ ...(await import('../config/presets.ts')).presets.tiny, engines: 2, name: 'explore' }, 'x')), workload: 'builtin:lenet5:1', sim: 'verilator', out: join(dir, 'direct'), policy: 'elastic' });
      expect(direct.cycles).toBe(cycles);
      expect(await runCli(['node', 'synergyflow', 'explore', '--workload', 'builtin:lenet5:1', '--space', space, '--confirm', '1'], io)).toBe(2);
    } finally {
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
