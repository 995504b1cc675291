// The conv layer's golden model (numerics.md), fast: the image zero-padded once, then every
// kernel tap accumulated over a whole output plane as a plain rectangle of reads.
import { channelPostProcessors, maxPool } from '../../golden/post-process.ts';
import type { Bits, LayerShape } from '../../model/model.ts';
import type { LayerWeights } from '../../model/weights.ts';
import type { ConvLayer } from './model.ts';

export function convGolden(layer: ConvLayer, shape: LayerShape, bits: Bits, weights: LayerWeights, input: Int32Array, batch: number): Int32Array {
  const conv = convPlanes(layer, shape, bits, weights, input, batch);
  if (!layer.pool) return conv;
  const [ch, hh, ww] = shape.convShape;
  return maxPool(conv, batch * ch, hh, ww, layer.pool.kernel, layer.pool.stride);
}

function convPlanes(layer: ConvLayer, shape: LayerShape, bits: Bits, weights: LayerWeights, input: Int32Array, batch: number): Int32Array {
  const [inC, inH, inW] = shape.inShape;
  const [outC, outH, outW] = shape.convShape;
  const { kernel: k, stride: s, pad } = layer;
  const w = weights.weight.data;
  const bias = weights.bias.data;
  const plane = outH * outW;
  const output = new Int32Array(batch * outC * plane);
  const acc = new Int32Array(plane);
  const posts = channelPostProcessors(bits, layer, outC);

  const padH = inH + 2 * pad;
  const padW = inW + 2 * pad;
  const padded = new Int32Array(inC * padH * padW);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < inC; c++) {
      for (let y = 0; y < inH; y++) {
        const from = ((n * inC + c) * inH + y) * inW;
        padded.set(input.subarray(from, from + inW), (c * padH + y + pad) * padW + pad);
      }
    }
    for (let oc = 0; oc < outC; oc++) {
      acc.fill(0);
      for (let ic = 0; ic < inC; ic++) {
        const planeBase = ic * padH * padW;
        for (let ky = 0; ky < k; ky++) {
          for (let kx = 0; kx < k; kx++) {
            const wv = w[((oc * inC + ic) * k + ky) * k + kx];
            if (wv === 0) continue;
            accumulateTap(acc, padded, wv, planeBase + ky * padW + kx, outH, outW, padW * s, s);
          }
        }
      }
      const out = (n * outC + oc) * plane;
      const b = bias[oc];
      const post = posts[oc];
      for (let i = 0; i < plane; i++) output[out + i] = post(acc[i], b);
    }
  }
  return output;
}

/** acc[oy][ox] += wv * x[base + oy*rowStep + ox*s], wrapping to int32 (numerics.md step 1). */
function accumulateTap(acc: Int32Array, x: Int32Array, wv: number, base: number, outH: number, outW: number, rowStep: number, s: number): void {
  for (let oy = 0, o = 0; oy < outH; oy++) {
    const row = base + oy * rowStep;
    if (s === 1) {
      for (let ox = 0; ox < outW; ox++, o++) acc[o] = (acc[o] + Math.imul(wv, x[row + ox])) | 0;
    } else {
      for (let ox = 0, i = row; ox < outW; ox++, o++, i += s) acc[o] = (acc[o] + Math.imul(wv, x[i])) | 0;
    }
  }
}
