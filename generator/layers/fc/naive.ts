// The fc layer transcribed naively from numerics.md, for tests: the input flattened explicitly
// in the layer's order, one output value at a time.
import { naiveFinish, nchwAt, type NaiveStats } from '../../golden/naive-numerics.ts';
import type { Bits, LayerShape } from '../../model/model.ts';
import type { LayerWeights } from '../../model/weights.ts';
import type { FcLayer } from './model.ts';

export function fcNaive(
  layer: FcLayer, shape: LayerShape, bits: Bits, weights: LayerWeights, input: ArrayLike<number>, batch: number, stats?: NaiveStats,
): Int32Array {
  const w = weights.weight.data;
  const bias = weights.bias.data;
  const [inC, inH, inW] = shape.inShape;
  const out = new Int32Array(batch * layer.out);
  for (let n = 0; n < batch; n++) {
    for (let o = 0; o < layer.out; o++) {
      let acc = 0n;
      // Flatten in C, H, W order, or H, W, C order, as the layer says.
      let i = 0;
      const hwc = layer.flatten === 'hwc';
      const [A, B, D] = hwc ? [inH, inW, inC] : [inC, inH, inW];
      for (let a = 0; a < A; a++) {
        for (let b = 0; b < B; b++) {
          for (let d = 0; d < D; d++) {
            const [c, y, x] = hwc ? [d, a, b] : [a, b, d];
            acc += BigInt(nchwAt(input, shape.inShape, n, c, y, x)) * BigInt(w[o * shape.fanIn + i]);
            i++;
          }
        }
      }
      out[n * layer.out + o] = naiveFinish(acc, BigInt(bias[o]), layer, bits, o, stats);
    }
  }
  return out;
}
