import { describe, expect, it } from 'vitest';
import { layerShapes, parseModel, type Bits, type Model } from '../model/model.ts';
import { makeTensor, type Tensor } from '../model/npy.ts';
import { Rng, fillUniform, randomInput, randomWeights } from '../model/random.ts';
import type { Weights } from '../model/weights.ts';
import { goldenForward, goldenLayer, maxPool, postProcess, saturate } from './golden.ts';
import { naiveForward, type NaiveStats } from './naive.ts';

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

/** A random small model that parseModel accepts: odd sizes, all kernel/stride/pad/pool kinds. */
function randomCase(rng: Rng): { model: Model; weights: Weights; input: Tensor; fullRange: boolean } {
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
    const seen = { conv: 0, fc: 0, pool: 0, pad: 0, stride3: 0, bits16: 0, fcAfterConv: 0, batch3: 0 };
    for (let c = 0; c < 300; c++) {
      const { model, weights, input } = randomCase(rng);
      const golden = goldenForward(model, weights, input);
      const naive = naiveForward(model, weights, input, stats);
      model.layers.forEach((layer, i) => {
        expect(Array.from(golden[i]), `case ${c} layer ${layer.name}: ${JSON.stringify(model)}`).toEqual(Array.from(naive[i]));
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
