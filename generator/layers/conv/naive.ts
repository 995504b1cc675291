// The conv layer transcribed naively from numerics.md, for tests: one output value at a time,
// explicit bounds checks for padding, then each pool window's maximum.
import { naiveFinish, nchwAt, type NaiveStats } from '../../golden/naive-numerics.ts';
import type { Bits, LayerShape } from '../../model/model.ts';
import type { LayerWeights } from '../../model/weights.ts';
import type { ConvLayer } from './model.ts';

export function convNaive(
  layer: ConvLayer, shape: LayerShape, bits: Bits, weights: LayerWeights, input: ArrayLike<number>, batch: number, stats?: NaiveStats,
): Int32Array {
  const w = weights.weight.data;
  const bias = weights.bias.data;
  const [inC, inH, inW] = shape.inShape;
  const [outC, convH, convW] = shape.convShape;
  const k = layer.kernel;
  const conv = new Int32Array(batch * outC * convH * convW);
  for (let n = 0; n < batch; n++) {
    for (let oc = 0; oc < outC; oc++) {
      for (let oy = 0; oy < convH; oy++) {
        for (let ox = 0; ox < convW; ox++) {
          let acc = 0n;
          for (let ic = 0; ic < inC; ic++) {
            for (let ky = 0; ky < k; ky++) {
              for (let kx = 0; kx < k; kx++) {
                const y = oy * layer.stride - layer.pad + ky;
                const x = ox * layer.stride - layer.pad + kx;
                const inside = y >= 0 && y < inH && x >= 0 && x < inW;
                const v = inside ? nchwAt(input, shape.inShape, n, ic, y, x) : 0; // zero padding
                acc += BigInt(v) * BigInt(w[((oc * inC + ic) * k + ky) * k + kx]);
              }
            }
          }
          conv[((n * outC + oc) * convH + oy) * convW + ox] = naiveFinish(acc, BigInt(bias[oc]), layer, bits, oc, stats);
        }
      }
    }
  }
  if (!layer.pool) return conv;

  const [, outH, outW] = shape.outShape;
  const pk = layer.pool.kernel;
  const ps = layer.pool.stride;
  const pooled = new Int32Array(batch * outC * outH * outW);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < outC; c++) {
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const window: number[] = [];
          for (let ky = 0; ky < pk; ky++) {
            for (let kx = 0; kx < pk; kx++) window.push(nchwAt(conv, shape.convShape, n, c, oy * ps + ky, ox * ps + kx));
          }
          pooled[((n * outC + c) * outH + oy) * outW + ox] = Math.max(...window);
        }
      }
    }
  }
  return pooled;
}
