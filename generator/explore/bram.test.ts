// The structural block RAM count: tile shapes as Yosys's memory_libmap picks them, the design's
// memories as the generated RTL has them, and the totals of every calibration synthesis.
import { describe, expect, it } from 'vitest';
import { hwParams } from '../arch/params.ts';
import { loadConfig, resolveConfig, type ResolvedConfig } from '../config/resolve.ts';
import { generateFiles } from '../emit/generate.ts';
import { bramTiles, designMemories, mapBram } from './bram.ts';
import { loadCalibration, pointConfig } from './calibration.ts';

describe('block RAM tiles of one memory (Yosys 0.55 memory_libmap on xc7)', () => {
  it('picks the cheapest tile shape, as the calibration syntheses did', () => {
    // Shapes of the presets' memories, with the mappings their syntheses logged.
    expect(mapBram(32, 2048)).toMatchObject({ mode: 'RAMB36 TDP', unitWidth: 18, count: 2, tiles: 2 });
    expect(mapBram(32, 256)).toMatchObject({ mode: 'RAMB18 SDP', unitWidth: 36, count: 1, tiles: 0.5 });
    expect(mapBram(128, 256)).toMatchObject({ mode: 'RAMB36 SDP', unitWidth: 72, count: 2, tiles: 2 });
    expect(mapBram(16, 64)).toMatchObject({ mode: 'RAMB18 TDP', count: 1, tiles: 0.5 });
    // 128 bits in 4K x 9 tiles use the parity bits for data: 15 tiles per 4K words, not 16.
    expect(mapBram(128, 16384)).toMatchObject({ mode: 'RAMB36 TDP', unitWidth: 9, count: 60, tiles: 60 });
    // 512 bits x 1K: 29 RAMB18 of 1K x 18 beat 15 RAMB36 of 1K x 36 on cost (29 * 129 < 15 * 257).
    expect(mapBram(512, 1024)).toMatchObject({ mode: 'RAMB18 TDP', unitWidth: 18, count: 29, tiles: 14.5 });
  });

  it('splits a memory in depth only when that is cheaper than more tiles', () => {
    // These three were synthesized alone (Yosys 0.55, synth_xilinx -family xc7): 2 RAMB36 (a
    // cascaded pair), 73 RAMB36, 3 RAMB18.
    // 1 bit x 64K: one cascaded pair beats two RAMB36 and a multiplexer.
    expect(mapBram(1, 65536)).toMatchObject({ mode: 'RAMB36 cascade', count: 1, tiles: 2 });
    // 73 bits x 32K: eight 4K x 9 depth slices would take 72 tiles, but multiplexing 73 bits
    // eight ways costs more than the tile they save.
    expect(mapBram(73, 32768)).toMatchObject({ mode: 'RAMB36 TDP', unitWidth: 1, count: 73, tiles: 73 });
    expect(mapBram(73, 512).tiles).toBe(1.5);
    expect(mapBram(36, 512).tiles).toBe(0.5);
    expect(mapBram(72, 512).tiles).toBe(1);
  });
});

/** Instances of each sf_sdp_ram_* module below `root` in the generated RTL, through every level
 * (DSL-composed modules and the leaf templates that instantiate others). */
function ramInstances(files: Map<string, unknown>, roots: string[]): Record<string, number> {
  const children = new Map<string, string[]>();
  for (const [path, text] of files) {
    const name = /^rtl\/(\w+)\.sv$/.exec(path)?.[1];
    if (!name) continue;
    children.set(name, [...String(text).matchAll(/^\s*(sf_\w+)\s+\w+\s*\($/gm)].map((m) => m[1]));
  }
  const counts: Record<string, number> = {};
  const walk = (module: string) => {
    for (const child of children.get(module) ?? []) {
      if (child.startsWith('sf_sdp_ram_')) counts[child] = (counts[child] ?? 0) + 1;
      else walk(child);
    }
  };
  roots.forEach(walk);
  return counts;
}

const SIZES: ResolvedConfig[] = [
  loadConfig({ preset: 'tiny' }),
  loadConfig({ preset: 'micro' }),
  loadConfig({ preset: 'paper' }),
  resolveConfig({ engines: 3, dataBits: 16, pe: { tn: 8, tm: 32 }, memory: { channels: 2 }, controller: { window: 6, counters: 32, trace: false } }, 'test'),
];

describe('the design\'s memories', () => {
  it.each(SIZES.map((cfg) => [cfg.source, cfg] as const))('are every block RAM of the generated RTL, with its shape and instances (%s)', (_name, cfg) => {
    const { design, files } = generateFiles(cfg);
    const memories = designMemories(design.params);
    const leaves = design.leaves.filter((l) => l.name.startsWith('sf_sdp_ram_'));
    const param = (l: (typeof leaves)[number], key: string) => l.localparams.find(([k]) => k === key)?.[1];
    expect(leaves.map((l) => ({ module: l.name, width: param(l, 'WIDTH'), depth: param(l, 'DEPTH') })).sort((a, b) => a.module.localeCompare(b.module)))
      .toEqual(memories.map(({ module, width, depth }) => ({ module, width, depth })).sort((a, b) => a.module.localeCompare(b.module)));
    const count = (part: 'engine' | 'controller') => Object.fromEntries(memories.filter((m) => m.part === part).map((m) => [m.module, m.instances]));
    expect(ramInstances(files, ['sf_engine'])).toEqual(count('engine'));
    expect(ramInstances(files, ['sf_controller', 'sf_dep_counters', 'sf_trace_unit'])).toEqual(count('controller'));
    // And nothing else in the design holds one.
    const all = ramInstances(files, ['sf_top']);
    expect(Object.values(all).reduce((a, b) => a + b, 0)).toBe(memories.reduce((s, m) => s + m.instances * (m.part === 'engine' ? cfg.engines : 1), 0));
  });
});

describe('block RAMs of the calibration syntheses', () => {
  it.each(loadCalibration().points.map((pt) => [pt.name, pt] as const))('are counted exactly, per engine and in the controller (%s)', (_name, point) => {
    const cfg = pointConfig(point);
    const tiles = bramTiles(hwParams(cfg));
    expect(tiles.engine).toBe(point.measured.parts.engine.brams);
    expect(tiles.controller).toBe(point.measured.parts.controller.brams);
    expect(cfg.engines * tiles.engine + tiles.controller).toBe(point.measured.total.brams);
  });
});
