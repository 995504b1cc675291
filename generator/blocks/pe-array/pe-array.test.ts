// The PE array at block level, on both simulators (tb/sf_pe_array_tb.v): random input vectors,
// weight blocks and accumulators, with the extremes of the data range (where a Booth digit
// recoding or a sign extension goes wrong), against a model of the three pipeline stages. Both
// multiplier variants are built: inferred (DSP) and Booth in logic, and a 16-bit one.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../config/resolve.ts';
import { generateFiles } from '../../emit/generate.ts';
import { buildBlockSim } from '../../tools/block-sim.ts';
import { MULTIPLIERS } from './block.ts';
import { TB_DIR } from '../../tools/sim.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-pe-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const N = 48;

/** A deterministic generator (xorshift32), so a failure reproduces. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

interface Step {
  x: bigint[];
  w: bigint[][];
  acc: bigint[];
  zero: boolean;
}

function stimulus(tm: number, tn: number, db: number, seed: number): Step[] {
  const next = rng(seed);
  const min = -(2n ** BigInt(db - 1));
  const max = 2n ** BigInt(db - 1) - 1n;
  // Half the values from the extremes, half uniform.
  const value = () => {
    const r = next();
    if (r % 2 === 0) return [min, max, -1n, 0n, 1n, min + 1n][(r >>> 1) % 6];
    return BigInt(r % 2 ** db) + min;
  };
  return Array.from({ length: N }, () => ({
    x: Array.from({ length: tn }, value),
    w: Array.from({ length: tm }, () => Array.from({ length: tn }, value)),
    acc: Array.from({ length: tm }, () => BigInt(next())),
    zero: next() % 4 === 0,
  }));
}

const unsigned = (v: bigint, bits: number) => BigInt.asUintN(bits, v);

/** One stimulus line: {x, w, acc, zero}, x on top (lane 0 lowest in each field). */
function packStep(s: Step, db: number): string {
  let v = 0n;
  const push = (value: bigint, bits: number) => {
    v = (v << BigInt(bits)) | unsigned(value, bits);
  };
  for (let n = s.x.length - 1; n >= 0; n--) push(s.x[n], db);
  for (let m = s.w.length - 1; m >= 0; m--) for (let n = s.x.length - 1; n >= 0; n--) push(s.w[m][n], db);
  for (let m = s.acc.length - 1; m >= 0; m--) push(s.acc[m], 32);
  push(s.zero ? 1n : 0n, 1);
  return v.toString(16);
}

/** What the array writes back in cycle i: the accumulators of cycle i plus the products of cycle i - 2. */
function model(steps: Step[], i: number): bigint[] {
  const now = steps[i];
  const then = steps[i - 2];
  return now.acc.map((acc, m) => {
    const sum = then.x.reduce((total, x, n) => total + x * then.w[m][n], 0n);
    return unsigned((now.zero ? 0n : acc) + sum, 32);
  });
}

const sizes = [
  { name: 'inferred, 8-bit, 4 x 4', config: { pe: { tn: 4, tm: 4 } } },
  { name: 'Booth, 8-bit, 8 x 4', config: { pe: { tn: 4, tm: 8, multiplier: 'booth' } } },
  { name: 'Booth, 16-bit, 4 x 2', config: { dataBits: 16, pe: { tn: 2, tm: 4, multiplier: 'booth' } } },
];

describe.each(['icarus', 'verilator'] as const)('the PE array on %s', (sim) => {
  it.each(sizes)('multiplies, reduces and accumulates bit-exactly: $name', async ({ name, config }) => {
    const { design, files } = generateFiles(resolveConfig(config, name));
    const p = design.params;
    const dir = join(scratch, `${sim}-${p.tm}x${p.tn}-${p.dataBits}-${p.multiplier}`);
    const sources = ['sf_pe_array', 'sf_pe_row', MULTIPLIERS[p.multiplier].name].map((m) => {
      const path = `${dir}-${m}.sv`;
      writeFileSync(path, String(files.get(`rtl/${m}.sv`)));
      return path;
    });
    const steps = stimulus(p.tm, p.tn, p.dataBits, 0x5eed + p.tm * 131 + p.dataBits);
    const stimPath = `${dir}-stim.hex`;
    writeFileSync(stimPath, steps.map((s) => packStep(s, p.dataBits)).join('\n') + '\n');
    const run = await buildBlockSim({
      sim,
      top: 'sf_pe_array_tb',
      sources: [join(TB_DIR, 'sf_pe_array_tb.v'), ...sources],
      params: { TM: p.tm, TN: p.tn, DB: p.dataBits, N },
      dir,
    });
    const out = await run([`+stim=${stimPath}`]);
    const lines = [...out.matchAll(/^SF_PE (\d+) ([0-9a-fx]+)$/gm)];
    expect(lines).toHaveLength(N);
    for (let i = 2; i < N; i++) {
      const word = BigInt(`0x${lines[i][2]}`);
      const got = Array.from({ length: p.tm }, (_, m) => (word >> BigInt(32 * m)) & 0xffffffffn);
      expect(got, `cycle ${i}`).toEqual(model(steps, i));
    }
  }, 120_000);
});
