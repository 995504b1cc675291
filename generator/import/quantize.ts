// Turns the layer drafts of a graph into integer layers of the accelerator (model.json fields
// and weights). A quantized graph (QDQ or QONNX, power-of-two scales, zero point 0) maps
// exactly: shift = log2(output scale / (input scale * weight scale)). A float graph is quantized
// after training: power-of-two scales chosen from the weights and from calibration activations.
import { InputError } from '../errors.ts';
import type { ActQuant, Chain, LayerDraft } from './chain.ts';
import { roundHalfEven } from './chain.ts';

export interface IntLayer {
  json: Record<string, unknown>;
  weightShape: number[];
  weight: Int32Array;
  bias: Int32Array;
  /** What the report says of it. */
  inScale: number;
  weightScale: number;
  outScale: number;
  notes: string[];
}

export interface Quantized {
  layers: IntLayer[];
  /** The input images are unsigned 8-bit. */
  inputUnsigned: boolean;
  inputScale: number;
  outputScale: number;
  bits: 8 | 16;
}

const MAX_SHIFT = 31;

export function isPowerOfTwo(s: number): boolean {
  return s > 0 && Number.isFinite(s) && Number.isInteger(Math.log2(s));
}

/** Exact mapping of a quantized graph. */
export function mapQuantized(chain: Chain, file: string): Quantized {
  const fail = (field: string, expected: string, found: string): never => {
    throw new InputError([{ file, field, expected, found }]);
  };
  const first = chain.layers[0];
  if (!first.inQuant) fail(`node ${first.node}`, 'a quantized input (a QuantizeLinear or Quant before the first layer)', 'a float input');
  const inputUnsigned = first.inQuant!.lo === 0 && first.inQuant!.hi === 255;
  const bitsOf = (q: ActQuant) => (q === first.inQuant && inputUnsigned ? 8 : q.hi > 127 || q.lo < -128 ? 16 : 8);
  const bits = bitsOf(first.inQuant!) as 8 | 16;
  const layers = chain.layers.map((l, i) => {
    if (l.kind === 'avgpool') {
      if (!l.inQuant || !l.outQuant) fail(`node ${l.node}`, 'quantized input and output activations around the pool', 'a float one');
      return avgPoolLayer(l, i, l.inQuant!.scale, l.outQuant!.scale, [], (e, f) => fail(`node ${l.node}`, e, f));
    }
    if (!l.inQuant || !l.outQuant) fail(`node ${l.node}`, 'quantized input and output activations (QuantizeLinear or Quant around every layer)', `${l.inQuant ? 'no' : 'an unquantized'} ${l.inQuant ? 'quantized output' : 'input'}`);
    if (l.bn) fail(`node ${l.bn.node}`, 'no BatchNormalization in a quantized graph (fold it before quantizing)', 'BatchNormalization');
    const q = l.weight.quant ?? fail(`node ${l.node}`, 'quantized weights (a DequantizeLinear or Quant of an integer or float initializer)', 'float weights in a quantized graph');
    if (q.zeroPoint.some((z) => z !== 0)) fail(`node ${q.node}`, 'weight zero point 0', `${q.zeroPoint[0]}`);
    if (new Set(q.scale).size > 1) fail(`node ${q.node}`, 'one weight scale for the layer (per-channel scales are not supported yet)', `${q.scale.length} different scales`);
    const sIn = l.inQuant!.scale;
    const sW = q.scale[0];
    const sOut = l.outQuant!.scale;
    for (const [what, s, node] of [['input', sIn, l.inQuant!.node], ['weight', sW, q.node], ['output', sOut, l.outQuant!.node]] as const) {
      if (!isPowerOfTwo(s)) fail(`node ${node}`, `a power-of-two ${what} scale`, String(s));
    }
    if (bitsOf(l.outQuant!) !== bits || bitsOf(l.inQuant!) !== bits) fail(`node ${l.outQuant!.node}`, `${bits}-bit activations throughout`, 'a change of width');
    const lo = -(2 ** (bits - 1));
    const hi = 2 ** (bits - 1) - 1;
    if (q.ints.some((v) => v < lo || v > hi)) fail(`node ${q.node}`, `weights in [${lo}, ${hi}]`, 'values outside');
    // An unsigned quantizer (QONNX, 7 or 15 bits) clamps at zero: ReLU after saturation exactly.
    if (l.outQuant!.lo === 0) {
      if (l.leak) fail(`node ${l.outQuant!.node}`, 'an unsigned quantizer after a Relu or none (it clamps at zero)', 'one after a LeakyRelu');
      l.relu = true;
    }
    const shift = Math.log2(sOut / (sIn * sW));
    if (shift < 0 || shift > MAX_SHIFT) fail(`node ${l.outQuant!.node}`, `an output scale between input scale * weight scale and 2^${MAX_SHIFT} times it`, `output ${sOut}, input ${sIn}, weight ${sW} (shift ${shift})`);
    const accScale = sIn * sW;
    const notes: string[] = [];
    // onnxruntime requantizes through float32: sums beyond 2^24 are rounded there first.
    const maxInput = Math.max(Math.abs(l.inQuant!.lo), Math.abs(l.inQuant!.hi));
    const fanIn = q.ints.length / l.out;
    let maxWeight = 0;
    for (const v of q.ints) maxWeight = Math.max(maxWeight, Math.abs(v));
    if (fanIn * maxInput * maxWeight >= 2 ** 24) {
      notes.push(`sums can reach 2^24 (${fanIn} inputs up to ${maxInput} times weights up to ${maxWeight}): onnxruntime rounds such sums to float32 before it requantizes, so it may differ by one from these exact integers on rare outputs`);
    }
    const bias = new Int32Array(l.out);
    if (l.bias?.quant) {
      const bq = l.bias.quant;
      if (bq.scale.some((s) => s !== accScale) || bq.zeroPoint.some((z) => z !== 0)) fail(`node ${bq.node}`, `a bias at the accumulator's scale ${accScale} with zero point 0`, `scale ${bq.scale[0]}, zero point ${bq.zeroPoint[0]}`);
      bias.set(bq.ints);
    } else if (l.bias) {
      let inexact = 0;
      l.bias.values.forEach((b, o) => {
        bias[o] = roundHalfEven(b / accScale);
        if (bias[o] * accScale !== b) inexact++;
      });
      if (inexact > 0) notes.push(`${inexact} float biases rounded to the accumulator scale ${accScale}`);
    }
    return intLayer(l, i, shift, Int32Array.from(q.ints), bias, sIn, sW, sOut, notes, file);
  });
  return { layers, inputUnsigned, inputScale: first.inQuant!.scale, outputScale: chain.layers[chain.layers.length - 1].outQuant!.scale, bits };
}

/** Post-training quantization of a float graph from calibration activations. */
export function mapFloat(chain: Chain, calibration: { input: Float64Array; batch: number } | undefined, bits: 8 | 16, file: string): Quantized {
  if (!calibration) {
    throw new InputError([{ file, field: 'graph', expected: 'a quantized model (QDQ or QONNX), or --calibration X.npy to quantize a float one', found: 'a float model and no calibration data' }]);
  }
  const qmax = 2 ** (bits - 1) - 1;
  const po2Above = (maxAbs: number) => 2 ** Math.ceil(Math.log2(Math.max(maxAbs, 1e-30) / qmax));
  let x = calibration.input;
  let inScale = po2Above(maxAbs(x));
  const inputScale = inScale;
  const layers: IntLayer[] = [];
  chain.layers.forEach((l, i) => {
    if (l.kind === 'avgpool') {
      const y = floatLayer(l, new Float64Array(), new Float64Array(l.out), x, calibration.batch);
      // The pool's output scale is its input's: an average stays in the range of its inputs.
      layers.push(avgPoolLayer(l, i, inScale, inScale, [], (e, f) => {
        throw new InputError([{ file, field: `node ${l.node}`, expected: e, found: f }]);
      }));
      x = y;
      return;
    }
    const { w, b } = foldedFloat(l);
    const sW = po2Above(maxAbs(w));
    const y = floatLayer(l, w, b, x, calibration.batch);
    let sOut = po2Above(maxAbs(y));
    let shift = Math.log2(sOut / (inScale * sW));
    const notes: string[] = [];
    if (l.bn) notes.push(`BatchNormalization ${l.bn.node} folded into the weights and biases`);
    if (shift < 0) {
      notes.push(`output scale raised from ${sOut} to the accumulator scale ${inScale * sW} (shift 0)`);
      sOut = inScale * sW;
      shift = 0;
    }
    if (shift > MAX_SHIFT) {
      notes.push(`output scale lowered to ${inScale * sW * 2 ** MAX_SHIFT} (shift ${MAX_SHIFT})`);
      sOut = inScale * sW * 2 ** MAX_SHIFT;
      shift = MAX_SHIFT;
    }
    const weight = Int32Array.from(w, (v) => Math.max(-qmax - 1, Math.min(qmax, roundHalfEven(v / sW))));
    const bias = Int32Array.from(b, (v) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, roundHalfEven(v / (inScale * sW)))));
    notes.push(`calibration: max |output| ${maxAbs(y).toPrecision(4)}`);
    layers.push(intLayer(l, i, shift, weight, bias, inScale, sW, sOut, notes, file));
    x = y;
    inScale = sOut;
  });
  return { layers, inputUnsigned: false, inputScale, outputScale: inScale, bits };
}

/** An average pool: its shift divides by the window's area and moves to the output scale. */
function avgPoolLayer(l: LayerDraft, i: number, inScale: number, outScale: number, notes: string[], fail: (expected: string, found: string) => never): IntLayer {
  const shift = Math.log2((l.kernel * l.kernel * outScale) / inScale);
  if (!Number.isInteger(shift) || shift < 0 || shift > MAX_SHIFT) fail(`an output scale that makes the average a right shift of 0..${MAX_SHIFT}`, `output ${outScale}, input ${inScale}, window ${l.kernel}x${l.kernel}`);
  const json: Record<string, unknown> = { name: `pool${i + 1}`, type: 'avgpool', out: l.out, kernel: l.kernel, stride: l.stride, shift, relu: l.relu, rounding: 'half-even' };
  if (l.leak) {
    if (shift + l.leak > MAX_SHIFT) fail(`shift + leak at most ${MAX_SHIFT}`, String(shift + l.leak));
    json.leak = l.leak;
  }
  notes.push('runs on the engines as a conv with identity weights');
  return { json, weightShape: [], weight: new Int32Array(), bias: new Int32Array(), inScale, weightScale: 1, outScale, notes };
}

function intLayer(l: LayerDraft, i: number, shift: number, weight: Int32Array, bias: Int32Array, inScale: number, weightScale: number, outScale: number, notes: string[], file: string): IntLayer {
  const name = `${l.kind}${i + 1}`;
  const json: Record<string, unknown> = l.kind === 'conv'
    ? { name, type: 'conv', out: l.out, kernel: l.kernel, stride: l.stride, pad: l.pad, shift, relu: l.relu }
    : { name, type: 'fc', out: l.out, shift, relu: l.relu };
  if (l.pool) json.pool = { kernel: l.pool.kernel, stride: l.pool.stride };
  json.rounding = 'half-even';
  if (l.leak) {
    if (shift + l.leak > MAX_SHIFT) {
      throw new InputError([{ file, field: `node ${l.node}`, expected: `shift + leak at most ${MAX_SHIFT} (LeakyRelu's alpha 2^-${l.leak} on a shift of ${shift})`, found: String(shift + l.leak) }]);
    }
    json.leak = l.leak;
  }
  if (l.flattenHwc) notes.push('the graph flattened its input in H, W, C order: the weights were permuted to C, H, W');
  const weightShape = l.kind === 'conv' ? [l.out, l.inShape[0], l.kernel, l.kernel] : [l.out, l.inShape[0] * l.inShape[1] * l.inShape[2]];
  return { json, weightShape, weight, bias, inScale, weightScale, outScale, notes };
}

function foldedFloat(l: LayerDraft): { w: Float64Array; b: Float64Array } {
  const w = Float64Array.from(l.weight.values);
  const b = new Float64Array(l.out);
  if (l.bias) b.set(l.bias.values);
  if (l.bn) {
    const per = w.length / l.out;
    for (let o = 0; o < l.out; o++) {
      for (let k = 0; k < per; k++) w[o * per + k] *= l.bn.mul[o];
      b[o] = b[o] * l.bn.mul[o] + l.bn.add[o];
    }
  }
  return { w, b };
}

function maxAbs(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}

function activate(l: LayerDraft, s: number): number {
  if (l.relu) return Math.max(0, s);
  return l.leak && s < 0 ? s * 2 ** -l.leak : s;
}

/** One layer in float64 (conv or fc, bias, ReLU, max pool), NCHW. */
export function floatLayer(l: LayerDraft, w: Float64Array, b: Float64Array, x: Float64Array, batch: number): Float64Array {
  const [C, H, W] = l.inShape;
  if (l.kind === 'avgpool') {
    const [, oh, ow] = l.outShape;
    const y = new Float64Array(batch * C * oh * ow);
    for (let p = 0; p < batch * C; p++) {
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          let s = 0;
          for (let ky = 0; ky < l.kernel; ky++) for (let kx = 0; kx < l.kernel; kx++) s += x[(p * H + oy * l.stride + ky) * W + ox * l.stride + kx];
          y[(p * oh + oy) * ow + ox] = activate(l, s / (l.kernel * l.kernel));
        }
      }
    }
    return y;
  }
  if (l.kind === 'fc') {
    const fanIn = C * H * W;
    const y = new Float64Array(batch * l.out);
    for (let n = 0; n < batch; n++) {
      for (let o = 0; o < l.out; o++) {
        let s = b[o];
        for (let i = 0; i < fanIn; i++) s += w[o * fanIn + i] * x[n * fanIn + i];
        y[n * l.out + o] = activate(l, s);
      }
    }
    return y;
  }
  const k = l.kernel;
  const oh = Math.floor((H + 2 * l.pad - k) / l.stride) + 1;
  const ow = Math.floor((W + 2 * l.pad - k) / l.stride) + 1;
  const conv = new Float64Array(batch * l.out * oh * ow);
  for (let n = 0; n < batch; n++) {
    for (let o = 0; o < l.out; o++) {
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          let s = b[o];
          for (let c = 0; c < C; c++) {
            for (let ky = 0; ky < k; ky++) {
              const iy = oy * l.stride - l.pad + ky;
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < k; kx++) {
                const ix = ox * l.stride - l.pad + kx;
                if (ix < 0 || ix >= W) continue;
                s += w[((o * C + c) * k + ky) * k + kx] * x[((n * C + c) * H + iy) * W + ix];
              }
            }
          }
          conv[((n * l.out + o) * oh + oy) * ow + ox] = activate(l, s);
        }
      }
    }
  }
  if (!l.pool) return conv;
  const [, ph, pw] = l.outShape;
  const { kernel: pk, stride: ps } = l.pool;
  const y = new Float64Array(batch * l.out * ph * pw);
  for (let p = 0; p < batch * l.out; p++) {
    for (let oy = 0; oy < ph; oy++) {
      for (let ox = 0; ox < pw; ox++) {
        let m = -Infinity;
        for (let ky = 0; ky < pk; ky++) for (let kx = 0; kx < pk; kx++) m = Math.max(m, conv[(p * oh + oy * ps + ky) * ow + ox * ps + kx]);
        y[(p * ph + oy) * pw + ox] = m;
      }
    }
  }
  return y;
}
