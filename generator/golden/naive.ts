// A deliberately naive transcription of shared/spec/numerics.md, for tests only: one output value
// at a time, explicit bounds checks for padding, BigInt arithmetic so that the 32-bit wrap, the
// exact bias addition and the floor division are spelt out rather than borrowed from JS numbers.

import { layerShapes, type Bits, type Layer, type LayerShape, type Model } from '../model/model.ts';
import type { Tensor } from '../model/npy.ts';
import type { LayerWeights, Weights } from '../model/weights.ts';

/** Mathematical floor of a / b for b > 0 (BigInt division truncates toward zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** Reduces to the signed 32-bit value with the same residue modulo 2^32. */
function wrapInt32(v: bigint): bigint {
  const m = v % 4294967296n;
  const r = m < 0n ? m + 4294967296n : m; // 0 .. 2^32-1
  return r >= 2147483648n ? r - 4294967296n : r;
}

/** Lets tests check that they really exercised the 32-bit wrap. */
export interface NaiveStats {
  wraps: number;
}

function finish(acc: bigint, bias: bigint, layer: Layer, bits: Bits, stats?: NaiveStats): number {
  const wrapped = wrapInt32(acc);
  if (stats && wrapped !== acc) stats.wraps++;
  let t = wrapped + bias;
  if (layer.shift > 0) t = floorDiv(t + 2n ** BigInt(layer.shift - 1), 2n ** BigInt(layer.shift));
  const lo = -(2n ** BigInt(bits - 1));
  const hi = 2n ** BigInt(bits - 1) - 1n;
  let y = t < lo ? lo : t > hi ? hi : t;
  if (layer.relu && y < 0n) y = 0n;
  return Number(y);
}

/** Element [n][c][y][x] of an NCHW array of shape [*, C, H, W]. */
function at(data: ArrayLike<number>, [C, H, W]: number[], n: number, c: number, y: number, x: number): number {
  return data[((n * C + c) * H + y) * W + x];
}

export function naiveLayer(
  layer: Layer, shape: LayerShape, bits: Bits, weights: LayerWeights, input: ArrayLike<number>, batch: number, stats?: NaiveStats,
): Int32Array {
  const w = weights.weight.data;
  const bias = weights.bias.data;
  const [inC, inH, inW] = shape.inShape;

  if (layer.type === 'fc') {
    const out = new Int32Array(batch * layer.out);
    for (let n = 0; n < batch; n++) {
      for (let o = 0; o < layer.out; o++) {
        let acc = 0n;
        // Flatten in C, H, W order.
        let i = 0;
        for (let c = 0; c < inC; c++) {
          for (let y = 0; y < inH; y++) {
            for (let x = 0; x < inW; x++) {
              acc += BigInt(at(input, shape.inShape, n, c, y, x)) * BigInt(w[o * shape.fanIn + i]);
              i++;
            }
          }
        }
        out[n * layer.out + o] = finish(acc, BigInt(bias[o]), layer, bits, stats);
      }
    }
    return out;
  }

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
                const v = inside ? at(input, shape.inShape, n, ic, y, x) : 0; // zero padding
                acc += BigInt(v) * BigInt(w[((oc * inC + ic) * k + ky) * k + kx]);
              }
            }
          }
          conv[((n * outC + oc) * convH + oy) * convW + ox] = finish(acc, BigInt(bias[oc]), layer, bits, stats);
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
            for (let kx = 0; kx < pk; kx++) window.push(at(conv, shape.convShape, n, c, oy * ps + ky, ox * ps + kx));
          }
          pooled[((n * outC + c) * outH + oy) * outW + ox] = Math.max(...window);
        }
      }
    }
  }
  return pooled;
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
