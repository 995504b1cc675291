// The golden model: bit-exact layer semantics of shared/spec/numerics.md, written for speed
// (typed arrays, contiguous inner loops, int32 arithmetic for the wrapping accumulator).
// naive.ts is the slow, obviously correct version it is tested against.

import { elementCount, layerShapes, type Bits, type ConvLayer, type FcLayer, type Layer, type LayerShape, type Model } from '../model/model.ts';
import type { IntArray, Tensor } from '../model/npy.ts';
import type { LayerWeights, Weights } from '../model/weights.ts';

export function saturate(v: number, bits: Bits): number {
  const hi = 2 ** (bits - 1) - 1;
  const lo = -hi - 1;
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * Steps 2-5 of numerics.md for one accumulator value (already wrapped to int32). Plain JS numbers
 * are exact here: |acc + bias| < 2^33, and dividing by a power of two is exact in a double.
 */
export function postProcess(acc: number, bias: number, shift: number, bits: Bits, relu: boolean): number {
  const t = Math.floor((acc + bias + roundingHalf(shift)) / 2 ** shift);
  const y = saturate(t, bits);
  return relu && y < 0 ? 0 : y;
}

function roundingHalf(shift: number): number {
  return shift > 0 ? 2 ** (shift - 1) : 0;
}

/** Output of every layer, NCHW for the whole batch (fc: [batch, out]). */
export function goldenForward(model: Model, weights: Weights, input: Tensor): Int32Array[] {
  const [c, h, w] = model.input;
  const batch = input.shape[0];
  if (input.shape.length !== 4 || input.shape[1] !== c || input.shape[2] !== h || input.shape[3] !== w) {
    throw new Error(`input shape [${input.shape.join(', ')}] does not match model ${model.name} input [batch, ${c}, ${h}, ${w}]`);
  }
  const shapes = layerShapes(model);
  const outputs: Int32Array[] = [];
  let x: Int32Array = Int32Array.from(input.data);
  model.layers.forEach((layer, i) => {
    const lw = weights.get(layer.name);
    if (!lw) throw new Error(`no weights for layer ${layer.name}`);
    x = goldenLayer(layer, shapes[i], model.bits, lw, x, batch);
    outputs.push(x);
  });
  return outputs;
}

/** One layer for the whole batch: input is NCHW of shape.inShape, output NCHW of shape.outShape. */
export function goldenLayer(layer: Layer, shape: LayerShape, bits: Bits, weights: LayerWeights, input: Int32Array, batch: number): Int32Array {
  const expect = (what: string, found: number, wanted: number): void => {
    if (found !== wanted) throw new Error(`layer ${layer.name}: ${what} has ${found} values, expected ${wanted}`);
  };
  expect('input', input.length, batch * elementCount(shape.inShape));
  expect('weight', weights.weight.data.length, elementCount(shape.weightShape));
  expect('bias', weights.bias.data.length, layer.out);
  if (layer.type === 'fc') return fcLayer(layer, shape, bits, weights, input, batch);
  const conv = convLayer(layer, shape, bits, weights, input, batch);
  if (!layer.pool) return conv;
  const [ch, hh, ww] = shape.convShape;
  return maxPool(conv, batch * ch, hh, ww, layer.pool.kernel, layer.pool.stride);
}

function convLayer(layer: ConvLayer, shape: LayerShape, bits: Bits, weights: LayerWeights, input: Int32Array, batch: number): Int32Array {
  const [inC, inH, inW] = shape.inShape;
  const [outC, outH, outW] = shape.convShape;
  const { kernel: k, stride: s, pad } = layer;
  const w = weights.weight.data;
  const bias = weights.bias.data;
  const plane = outH * outW;
  const output = new Int32Array(batch * outC * plane);
  const acc = new Int32Array(plane);
  const post = postProcessor(bits, layer.shift, layer.relu);

  // Zero-padding the image once makes every kernel tap a plain rectangle of reads.
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

function fcLayer(layer: FcLayer, shape: LayerShape, bits: Bits, weights: LayerWeights, input: Int32Array, batch: number): Int32Array {
  // NCHW rows are already flattened in C, H, W order, as numerics.md requires.
  const fanIn = shape.fanIn;
  const w: IntArray = weights.weight.data;
  const bias = weights.bias.data;
  const output = new Int32Array(batch * layer.out);
  const post = postProcessor(bits, layer.shift, layer.relu);
  for (let n = 0; n < batch; n++) {
    const xBase = n * fanIn;
    for (let o = 0; o < layer.out; o++) {
      const wBase = o * fanIn;
      let acc = 0;
      for (let i = 0; i < fanIn; i++) acc = (acc + Math.imul(input[xBase + i], w[wBase + i])) | 0;
      output[n * layer.out + o] = post(acc, bias[o]);
    }
  }
  return output;
}

/** postProcess with the per-layer constants computed once. */
function postProcessor(bits: Bits, shift: number, relu: boolean): (acc: number, bias: number) => number {
  const hi = 2 ** (bits - 1) - 1;
  const lo = relu ? 0 : -hi - 1; // ReLU after saturation is a raised lower bound
  const half = roundingHalf(shift);
  const scale = 2 ** shift;
  return (acc, bias) => {
    const t = Math.floor((acc + bias + half) / scale);
    return t < lo ? lo : t > hi ? hi : t;
  };
}

/** Max over k x k windows with stride s, no padding, for `planes` planes of h x w. */
export function maxPool(input: Int32Array, planes: number, h: number, w: number, k: number, s: number): Int32Array {
  const oh = Math.floor((h - k) / s) + 1;
  const ow = Math.floor((w - k) / s) + 1;
  const output = new Int32Array(planes * oh * ow);
  for (let p = 0, o = 0; p < planes; p++) {
    const base = p * h * w;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++, o++) {
        let m = -Infinity;
        for (let ky = 0; ky < k; ky++) {
          const row = base + (oy * s + ky) * w + ox * s;
          for (let kx = 0; kx < k; kx++) if (input[row + kx] > m) m = input[row + kx];
        }
        output[o] = m;
      }
    }
  }
  return output;
}
