// The FIFO primitive at block level, on both simulators (tb/sf_fifo_tb.v), in register storage
// (the smallest depth among them) and in a RAM: empty after reset, filled to full (pushes beyond
// are refused), drained to empty (pops beyond are ignored), pushed and popped in the same cycle
// while full and while empty, cleared (with a push in the same cycle, which is dropped); and
// random traffic. Every cycle's outputs are compared with a TypeScript model of the contract.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ram } from '../ram/block.ts';
import { Rng } from '../../model/random.ts';
import { buildBlockSim } from '../../tools/block-sim.ts';
import { TB_DIR } from '../../tools/sim.ts';
import { renderLeaf } from '../../emit/verilog.ts';
import { fifo } from './block.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-fifo-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const HEADER = { version: 'test', source: 'fifo.test.ts', hash: '-', command: '-' };
const MAX_OPS = 8192;

interface Op {
  push?: boolean;
  pop?: boolean;
  clear?: boolean;
  data?: bigint;
}

interface Outputs {
  valid: boolean;
  empty: boolean;
  full: boolean;
  count: number;
  /** The head, when valid. */
  data?: bigint;
}

/**
 * The contract: a push is taken unless full (full and popped in the same cycle, it is taken), a
 * pop only while there is a head, a clear empties the FIFO and drops its cycle's push. With
 * registers an entry becomes the head in the cycle after its push; in a RAM the head is the
 * RAM's registered output, loaded in the cycle after the entry is pushed or the head popped.
 */
class FifoModel {
  entries: bigint[] = [];
  headValid = false;

  constructor(
    readonly depth: number,
    readonly inRam: boolean,
  ) {}

  outputs(): Outputs {
    const count = this.entries.length;
    const valid = this.inRam ? this.headValid : count > 0;
    return { valid, empty: count === 0, full: count === this.depth, count, data: valid ? this.entries[0] : undefined };
  }

  step(op: Op): void {
    const { valid, full } = this.outputs();
    const pop = !!op.pop && valid;
    const push = !!op.push && (!full || pop);
    if (op.clear) {
      this.entries = [];
      this.headValid = false;
      return;
    }
    const behindHead = this.entries.length - Number(this.headValid);
    if (this.inRam) this.headValid = (behindHead > 0 && (!this.headValid || pop)) || (this.headValid && !pop);
    if (pop) this.entries.shift();
    if (push) this.entries.push(op.data ?? 0n);
  }
}

function opsFile(ops: Op[], width: number): string {
  if (ops.length >= MAX_OPS) throw new Error(`at most ${MAX_OPS - 1} operations`);
  const mask = (1n << BigInt(width)) - 1n;
  const line = (flags: number, data: bigint) => flags.toString(16) + (data & mask).toString(16).padStart(16, '0');
  return [...ops.map((o) => line(Number(!!o.pop) | (Number(!!o.push) << 1) | (Number(!!o.clear) << 2), o.data ?? 0n)), line(8, 0n)].join('\n') + '\n';
}

const show = (o: Outputs | undefined): string =>
  o ? `valid ${Number(o.valid)} empty ${Number(o.empty)} full ${Number(o.full)} count ${o.count} head ${o.data?.toString(16) ?? '-'}` : 'missing';

function parse(out: string): Outputs[] {
  const rows: Outputs[] = [];
  for (const m of out.matchAll(/^SF_FIFO (\d+) (\d) (\d) (\d) (\d+) ([0-9a-fxz]+)$/gm)) {
    const valid = m[2] === '1';
    rows[Number(m[1])] = { valid, empty: m[3] === '1', full: m[4] === '1', count: Number(m[5]), data: valid ? BigInt(`0x${m[6]}`) : undefined };
  }
  if (!out.includes('SF_FIFO_DONE')) throw new Error(`unexpected testbench output:\n${out}`);
  return rows;
}

const CONFIGS = [
  { what: 'registers, 8 x 4', width: 8, depth: 4, inRam: false },
  { what: 'registers, 5 x 2 (the smallest)', width: 5, depth: 2, inRam: false },
  { what: 'a RAM, 16 x 8', width: 16, depth: 8, inRam: true },
];

const cases = (['icarus', 'verilator'] as const).flatMap((sim) => CONFIGS.map((c) => ({ sim, ...c })));

describe.each(cases)('the FIFO in $what on $sim', ({ sim, width, depth, inRam }) => {
  let run: (ops: Op[]) => Promise<{ got: Outputs[]; want: Outputs[] }>;
  let next = 1n;
  // Distinct data for every push, so a lost, repeated or reordered entry shows.
  const data = () => (next++ * 0x9e3779b97f4a7c15n) & ((1n << BigInt(width)) - 1n);
  const pushes = (n: number, pop = false): Op[] => Array.from({ length: n }, () => ({ push: true, pop, data: data() }));
  const idle = (n: number): Op[] => Array.from({ length: n }, () => ({}));
  const pops = (n: number): Op[] => Array.from({ length: n }, () => ({ pop: true }));
  const fill: Op[] = [...pushes(depth + 2), ...idle(2)];

  beforeAll(async () => {
    const dir = join(scratch, `${sim}-${width}x${depth}${inRam ? '-ram' : ''}`);
    const sources = [join(TB_DIR, 'sf_fifo_tb.v')];
    const storage = inRam ? ram('sf_sdp_ram_fifo_test', 'the test FIFO\'s storage', width, depth) : undefined;
    for (const leaf of [fifo({ name: 'sf_fifo_dut', doc: 'FIFO under test', width, depth, ram: storage }), ...(storage ? [storage] : [])]) {
      const path = `${dir}-${leaf.name}.sv`;
      writeFileSync(path, renderLeaf(leaf, HEADER));
      sources.push(path);
    }
    const runSim = await buildBlockSim({ sim, top: 'sf_fifo_tb', sources, params: { WIDTH: width, DEPTH: depth }, dir });
    let runs = 0;
    run = async (ops) => {
      const file = `${dir}-ops${runs++}.hex`;
      writeFileSync(file, opsFile(ops, width));
      const got = parse(await runSim([`+ops=${file}`]));
      const model = new FifoModel(depth, inRam);
      const want = ops.map((op) => {
        const o = model.outputs();
        model.step(op);
        return o;
      });
      expect(got).toHaveLength(ops.length);
      // The first cycle that differs, with its neighbours, rather than thousands of lines.
      const bad = want.findIndex((w, i) => show(w) !== show(got[i]));
      if (bad >= 0) {
        const around = (rows: Outputs[]) => rows.slice(Math.max(0, bad - 3), bad + 1).map(show);
        expect({ cycle: bad, outputs: around(got) }).toEqual({ cycle: bad, outputs: around(want) });
      }
      return { got, want };
    };
  }, 120_000);

  it('starts empty, fills to full refusing further pushes, and drains in order ignoring further pops', async () => {
    const ops = [...idle(2), ...fill, ...pops(depth + 2), ...idle(2)];
    const { got } = await run(ops);
    expect(got[0]).toEqual({ valid: false, empty: true, full: false, count: 0 });
    // After the pushes (the last two refused), full with the first entry at the head.
    const full = got[2 + depth + 2 + 1];
    expect(full).toMatchObject({ valid: true, full: true, empty: false, count: depth, data: ops[2].data });
    const heads = got.filter((o, i) => i >= 2 + fill.length && o.valid && ops[i].pop).map((o) => o.data);
    expect(heads).toEqual(ops.slice(2, 2 + depth).map((o) => o.data));
    expect(got.at(-1)).toEqual({ valid: false, empty: true, full: false, count: 0 });
  });

  it('takes a push and a pop in the same cycle while full, staying full', async () => {
    const ops = [...fill, ...pushes(3 * depth, true), ...pops(depth + 2)];
    const { got } = await run(ops);
    for (let i = fill.length; i < fill.length + 3 * depth; i++) expect(got[i]).toMatchObject({ full: true, count: depth });
    // Every entry taken comes out, in order: the first depth, then the ones pushed while full.
    const pushed = ops.filter((o, i) => o.push && (i < depth || i >= fill.length)).map((o) => o.data);
    expect(got.filter((o, i) => o.valid && ops[i].pop).map((o) => o.data)).toEqual(pushed);
  });

  it('takes a push and ignores the pop in the same cycle while empty', async () => {
    const ops = [...pushes(1, true), ...idle(3), ...pops(2), ...pushes(1, true), ...idle(2), ...pops(1), ...idle(2)];
    const { got } = await run(ops);
    expect(got[1]).toMatchObject({ empty: false, count: 1 });
    expect(got.filter((o, i) => o.valid && ops[i].pop).map((o) => o.data)).toEqual([ops[0].data, ops[6].data]);
    expect(got.at(-1)).toMatchObject({ empty: true, count: 0 });
  });

  it('empties on clear, dropping a push of the same cycle, and works on afterwards', async () => {
    const ops = [...fill, { clear: true, push: true, data: data() }, ...idle(3), ...pushes(2), ...idle(2), ...pops(3), ...pushes(depth), { clear: true }, ...idle(2)];
    const { got } = await run(ops);
    expect(got[fill.length + 1]).toEqual({ valid: false, empty: true, full: false, count: 0 });
    const afterClear = ops.slice(fill.length + 4, fill.length + 6).map((o) => o.data);
    expect(got.filter((o, i) => o.valid && ops[i].pop).map((o) => o.data)).toEqual(afterClear);
    // Cleared while filling: nothing left in the cycle after.
    expect(got.at(-2)).toEqual({ valid: false, empty: true, full: false, count: 0 });
  });

  it('matches the model over random traffic, in phases of filling and draining', async () => {
    const rng = new Rng(depth * 1000 + width);
    const chance = (p: number) => rng.nextU32() < p * 2 ** 32;
    const ops: Op[] = [];
    for (let phase = 0; phase < 40; phase++) {
      const pushRate = [0.9, 0.1, 0.5, 0.95][phase % 4];
      const popRate = [0.2, 0.9, 0.5, 0.95][phase % 4];
      for (let c = 0; c < 60; c++) ops.push({ push: chance(pushRate), pop: chance(popRate), clear: chance(0.005), data: data() });
    }
    const { got } = await run(ops);
    // The traffic reaches both ends, and both simultaneous cases at full.
    expect(got.some((o) => o.full)).toBe(true);
    expect(got.filter((o, i) => o.full && ops[i].push && ops[i].pop).length).toBeGreaterThan(3);
    expect(got.filter((o) => o.empty).length).toBeGreaterThan(10);
  });
});

describe('the FIFO block', () => {
  it('refuses a depth that is not a power of two, and a RAM of another shape', () => {
    expect(() => fifo({ name: 'sf_fifo_x', doc: '', width: 8, depth: 6 })).toThrow(/power of two/);
    expect(() => fifo({ name: 'sf_fifo_x', doc: '', width: 8, depth: 1 })).toThrow(/power of two of at least 2/);
    expect(() => fifo({ name: 'sf_fifo_x', doc: '', width: 8, depth: 8, ram: ram('sf_sdp_ram_x', '', 8, 16) })).toThrow(/8 x 8, not sf_sdp_ram_x \(8 x 16\)/);
  });
});
