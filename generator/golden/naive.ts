// A deliberately naive transcription of shared/spec/numerics.md, for tests only: each layer
// type's naive reference (layers/<type>/naive.ts) computes one output value at a time with the
// BigInt arithmetic of naive-numerics.ts.
import { layerType } from '../layers/registry.ts';
import { layerShapes, type Bits, type Layer, type LayerShape, type Model } from '../model/model.ts';
import type { Tensor } from '../model/npy.ts';
import type { LayerWeights, Weights } from '../model/weights.ts';
import type { NaiveStats } from './naive-numerics.ts';

export type { NaiveStats } from './naive-numerics.ts';

export function naiveLayer(
  layer: Layer, shape: LayerShape, bits: Bits, weights: LayerWeights, input: ArrayLike<number>, batch: number, stats?: NaiveStats,
): Int32Array {
  return layerType(layer).naive(layer, shape, bits, weights, input, batch, stats);
}

export function naiveForward(model: Model, weights: Weights, input: Tensor, stats?: NaiveStats): Int32Array[] {
  const shapes = layerShapes(model);
  const batch = input.shape[0];
  const outputs: Int32Array[] = [];
  let x: ArrayLike<number> = input.data;
  model.layers.forEach((layer, i) => {
    const out = naiveLayer(layer, shapes[i], model.bits, weights.get(layer.name)!, x, batch, stats);
    outputs.push(out);
    x = out;
  });
  return outputs;
}
