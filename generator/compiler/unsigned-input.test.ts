import { describe, expect, it } from 'vitest';
import { parseModel } from '../model/model.ts';
import { layerShapes } from '../model/model.ts';
import { offsetUnsignedInput } from './unsigned-input.ts';

describe('unsigned 8-bit inputs', () => {
  const model = parseModel({ input: [1, 2, 2], inputType: 'uint8', layers: [{ name: 'c', type: 'conv', out: 2, kernel: 2, pad: 1 }] }, 'm.json');
  const shape = layerShapes(model)[0];

  it('offsets the image, writes its padding and folds 128 * sum(w) into the biases', () => {
    const u = offsetUnsignedInput('job', model.layers[0], shape, [1, 2, 3, 4, -1, 0, 0, 0], [10, -10], [0, 255, 128, 1], 1);
    expect(u.layer).toMatchObject({ pad: 0, kernel: 2 });
    expect(u.inShape).toEqual([1, 4, 4]);
    expect([...u.input]).toEqual([-128, -128, -128, -128, -128, -128, 127, -128, -128, 0, -127, -128, -128, -128, -128, -128]);
    expect([...u.bias]).toEqual([10 + 128 * 10, -10 - 128]);
  });

  it('refuses weights whose sums could wrap, and biases that no longer fit', () => {
    const big = new Array(8).fill(127);
    expect(() => offsetUnsignedInput('job', model.layers[0], shape, big, [2 ** 31 - 1, 0], [0, 0, 0, 0], 1)).toThrow(/bias\[0\]: expected a bias that still fits 32 bits/);
  });

  it('refuses first-layer weights whose sums over uint8 inputs could wrap 32 bits', () => {
    const fanIn = 66_312; // 66,312 * 255 * 127 >= 2^31
    const wide = parseModel({ input: [fanIn, 1, 1], inputType: 'uint8', layers: [{ name: 'f', type: 'fc', out: 1 }] }, 'w.json');
    const weights = new Int8Array(fanIn).fill(127);
    expect(() => offsetUnsignedInput('job', wide.layers[0], layerShapes(wide)[0], weights, [-(2 ** 31)], new Uint8Array(fanIn), 1))
      .toThrow(/layers\[0\] \(f\): expected weights whose sums over uint8 inputs cannot wrap 32 bits/);
  });
});
