// The memory crossbar at block level, on both simulators (tb/sf_xbar_tb.v): every beat reaches
// the requester that asked for it, in order; requesters sharing a channel are served round-robin;
// a bandwidth-bound (bulk) requester yields to a compute-bound one; bulk bursts in flight on a
// channel are capped at BULK_BURSTS, and the cap is reached.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/resolve.ts';
import { generateFiles } from '../../emit/generate.ts';
import { buildBlockSim } from '../../tools/block-sim.ts';
import { TB_DIR } from '../../tools/sim.ts';
import { crossbarMap } from '../../arch/params.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-xbar-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const { design, files } = generateFiles(loadConfig({ preset: 'default' }));
const p = design.params;
const map = crossbarMap(p);
const CYCLES = 4000;

interface XbarRun {
  granted: number[];
  beats: number[];
  bulkMax: number;
  errors: number;
}

function parse(out: string): XbarRun {
  const granted: number[] = [];
  const beats: number[] = [];
  for (const m of out.matchAll(/^SF_XBAR requester (\d+) granted (\d+) beats (\d+)$/gm)) {
    granted[Number(m[1])] = Number(m[2]);
    beats[Number(m[1])] = Number(m[3]);
  }
  const tail = /^SF_XBAR bulk_max (\d+) errors (\d+)$/m.exec(out);
  if (!tail || granted.length !== p.readRequesters) throw new Error(`unexpected testbench output:\n${out}`);
  return { granted, beats, bulkMax: Number(tail[1]), errors: Number(tail[2]) };
}

const mask = (requesters: number[]) => requesters.reduce((m, r) => m | (1 << r), 0);

describe.each(['icarus', 'verilator'] as const)('the memory crossbar on %s', (sim) => {
  let run: (active: number[], bulk: number[]) => Promise<XbarRun>;
  beforeAll(async () => {
    const dir = join(scratch, sim);
    const modules = ['sf_mem_xbar', 'sf_xbar_channel'].map((m) => {
      const path = join(scratch, `${m}.sv`);
      writeFileSync(path, String(files.get(`rtl/${m}.sv`)));
      return path;
    });
    const params = { NRR: p.readRequesters, NWR: p.writeRequesters, NC: p.channels, AW: p.addrBits, BUS_BITS: p.busBits, IDW: p.idBits, LATENCY: 20, CYCLES };
    const sources = [join(TB_DIR, 'sf_xbar_tb.v'), ...modules];
    const runSim = await buildBlockSim({ sim, top: 'sf_xbar_tb', sources, params, dir });
    run = async (active, bulk) => parse(await runSim([`+active=${mask(active)}`, `+bulk=${mask(bulk)}`]));
  }, 120_000);

  it('serves the requesters of a channel round-robin, each its own data in order', async () => {
    const onChannel0 = map.read[0];
    expect(onChannel0.length).toBeGreaterThan(2);
    const r = await run(onChannel0, []);
    expect(r.errors).toBe(0);
    const counts = onChannel0.map((q) => r.granted[q]);
    // One beat a cycle on the channel, four beats a burst: about CYCLES / 4 bursts, shared evenly.
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(CYCLES / 4 - 40);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    for (const q of onChannel0) expect(r.beats[q]).toBeGreaterThanOrEqual(4 * (r.granted[q] - 16));
    for (const q of map.read[1]) expect(r.granted[q]).toBe(0);
  });

  it('lets a bulk requester wait while a compute-bound one on its channel asks', async () => {
    const [compute, bulk] = map.read[0].slice(1, 3);
    const r = await run([compute, bulk], [bulk]);
    expect(r.errors).toBe(0);
    expect(r.granted[compute]).toBeGreaterThan(CYCLES / 4 - 40);
    expect(r.granted[bulk]).toBe(0);
  });

  it('caps the bulk bursts in flight on a channel at BULK_BURSTS, and shares them round-robin', async () => {
    const bulk = map.read[0].slice(1, 3);
    const r = await run(bulk, bulk);
    expect(r.errors).toBe(0);
    expect(r.bulkMax).toBe(p.bulkBursts);
    expect(Math.abs(r.granted[bulk[0]] - r.granted[bulk[1]])).toBeLessThanOrEqual(1);
    // Capped, the channel still streams: BULK_BURSTS bursts per round trip of LATENCY cycles.
    expect(r.granted[bulk[0]] + r.granted[bulk[1]]).toBeGreaterThan(CYCLES / 4 / 2);
  });
});
