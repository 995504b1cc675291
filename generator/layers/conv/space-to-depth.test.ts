import { describe, expect, it } from 'vitest';
import { goldenLayer } from '../../golden/golden.ts';
import { layerShapes, type Model } from '../../model/model.ts';
import type { ConvLayer } from './model.ts';
import { makeTensor } from '../../model/npy.ts';
import { Rng } from '../../model/random.ts';
import { spaceToDepth, spaceToDepthPays } from './space-to-depth.ts';

describe('space-to-depth rewrite of a first layer', () => {
  it('gives exactly the same outputs as the original strided conv', () => {
    const rng = new Rng(7);
    let rewritten = 0;
    for (let trial = 0; trial < 40; trial++) {
      const C = rng.int(1, 4);
      const kernel = rng.int(2, 11);
      const stride = rng.int(2, 4);
      const pad = rng.int(0, kernel - 1);
      const H = rng.int(kernel, 30);
      const W = rng.int(kernel, 30);
      const layer: ConvLayer = { name: 'c', type: 'conv', out: rng.int(1, 9), kernel, stride, pad, shift: rng.int(0, 8), relu: rng.int(0, 1) === 1, ...(rng.int(0, 1) ? { pool: { kernel: 2, stride: 2 } } : {}) };
      const model: Model = { name: 'm', bits: 8, input: [C, H, W], layers: [layer] };
      let shapes;
      try {
        shapes = layerShapes(model);
      } catch {
        continue;
      }
      const shape = shapes[0];
      if (shape.outShape[1] < 1 || shape.outShape[2] < 1) continue;
      const batch = rng.int(1, 2);
      const weight = Int8Array.from({ length: layer.out * C * kernel * kernel }, () => rng.int(-128, 127));
      const bias = Int32Array.from({ length: layer.out }, () => rng.int(-5000, 5000));
      const input = Int32Array.from({ length: batch * C * H * W }, () => rng.int(-128, 127));
      const expected = goldenLayer(layer, shape, 8, { weight: makeTensor('int8', [layer.out, C, kernel, kernel], weight), bias: makeTensor('int32', [layer.out], bias) }, input, batch);

      const r = spaceToDepth(layer, shape.inShape, [shape.convShape[1], shape.convShape[2]], weight, input, batch);
      const k2 = r.layer.kernel;
      const got = goldenLayer(
        r.layer,
        { ...shape, inShape: r.inShape, weightShape: [layer.out, r.inShape[0], k2, k2], fanIn: r.inShape[0] * k2 * k2 },
        8,
        { weight: makeTensor('int32', [layer.out, r.inShape[0], k2, k2], r.weight), bias: makeTensor('int32', [layer.out], bias) },
        r.input,
        batch,
      );
      expect(Array.from(got)).toEqual(Array.from(expected));
      rewritten++;
    }
    expect(rewritten).toBeGreaterThan(20);
  });

  it('is used only when it saves engine passes', () => {
    const conv1: ConvLayer = { name: 'conv1', type: 'conv', out: 64, kernel: 11, stride: 4, pad: 2, shift: 0, relu: true };
    expect(spaceToDepthPays(conv1, [3, 224, 224], 16, 128)).toBe(true); // 121 passes -> 3 c-blocks x 9
    expect(spaceToDepthPays({ ...conv1, stride: 1 }, [3, 224, 224], 16, 128)).toBe(false);
    expect(spaceToDepthPays({ ...conv1, kernel: 3, stride: 2 }, [64, 56, 56], 16, 128)).toBe(false); // 4 x 9 -> 16 x 4
  });
});
