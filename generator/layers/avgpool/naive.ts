// The avgpool layer transcribed naively from numerics.md, for tests: each window's exact sum,
// then the BigInt post-processing with bias 0.
import { naiveFinish, nchwAt, type NaiveStats } from '../../golden/naive-numerics.ts';
import type { Bits, LayerShape } from '../../model/model.ts';
import type { LayerWeights } from '../../model/weights.ts';
import type { AvgPoolLayer } from './model.ts';

export function avgPoolNaive(
  layer: AvgPoolLayer, shape: LayerShape, bits: Bits, _weights: LayerWeights, input: ArrayLike<number>, batch: number, stats?: NaiveStats,
): Int32Array {
  const [c] = shape.inShape;
  const [, oh, ow] = shape.outShape;
  const out = new Int32Array(batch * c * oh * ow);
  for (let n = 0; n < batch; n++) {
    for (let ch = 0; ch < c; ch++) {
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          let sum = 0n;
          for (let ky = 0; ky < layer.kernel; ky++) {
            for (let kx = 0; kx < layer.kernel; kx++) sum += BigInt(nchwAt(input, shape.inShape, n, ch, oy * layer.stride + ky, ox * layer.stride + kx));
          }
          out[((n * c + ch) * oh + oy) * ow + ox] = naiveFinish(sum, 0n, layer, bits, ch, stats);
        }
      }
    }
  }
  return out;
}
