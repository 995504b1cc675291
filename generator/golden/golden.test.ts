import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Rounding } from '../layers/layer-type.ts';
import { layerShapes, parseModel, type Bits, type Model } from '../model/model.ts';
import { makeTensor, type Tensor } from '../model/npy.ts';
import { Rng, fillUniform, randomInput, randomWeights } from '../model/random.ts';
import type { Weights } from '../model/weights.ts';
import { goldenForward, goldenLayer, maxPool, postProcess, saturate } from './golden.ts';
import { naiveForward, type NaiveStats } from './naive.ts';
import { naiveFinish, naiveRound } from './naive-numerics.ts';
import { postProcessor } from './post-process.ts';

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

describe('postProcess (numerics.md steps 2-5)', () => {
  it('follows the worked example', () => {
    expect(postProcess(1234, -100, 4, 8, true)).toBe(71);
    expect(postProcess(-1234, -100, 4, 8, false)).toBe(-83);
    expect(postProcess(-1234, -100, 4, 8, true)).toBe(0);
  });

  it('rounds half up, also for negative values', () => {
    expect(postProcess(8, 0, 4, 8, false)).toBe(1); // 0.5 -> 1
    expect(postProcess(7, 0, 4, 8, false)).toBe(0);
    expect(postProcess(-8, 0, 4, 8, false)).toBe(0); // -0.5 -> 0
    expect(postProcess(-9, 0, 4, 8, false)).toBe(-1);
    expect(postProcess(-24, 0, 4, 8, false)).toBe(-1); // -1.5 -> -1
    expect(postProcess(5, 0, 0, 8, false)).toBe(5); // shift 0 leaves t unchanged
  });

  it('adds the bias exactly, beyond 32 bits', () => {
    // 2^32 - 2 would wrap to -2 in 32 bits.
    expect(postProcess(2147483647, 2147483647, 31, 16, false)).toBe(2);
    expect(postProcess(-2147483648, -2147483648, 31, 16, false)).toBe(-2);
    expect(postProcess(-2147483648, -2147483648, 0, 16, false)).toBe(-32768);
  });

  it('saturates to the range of bits', () => {
    expect(saturate(200, 8)).toBe(127);
    expect(saturate(-200, 8)).toBe(-128);
    expect(saturate(40000, 16)).toBe(32767);
    expect(saturate(-40000, 16)).toBe(-32768);
    expect(postProcess(1 << 20, 0, 4, 8, false)).toBe(127);
    expect(postProcess(-(1 << 20), 0, 4, 8, true)).toBe(0);
  });
});

describe('half-to-even rounding (numerics.md step 3, rounding "half-even")', () => {
  const even = (t: number, shift: number, bits: Bits = 16, relu = false) => postProcess(t, 0, shift, bits, relu, 'half-even');

  it('follows the worked example', () => {
    expect(postProcess(1234, -100, 4, 8, true, 'half-even')).toBe(71);
    expect([postProcess(1228, -100, 4, 8, false), postProcess(1228, -100, 4, 8, false, 'half-even')]).toEqual([71, 70]);
    expect([postProcess(-1236, -100, 4, 8, false), postProcess(-1236, -100, 4, 8, false, 'half-even')]).toEqual([-83, -84]);
    expect(postProcess(-1236, -100, 4, 8, true, 'half-even')).toBe(0);
  });

  it('rounds ties to the even quotient, for both signs and both parities', () => {
    // shift 1: t / 2
    expect([-5, -3, -1, 1, 3, 5].map((t) => even(t, 1))).toEqual([-2, -2, 0, 0, 2, 2]);
    // shift 4: t / 16 at x.5, even and odd x, both signs
    expect([8, 24, 40, 56].map((t) => even(t, 4))).toEqual([0, 2, 2, 4]); // 0.5 1.5 2.5 3.5
    expect([-8, -24, -40, -56].map((t) => even(t, 4))).toEqual([0, -2, -2, -4]);
    // Half up differs exactly on the ties whose floor is even.
    expect([8, 24, 40, 56, -8, -24, -40, -56].map((t) => postProcess(t, 0, 4, 16, false))).toEqual([1, 2, 3, 4, 0, -1, -2, -3]);
    // Next to a tie both round to the nearest.
    expect([7, 9, 23, 25, -7, -9, -23, -25].map((t) => even(t, 4))).toEqual([0, 1, 1, 2, 0, -1, -1, -2]);
  });

  it('leaves t as it is at shift 0, and scales the 33-bit range at shift 31', () => {
    for (const t of [-7, -2, -1, 0, 1, 2, 7]) expect(even(t, 0)).toBe(t);
    // t = -2^32, -3 * 2^30 (-1.5), -2^30 (-0.5), 2^30 (0.5), 3 * 2^30 (1.5), 2^32 - 2
    expect(postProcess(INT32_MIN, INT32_MIN, 31, 16, false, 'half-even')).toBe(-2);
    expect(postProcess(INT32_MIN, -(2 ** 30), 31, 16, false, 'half-even')).toBe(-2); // -1.5 -> -2
    expect(postProcess(-(2 ** 30), 0, 31, 16, false, 'half-even')).toBe(0); // -0.5 -> 0
    expect(postProcess(2 ** 30, 0, 31, 16, false, 'half-even')).toBe(0); // 0.5 -> 0
    expect(postProcess(2 ** 30, 2 ** 31 - 1, 31, 16, false, 'half-even')).toBe(1); // 1.5 - 2^-31 -> 1
    expect(postProcess(2 ** 30, INT32_MAX, 31, 16, false, 'half-up')).toBe(1);
    expect(postProcess(INT32_MAX, INT32_MAX, 31, 16, false, 'half-even')).toBe(2);
  });

  it('rounds before it saturates and applies ReLU', () => {
    // 127.5 -> 128 -> 127; 126.5 -> 126; -128.5 -> -128; -127.5 -> -128; -0.5 -> 0 with ReLU.
    expect(even(127 * 2 + 1, 1, 8)).toBe(127);
    expect(even(126 * 2 + 1, 1, 8)).toBe(126);
    expect(even(-128 * 2 - 1, 1, 8)).toBe(-128);
    expect(even(-127 * 2 - 1, 1, 8)).toBe(-128);
    expect(even(-1, 1, 8, true)).toBe(0);
    expect(even(-3, 1, 8, true)).toBe(0);
    expect(even(3, 1, 8, true)).toBe(2);
  });

  /**
   * t around every tie of the shift (the tie, one either side, both signs, even and odd
   * quotients) and at the ends of the int32 + int32 range, as (acc, bias) pairs.
   */
  function tieCases(shift: number): [number, number][] {
    const pairs: [number, number][] = [];
    const unit = 2 ** shift;
    const half = Math.floor(unit / 2);
    for (const q of [-(2 ** (32 - shift)), -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 2 ** (31 - shift) - 1, 2 ** (32 - shift) - 1]) {
      for (const d of [-1, 0, 1]) {
        const t = q * unit + half + d;
        if (t < 2 * INT32_MIN || t > 2 * INT32_MAX) continue;
        // Split t into two int32 values, the accumulator and the bias.
        const acc = Math.max(INT32_MIN, Math.min(INT32_MAX, Math.trunc(t / 2)));
        pairs.push([acc, t - acc]);
      }
    }
    for (const t of [2 * INT32_MIN, 2 * INT32_MIN + 1, -1, 0, 1, 2 * INT32_MAX - 1, 2 * INT32_MAX]) {
      const acc = Math.max(INT32_MIN, Math.min(INT32_MAX, Math.trunc(t / 2)));
      pairs.push([acc, t - acc]);
    }
    for (const [acc, bias] of pairs) {
      expect(acc >= INT32_MIN && acc <= INT32_MAX && bias >= INT32_MIN && bias <= INT32_MAX, `${acc} ${bias}`).toBe(true);
    }
    return pairs;
  }

  it('agrees with the naive reference on ties at every shift, saturating or not, with and without ReLU', () => {
    // Ties seen: by sign of t and parity of floor(t / 2^shift).
    const ties = new Map<string, number>();
    for (let shift = 0; shift <= 31; shift++) {
      for (const [acc, bias] of tieCases(shift)) {
        for (const rounding of ['half-up', 'half-even'] as Rounding[]) {
          for (const bits of [8, 16] as Bits[]) {
            for (const relu of [false, true]) {
              const want = naiveFinish(BigInt(acc), BigInt(bias), { shift, relu, rounding }, bits, 0);
              expect(postProcess(acc, bias, shift, bits, relu, rounding), `${acc} + ${bias} >> ${shift} ${rounding} ${bits} ${relu}`).toBe(want);
              expect(postProcessor(bits, { shift, relu, rounding })(acc, bias)).toBe(want);
            }
          }
        }
        const t = BigInt(acc) + BigInt(bias);
        const unit = 1n << BigInt(shift);
        if (shift > 0 && ((t % unit) + unit) % unit === unit / 2n) {
          const key = `${t < 0n ? '-' : '+'} ${(t >> BigInt(shift)) & 1n ? 'odd' : 'even'}`;
          ties.set(key, (ties.get(key) ?? 0) + 1);
        }
      }
    }
    expect([...ties.keys()].sort()).toEqual(['+ even', '+ odd', '- even', '- odd']);
    for (const [kind, count] of ties) expect(count, kind).toBeGreaterThanOrEqual(31);
    // The default is half up, for the naive reference as for the golden model.
    expect(naiveFinish(8n, 0n, { shift: 4, relu: false }, 8, 0)).toBe(1);
    expect(naiveFinish(8n, 0n, { shift: 4, relu: false, rounding: 'half-even' }, 8, 0)).toBe(0);
  });

  it('is the identity the hardware builds on, for negative t too', () => {
    // numerics.md: half even = floor((t + 2^(s-1) - 1 + ((t >> s) & 1)) / 2^s) for s > 0, with an
    // arithmetic shift; and half up with its lsb cleared on an exact tie, the tie found either as
    // the s bits of t + 2^(s-1) all zero or as the writer finds it.
    for (const s of [1, 2, 3, 7, 31]) {
      const unit = 1n << BigInt(s);
      const half = unit / 2n;
      const ts = [-3n * unit - half, -2n * unit - half, -unit - half, -half, half, unit + half, 2n * unit + half, -(1n << 33n), (1n << 33n) - 1n];
      for (let t = -4n * unit; t <= 4n * unit; t += unit > 64n ? unit / 16n : 1n) ts.push(t, t - 1n, t + half);
      for (const t of ts) {
        const want = naiveRound(t, s, 'half-even');
        const lsb = (t >> BigInt(s)) & 1n;
        const floorOf = (a: bigint) => a >> BigInt(s); // BigInt >> is arithmetic: floor division
        expect(floorOf(t + half - 1n + lsb), `t = ${t}, shift ${s}`).toBe(want);
        const up = t + half;
        const tie = (up & (unit - 1n)) === 0n;
        expect(tie ? floorOf(up) & ~1n : floorOf(up), `t = ${t}, shift ${s}`).toBe(want);
        // The writer's: v = floor(2t / 2^s); half up is floor((v + 1) / 2); a tie is v odd with
        // t's bits below s - 1 all zero, and clears the lowest bit.
        const v = (2n * t) >> BigInt(s);
        const writerTie = (v & 1n) === 1n && (t & (half - 1n)) === 0n;
        expect(writerTie, `t = ${t}, shift ${s}`).toBe(tie);
        expect(writerTie ? ((v + 1n) >> 1n) & ~1n : (v + 1n) >> 1n, `t = ${t}, shift ${s}`).toBe(want);
        expect((v + 1n) >> 1n).toBe(naiveRound(t, s, 'half-up'));
      }
    }
  });

  describe.skipIf(!hasNumpy)('against numpy', () => {
    it('np.round (half to even) of t / 2^shift, clipped and ReLU\'d, gives the same integers', () => {
      // t / 2^shift is exact in float64 (|t| < 2^33), so np.round sees the true tie.
      const rng = new Rng(11);
      const cases: [number, number, number, Bits, boolean][] = [];
      for (const shift of [0, 1, 2, 5, 12, 31]) {
        for (const [acc, bias] of tieCases(shift)) cases.push([acc, bias, shift, rng.pick([8, 16] as const), rng.int(0, 1) === 1]);
      }
      for (let i = 0; i < 2000; i++) {
        const shift = rng.int(0, 31);
        const unit = 2 ** shift;
        // Ties half the time: a random multiple of the unit plus the half.
        const tie = rng.int(0, 1) === 1 && shift > 0;
        const acc = tie ? rng.int(-20, 20) * unit + unit / 2 : rng.int(INT32_MIN, INT32_MAX);
        const bias = tie ? 0 : rng.int(INT32_MIN, INT32_MAX);
        if (acc < INT32_MIN || acc > INT32_MAX) continue;
        cases.push([acc, bias, shift, rng.pick([8, 16] as const), rng.int(0, 1) === 1]);
      }
      const script = [
        'import numpy as np, sys, json',
        'c = json.load(sys.stdin)',
        't = np.array([a + b for a, b, s, n, r in c], dtype=np.float64)',
        'scale = np.array([2.0 ** s for a, b, s, n, r in c])',
        'lo = np.array([-(2 ** (n - 1)) for a, b, s, n, r in c], dtype=np.float64)',
        'hi = np.array([2 ** (n - 1) - 1 for a, b, s, n, r in c], dtype=np.float64)',
        'y = np.clip(np.round(t / scale), lo, hi)',
        'y = np.where(np.array([r for a, b, s, n, r in c]), np.maximum(y, 0), y)',
        'print(json.dumps([int(v) for v in y]))',
      ].join('\n');
      const want: number[] = JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(cases), encoding: 'utf8' }));
      const got = cases.map(([acc, bias, shift, bits, relu]) => postProcess(acc, bias, shift, bits, relu, 'half-even'));
      const differ = cases.filter((_, i) => got[i] !== want[i]).slice(0, 5);
      expect(differ, 'cases where numpy differs').toEqual([]);
      // numpy's default rounding is not half up: the same ties come out differently.
      const up = cases.map(([acc, bias, shift, bits, relu]) => postProcess(acc, bias, shift, bits, relu));
      expect(up.filter((v, i) => v !== want[i]).length).toBeGreaterThan(100);
    });
  });
});

describe('maxPool', () => {
  it('takes overlapping 3x3 windows with stride 2', () => {
    const plane = Int32Array.from([
      -5, 2, 4, 5, 1,
      -3, 4, 0, -4, 3,
      -1, -5, 2, -2, 5,
      1, -3, 4, 0, -4,
      3, -1, -5, 2, -2,
    ]);
    // Windows share row 2 and column 2.
    expect(Array.from(maxPool(plane, 1, 5, 5, 3, 2))).toEqual([4, 5, 4, 5]);
    // Planes are pooled independently.
    const two = Int32Array.from([...plane, ...plane.map((v) => -v)]);
    expect(Array.from(maxPool(two, 2, 5, 5, 3, 2))).toEqual([4, 5, 4, 5, 5, 4, 5, 5]);
  });
});

describe('the 32-bit accumulator wraps', () => {
  const fc = (out: number, inputs: number, shift: number): Model => parseModel({
    name: 'w', bits: 16, input: [inputs, 1, 1], layers: [{ name: 'f', type: 'fc', out, shift }],
  }, 'w.json');

  function run(model: Model, x: number[], w: number[], b: number[]): number[] {
    const weights: Weights = new Map([['f', {
      weight: makeTensor('int16', layerShapes(model)[0].weightShape, Int16Array.from(w)),
      bias: makeTensor('int32', [b.length], Int32Array.from(b)),
    }]]);
    const input = makeTensor('int16', [1, ...model.input], Int16Array.from(x));
    const golden = goldenForward(model, weights, input)[0];
    expect(Array.from(golden)).toEqual(Array.from(naiveForward(model, weights, input)[0]));
    return Array.from(golden);
  }

  it('four products of 2^30 sum to 0, two to -2^31', () => {
    const m = -32768;
    expect(run(fc(1, 4, 0), [m, m, m, m], [m, m, m, m], [5])).toEqual([5]);
    // Unwrapped, 2^31 >> 16 would saturate to +32767; wrapped it is -2^31 >> 16 = -32768.
    expect(run(fc(1, 2, 16), [m, m], [m, m], [0])).toEqual([-32768]);
    // 3 * 2^30 wraps to -2^30; -2^30 + 2^30 (bias) = 0.
    expect(run(fc(1, 3, 0), [m, m, m], [m, m, m], [2 ** 30])).toEqual([0]);
  });
});

/**
 * A random small model that parseModel accepts: odd sizes, all kernel/stride/pad/pool kinds. Half
 * the layers round half to even, drawn from their own generator (the shapes are what they were).
 */
function randomCase(rng: Rng, roundRng: Rng): { model: Model; weights: Weights; input: Tensor; fullRange: boolean } {
  for (;;) {
    const bits: Bits = rng.pick([8, 16] as const);
    const input = [rng.int(1, 5), rng.int(4, 15), rng.int(4, 15)];
    const layers: unknown[] = [];
    const convs = rng.int(0, 3);
    for (let i = 0; i < convs; i++) {
      const kernel = rng.pick([1, 3, 5, 7]);
      const layer: Record<string, unknown> = {
        name: `conv${i}`, type: 'conv', out: rng.int(1, 6), kernel, stride: rng.pick([1, 2, 3]),
        pad: rng.int(0, kernel - 1), shift: rng.int(0, 12), relu: rng.int(0, 1) === 1,
      };
      if (rng.int(0, 2) === 0) {
        const [k, s] = rng.pick([[2, 2], [3, 2], [2, 1], [3, 3], [1, 1]]);
        layer.pool = { kernel: k, stride: s };
      }
      layers.push(layer);
    }
    const fcs = convs === 0 ? rng.int(1, 2) : rng.int(0, 2);
    for (let i = 0; i < fcs; i++) {
      layers.push({ name: `fc${i}`, type: 'fc', out: rng.int(1, 9), shift: rng.int(0, 12), relu: rng.int(0, 1) === 1 });
    }
    for (const layer of layers as Record<string, unknown>[]) {
      const mode = roundRng.int(0, 2);
      if (mode > 0) layer.rounding = mode === 1 ? 'half-even' : 'half-up';
    }
    let model: Model;
    try {
      model = parseModel({ name: 'r', bits, input, layers }, 'random');
    } catch {
      continue; // an empty output somewhere: draw again
    }
    const seed = rng.nextU32();
    const weights = randomWeights(model, seed);
    // Full-range weights and biases make 16-bit accumulators wrap and 8-bit outputs saturate.
    const fullRange = rng.int(0, 2) === 0;
    if (fullRange) {
      const half = 2 ** (bits - 1);
      weights.forEach(({ weight, bias }, name) => {
        fillUniform(weight.data, -half, half - 1, seed ^ name.length);
        fillUniform(bias.data, -(2 ** 31), 2 ** 31 - 1, seed + 1);
      });
    }
    return { model, weights, input: randomInput(model, rng.int(1, 3), seed), fullRange };
  }
}

describe('golden model against the naive model', () => {
  it('agrees on 300 random small models, layer by layer', () => {
    const rng = new Rng(20240611);
    const stats: NaiveStats = { wraps: 0 };
    const roundRng = new Rng(20240612);
    const seen = { conv: 0, fc: 0, pool: 0, pad: 0, stride3: 0, bits16: 0, fcAfterConv: 0, batch3: 0, halfEven: 0, halfEvenShifted: 0 };
    for (let c = 0; c < 300; c++) {
      const { model, weights, input } = randomCase(rng, roundRng);
      const golden = goldenForward(model, weights, input);
      const naive = naiveForward(model, weights, input, stats);
      model.layers.forEach((layer, i) => {
        expect(Array.from(golden[i]), `case ${c} layer ${layer.name}: ${JSON.stringify(model)}`).toEqual(Array.from(naive[i]));
        if (layer.rounding === 'half-even') {
          seen.halfEven++;
          if (layer.shift > 0) seen.halfEvenShifted++;
        }
        if (layer.type === 'conv') {
          seen.conv++;
          if (layer.pool) seen.pool++;
          if (layer.pad > 0) seen.pad++;
          if (layer.stride === 3) seen.stride3++;
        } else {
          seen.fc++;
          if (i > 0 && model.layers[i - 1].type === 'conv') seen.fcAfterConv++;
        }
      });
      if (model.bits === 16) seen.bits16++;
      if (input.shape[0] === 3) seen.batch3++;
    }
    // The random cases must really cover what they claim to.
    for (const [what, count] of Object.entries(seen)) expect(count, what).toBeGreaterThan(20);
    expect(stats.wraps).toBeGreaterThan(100);
  }, 60_000);

  it('goldenLayer works on one layer of a batch', () => {
    const model = parseModel({ name: 'b', input: [3, 7, 7], layers: [{ name: 'c', type: 'conv', out: 5, kernel: 3, stride: 2, pad: 1, shift: 6, relu: true, pool: { kernel: 2, stride: 1 } }] }, 'b.json');
    const weights = randomWeights(model, 4);
    const input = randomInput(model, 2, 4);
    const [shape] = layerShapes(model);
    const out = goldenLayer(model.layers[0], shape, 8, weights.get('c')!, Int32Array.from(input.data), 2);
    expect(out.length).toBe(2 * 5 * 3 * 3);
    expect(Array.from(out)).toEqual(Array.from(naiveForward(model, weights, input)[0]));
  });

  it('rejects inputs and weights of the wrong size', () => {
    const model = parseModel({ name: 'b', input: [1, 4, 4], layers: [{ name: 'f', type: 'fc', out: 2 }] }, 'b.json');
    const weights = randomWeights(model, 0);
    expect(() => goldenForward(model, weights, makeTensor('int8', [1, 1, 4, 5]))).toThrow('does not match');
    const [shape] = layerShapes(model);
    expect(() => goldenLayer(model.layers[0], shape, 8, weights.get('f')!, new Int32Array(15), 1)).toThrow('input has 15 values, expected 16');
  });
});
