// The dependency counters (sf_dep_counters, a RAM of counters behind one read port) at block
// level, on both simulators (tb/sf_dep_counters_tb.v), against a model of what the module promises:
// at most one request a cycle, each answered in the next (an increment's counter and new value, or
// a lookup's slot and value); a counter not incremented since the last clear reads 0. There is no
// read-after-write forwarding: an increment is written back in the cycle after its request, and no
// request may name that counter in that cycle (the RAM is never read where it is written; the
// controller issues nothing while dep_written_i). So the fastest a counter can be incremented is
// every other cycle, and a lookup sees an increment from two cycles after its request on; other
// counters may be incremented or looked up in the write-back cycle.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/resolve.ts';
import { generateFiles } from '../../emit/generate.ts';
import { Rng } from '../../model/random.ts';
import { buildBlockSim } from '../../tools/block-sim.ts';
import { TB_DIR } from '../../tools/sim.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-dep-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const { design, files } = generateFiles(loadConfig({ preset: 'tiny' }));
const p = design.params;
const MAX_OPS = 8192;

/** One cycle's inputs; run_i is high unless `stopped` or `clear` (the controller clears when not running). */
type Op = { inc?: number; lookup?: { counter: number; slot: number }; clear?: boolean; stopped?: boolean };

interface Results {
  written?: { counter: number; value: number };
  found?: { slot: number; value: number };
}

class DepCountersModel {
  counts = new Map<number, number>();
  results: Results = {};

  step(op: Op): void {
    if (op.clear) {
      this.counts.clear();
      this.results = {};
      return;
    }
    if (op.stopped) {
      if (op.inc !== undefined || op.lookup) throw new Error('the test makes requests only while running');
      return;
    }
    if (op.inc !== undefined && op.lookup) throw new Error('at most one request a cycle');
    const writing = this.results.written?.counter;
    if (writing !== undefined && (op.inc === writing || op.lookup?.counter === writing)) {
      throw new Error(`counter ${writing} is written back this cycle: no request may name it`);
    }
    if (op.inc !== undefined) {
      const value = (this.counts.get(op.inc) ?? 0) + 1;
      this.counts.set(op.inc, value);
      this.results = { written: { counter: op.inc, value } };
    } else if (op.lookup) {
      this.results = { found: { slot: op.lookup.slot, value: this.counts.get(op.lookup.counter) ?? 0 } };
    } else {
      this.results = {};
    }
  }
}

function opsFile(ops: Op[]): string {
  if (ops.length >= MAX_OPS) throw new Error(`at most ${MAX_OPS - 1} operations`);
  const hex = (v: number, digits: number) => v.toString(16).padStart(digits, '0');
  const line = (o: Op) => {
    const flags = Number(o.inc !== undefined) | (Number(!!o.lookup) << 1) | (Number(!!o.clear) << 2) | (Number(!o.stopped && !o.clear) << 3);
    return hex(flags, 2) + hex(o.inc ?? 0, 4) + hex(o.lookup?.counter ?? 0, 4) + hex(o.lookup?.slot ?? 0, 2);
  };
  return [...ops.map(line), '80' + '0'.repeat(10)].join('\n') + '\n';
}

const show = (r: Results | undefined): string =>
  r ? `written ${r.written ? `${r.written.counter}=${r.written.value}` : '-'} found ${r.found ? `slot ${r.found.slot}=${r.found.value}` : '-'}` : 'missing';

function parse(out: string): Results[] {
  const rows: Results[] = [];
  // A result's fields are unknown (x on Icarus) while its flag is low: read only under the flag.
  for (const m of out.matchAll(/^SF_DEP (\d+) (\d) ([0-9xz]+) ([0-9xz]+) (\d) ([0-9xz]+) ([0-9xz]+)$/gm)) {
    const [, cycle, written, counter, wvalue, found, slot, fvalue] = m.map(Number);
    rows[cycle] = {
      ...(written ? { written: { counter, value: wvalue } } : {}),
      ...(found ? { found: { slot, value: fvalue } } : {}),
    };
  }
  if (!out.includes('SF_DEP_DONE')) throw new Error(`unexpected testbench output:\n${out}`);
  return rows;
}

const inc = (counter: number): Op => ({ inc: counter });
const look = (counter: number, slot = 0): Op => ({ lookup: { counter, slot } });
/** Cycles without a request, running. */
const quiet = (n: number): Op[] => Array.from({ length: n }, () => ({}));
const START: Op[] = [{ stopped: true }, { clear: true }, ...quiet(1)];
const LAST = p.counters - 1;

describe.each(['icarus', 'verilator'] as const)('the dependency counters on %s', (sim) => {
  let run: (ops: Op[]) => Promise<Results[]>;
  beforeAll(async () => {
    const dir = join(scratch, sim);
    const sources = [join(TB_DIR, 'sf_dep_counters_tb.v')];
    for (const name of ['sf_dep_counters', 'sf_sdp_ram_dep']) {
      const path = join(scratch, `${name}.sv`);
      writeFileSync(path, String(files.get(`rtl/${name}.sv`)));
      sources.push(path);
    }
    const runSim = await buildBlockSim({ sim, top: 'sf_dep_counters_tb', sources, params: { CNT_W: p.counterBits, WIN_W: p.windowBits }, dir });
    let runs = 0;
    run = async (ops) => {
      const file = join(scratch, `${sim}-ops${runs++}.hex`);
      writeFileSync(file, opsFile(ops));
      const got = parse(await runSim([`+ops=${file}`]));
      const model = new DepCountersModel();
      const want = ops.map((op) => {
        const r = model.results;
        model.step(op);
        return r;
      });
      expect(got).toHaveLength(ops.length);
      const bad = want.findIndex((w, i) => show(w) !== show(got[i]));
      if (bad >= 0) {
        const around = (rows: Results[]) => rows.slice(Math.max(0, bad - 3), bad + 1).map(show);
        expect({ cycle: bad, results: around(got) }).toEqual({ cycle: bad, results: around(want) });
      }
      return got;
    };
  }, 120_000);

  /** Every written value, in order, and every found value, in order. */
  const written = (rows: Results[]) => rows.flatMap((r) => (r.written ? [`${r.written.counter}=${r.written.value}`] : []));
  const found = (rows: Results[]) => rows.flatMap((r) => (r.found ? [`${r.found.slot}:${r.found.value}`] : []));

  it('counts increments of one counter at the fastest rate allowed, every other cycle', async () => {
    const ops = [...START, ...Array.from({ length: 12 }, (_, k) => [inc(5), ...quiet(k % 3 === 0 ? 1 : 2)]).flat(), look(5, 1), ...quiet(2)];
    const got = await run(ops);
    expect(written(got)).toEqual(Array.from({ length: 12 }, (_, k) => `5=${k + 1}`));
    expect(found(got)).toEqual(['1:12']);
  });

  it('increments different counters on back-to-back cycles', async () => {
    // 0, LAST, 0, LAST, 7, 0, LAST, 0, LAST, 7, ...: an increment in every cycle.
    const ops = [...START, ...Array.from({ length: 8 }, (_, k) => [inc(0), inc(LAST), ...(k % 2 ? [inc(7)] : [])]).flat(), inc(LAST), ...quiet(1)];
    const got = await run(ops);
    expect(written(got)).toHaveLength(8 + 9 + 4);
    expect(written(got).filter((w) => w.startsWith(`${LAST}=`))).toEqual(Array.from({ length: 9 }, (_, k) => `${LAST}=${k + 1}`));
    expect(written(got).filter((w) => w.startsWith('0='))).toEqual(Array.from({ length: 8 }, (_, k) => `0=${k + 1}`));
    expect(written(got).filter((w) => w.startsWith('7='))).toEqual(['7=1', '7=2', '7=3', '7=4']);
  });

  it('looks a counter up exactly from the cycle after its write-back, and others during it', async () => {
    // inc(3) in cycle t; in t + 1 (its write-back) look up another counter; in t + 2 counter 3.
    const ops = [...START, inc(3), look(4, 2), look(3, 3), inc(4), inc(3), look(4, 0), look(3, 1), ...quiet(1), look(9, 2), ...quiet(1)];
    const got = await run(ops);
    expect(found(got)).toEqual(['2:0', '3:1', '0:1', '1:2', '2:0']);
    expect(written(got)).toEqual(['3=1', '4=1', '3=2']);
  });

  it('reads every counter as zero again after a clear, and counts from there', async () => {
    const before = [inc(2), ...quiet(1), inc(2), ...quiet(1), inc(2), inc(LAST), ...quiet(1), look(2, 0), look(LAST, 1)];
    const ops = [...START, ...before, ...quiet(1), { stopped: true }, { clear: true }, ...quiet(1), look(2, 2), look(LAST, 3), inc(2), ...quiet(1), look(2, 0), ...quiet(1)];
    const got = await run(ops);
    expect(found(got)).toEqual(['0:3', '1:1', '2:0', '3:0', '0:1']);
    expect(written(got)).toEqual(['2=1', '2=2', '2=3', `${LAST}=1`, '2=1']);
  });

  it('matches the model over random requests, with clears between runs', async () => {
    const rng = new Rng(17);
    // A few counters, so that increments and lookups meet often, and the last one.
    const counters = [0, 1, 2, 3, LAST];
    const ops: Op[] = [...START];
    let writing: number | undefined;
    for (let c = 0; c < 3000; c++) {
      const roll = rng.int(0, 99);
      const counter = rng.pick(counters.filter((k) => k !== writing));
      let op: Op = {};
      if (roll < 1) op = { clear: true };
      else if (roll < 40) op = inc(counter);
      else if (roll < 80) op = look(counter, rng.int(0, 2 ** p.windowBits - 1));
      ops.push(op);
      writing = op.inc;
    }
    ops.push(...quiet(2));
    const got = await run(ops);
    // The traffic has counters well past one, lookups that find them, and back-to-back increments.
    expect(Math.max(...got.map((r) => r.written?.value ?? 0))).toBeGreaterThan(10);
    expect(got.filter((r) => (r.found?.value ?? 0) > 5).length).toBeGreaterThan(20);
    expect(ops.filter((o, i) => o.inc !== undefined && ops[i + 1]?.inc !== undefined).length).toBeGreaterThan(50);
  });
});
