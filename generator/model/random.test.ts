import { describe, expect, it } from 'vitest';
import { builtinModel } from './builtin.ts';
import { parseModel } from './model.ts';
import { randomModelJson } from './random-model.ts';
import { Rng, biasLimit, randomInput, randomWeights, weightLimit } from './random.ts';

const small = parseModel({
  name: 's', bits: 16, input: [2, 6, 6],
  layers: [{ name: 'c', type: 'conv', out: 3, kernel: 3, shift: 5 }, { name: 'f', type: 'fc', out: 4, shift: 2 }],
}, 's.json');

describe('random weights and inputs', () => {
  it('are deterministic in the seed and differ between seeds', () => {
    const a = randomWeights(small, 7).get('c')!.weight.data;
    const b = randomWeights(small, 7).get('c')!.weight.data;
    const c = randomWeights(small, 8).get('c')!.weight.data;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(Array.from(randomInput(small, 2, 3).data)).toEqual(Array.from(randomInput(small, 2, 3).data));
  });

  it('give each layer its own stream, so one layer does not change another', () => {
    const renamed = { ...small, layers: [small.layers[0], { ...small.layers[1], name: 'g' }] };
    expect(Array.from(randomWeights(renamed, 1).get('c')!.weight.data)).toEqual(Array.from(randomWeights(small, 1).get('c')!.weight.data));
  });

  it('have the right dtypes, shapes and ranges', () => {
    const w = randomWeights(small, 0);
    const conv = w.get('c')!;
    expect(conv.weight.dtype).toBe('int16');
    expect(conv.weight.shape).toEqual([3, 2, 3, 3]);
    expect(conv.bias.dtype).toBe('int32');
    expect(conv.bias.shape).toEqual([3]);
    expect(w.get('f')!.weight.shape).toEqual([4, 3 * 4 * 4]);
    for (const v of conv.weight.data) expect(Math.abs(v)).toBeLessThanOrEqual(weightLimit(16));
    for (const v of conv.bias.data) expect(Math.abs(v)).toBeLessThanOrEqual(biasLimit(16, 5));
    expect(biasLimit(8, 31)).toBe(2 ** 31 - 1);
  });

  it('cover the whole activation range with the input', () => {
    const model = builtinModel('lenet5');
    const x = randomInput(model, 3, 0);
    expect(x.dtype).toBe('int8');
    expect(x.shape).toEqual([3, 1, 32, 32]);
    expect(Math.min(...x.data)).toBe(-128);
    expect(Math.max(...x.data)).toBe(127);
    const x16 = randomInput(small, 200, 0).data;
    let lo = 0;
    let hi = 0;
    for (const v of x16) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    expect(lo).toBeLessThan(-32000);
    expect(hi).toBeGreaterThan(32000);
  });

  it('Rng.int stays in range and hits both ends', () => {
    const rng = new Rng(5);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(rng.int(-3, 3));
    expect([...seen].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
  });

  it('makes the 138 M VGG-16 weights quickly', () => {
    const model = builtinModel('vgg16');
    const start = performance.now();
    const w = randomWeights(model, 0);
    const seconds = (performance.now() - start) / 1000;
    expect(w.get('fc6')!.weight.data.length).toBe(4096 * 25088);
    expect(seconds).toBeLessThan(10);
  }, 30_000);
});

describe('random models', () => {
  it('round half to even in about half their layers, half up (written out or not) in the rest, and parse', () => {
    const modes = new Map<string, number>();
    for (let seed = 0; seed < 60; seed++) {
      const json = randomModelJson(seed);
      const model = parseModel(json, `random${seed}.json`);
      for (const layer of model.layers) modes.set(layer.rounding ?? 'absent', (modes.get(layer.rounding ?? 'absent') ?? 0) + 1);
    }
    const total = [...modes.values()].reduce((a, b) => a + b, 0);
    expect(modes.get('half-even')!).toBeGreaterThan(total * 0.35);
    expect(modes.get('half-up')!).toBeGreaterThan(total * 0.08);
    expect(modes.get('absent')!).toBeGreaterThan(total * 0.2);
  });

  it('draw the rounding modes from a stream of their own: without them a model is what it was', () => {
    // randomModelJson(977) before the rounding field existed (commit 109da0b).
    const before = {
      name: 'random977', input: [5, 4, 10], layers: [
        { name: 'conv1', type: 'conv', out: 13, kernel: 1, stride: 2, pad: 0, relu: false, shift: 5 },
        { name: 'fc1', type: 'fc', out: 6, shift: 7, relu: false },
        { name: 'fc2', type: 'fc', out: 14, shift: 5, relu: true },
      ],
    };
    const json = randomModelJson(977) as { layers: Record<string, unknown>[] };
    expect(json.layers.map((l) => l.rounding)).toContain('half-even');
    for (const layer of json.layers) delete layer.rounding;
    // Per-channel shifts (also a stream of their own) replace a layer's shift by shifts near it.
    json.layers.forEach((layer, i) => {
      if (!layer.shifts) return;
      const base = before.layers[i].shift;
      expect((layer.shifts as number[]).every((s) => Math.abs(s - base) <= 2)).toBe(true);
      delete layer.shifts;
      layer.shift = base;
    });
    expect(json).toEqual(before);
  });
});
