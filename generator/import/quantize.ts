// Turns the layer drafts of a graph into integer layers of the accelerator (model.json fields
// and weights). A quantized graph (QDQ or QONNX, power-of-two scales, zero point 0) maps
// exactly: shift = log2(output scale / (input scale * weight scale)), one per output channel when
// the weights have one scale per channel (model.json `shifts`). A float graph is quantized after
// training: power-of-two scales chosen from the weights (one per output channel, or one per
// layer) and from calibration activations.
import { CHAN_BIAS_BITS, CHAN_BIAS_MAX, CHAN_BIAS_MIN } from '../arch/bias-word.ts';
import { UNSIGNED_OFFSET } from '../compiler/unsigned-input.ts';
import { InputError } from '../errors.ts';
import type { ActQuant, Chain, ConstValue, LayerDraft } from './chain.ts';
import { roundHalfEven } from './chain.ts';

// The modes are in weight-scales.ts, which the CLI loads at start-up (its --weight-scales choices).
import type { WeightScales } from './weight-scales.ts';
export { WEIGHT_SCALES, type WeightScales } from './weight-scales.ts';

export interface IntLayer {
  json: Record<string, unknown>;
  weightShape: number[];
  weight: Int32Array;
  bias: Int32Array;
  /** What the report says of it. */
  inScale: number;
  /** Each output channel's weight scale (all equal with one scale for the layer). */
  weightScales: number[];
  outScale: number;
  /** Each output channel's rounding right shift (model.json `shift` when all are equal). */
  shifts: number[];
  notes: string[];
}

export interface Quantized {
  layers: IntLayer[];
  /** The input images are unsigned 8-bit. */
  inputUnsigned: boolean;
  inputScale: number;
  outputScale: number;
  bits: 8 | 16;
  /** What the import allows but the accelerator would refuse (the report lists them). */
  warnings: string[];
}

type Fail = (field: string, expected: string, found: string) => never;
type WeightQuant = NonNullable<ConstValue['quant']>;

const MAX_SHIFT = 31;

export function isPowerOfTwo(s: number): boolean {
  return s > 0 && Number.isFinite(s) && Number.isInteger(Math.log2(s));
}

/** Exact mapping of a quantized graph. */
export function mapQuantized(chain: Chain, file: string): Quantized {
  const fail: Fail = (field, expected, found) => {
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
    if (bitsOf(l.outQuant!) !== bits || bitsOf(l.inQuant!) !== bits) fail(`node ${l.outQuant!.node}`, `${bits}-bit activations throughout`, 'a change of width');
    return quantizedLayer(l, i, bits, fail, file);
  });
  return {
    layers, inputUnsigned, inputScale: first.inQuant!.scale, outputScale: chain.layers[chain.layers.length - 1].outQuant!.scale, bits,
    warnings: biasFieldWarnings(layers, inputUnsigned),
  };
}

/** One conv or fc layer of a quantized graph, exactly. */
function quantizedLayer(l: LayerDraft, i: number, bits: 8 | 16, fail: Fail, file: string): IntLayer {
  const inQ = l.inQuant!;
  const outQ = l.outQuant!;
  if (l.bn) fail(`node ${l.bn.node}`, 'no BatchNormalization in a quantized graph (fold it before quantizing)', 'BatchNormalization');
  const q = l.weight.quant ?? fail(`node ${l.node}`, 'quantized weights (a DequantizeLinear or Quant of an integer or float initializer)', 'float weights in a quantized graph');
  const z = q.zeroPoint.findIndex((v) => v !== 0);
  if (z >= 0) fail(`node ${q.node}`, 'weight zero point 0', q.zeroPoint.length > 1 ? `${q.zeroPoint[z]} (output channel ${z})` : `${q.zeroPoint[0]}`);
  const sIn = inQ.scale;
  const sOut = outQ.scale;
  if (!isPowerOfTwo(sIn)) fail(`node ${inQ.node}`, 'a power-of-two input scale', String(sIn));
  const sW = channelWeightScales(q, l.out, fail);
  if (!isPowerOfTwo(sOut)) fail(`node ${outQ.node}`, 'a power-of-two output scale', String(sOut));
  const lo = -(2 ** (bits - 1));
  const hi = 2 ** (bits - 1) - 1;
  if (q.ints.some((v) => v < lo || v > hi)) fail(`node ${q.node}`, `weights in [${lo}, ${hi}]`, 'values outside');
  // An unsigned quantizer (QONNX, 7 or 15 bits) clamps at zero: ReLU after saturation exactly.
  if (outQ.lo === 0) {
    if (l.leak) fail(`node ${outQ.node}`, 'an unsigned quantizer after a Relu or none (it clamps at zero)', 'one after a LeakyRelu');
    l.relu = true;
  }
  const shifts = sW.map((s, o) => {
    const shift = Math.log2(sOut / (sIn * s));
    if (shift >= 0 && shift <= MAX_SHIFT) return shift;
    const weight = q.scale.length > 1 ? `weight ${s} of output channel ${o} (node ${q.node})` : `weight ${s}`;
    return fail(`node ${outQ.node}`, `an output scale between input scale * weight scale and 2^${MAX_SHIFT} times it`, `output ${sOut}, input ${sIn}, ${weight} (shift ${shift})`);
  });
  const notes: string[] = [];
  // onnxruntime requantizes through float32: sums beyond 2^24 are rounded there first.
  const maxInput = Math.max(Math.abs(inQ.lo), Math.abs(inQ.hi));
  const fanIn = q.ints.length / l.out;
  let maxWeight = 0;
  for (const v of q.ints) maxWeight = Math.max(maxWeight, Math.abs(v));
  if (fanIn * maxInput * maxWeight >= 2 ** 24) {
    notes.push(`sums can reach 2^24 (${fanIn} inputs up to ${maxInput} times weights up to ${maxWeight}): onnxruntime rounds such sums to float32 before it requantizes, so it may differ by one from these exact integers on rare outputs`);
  }
  const bias = quantizedBias(l, sW.map((s) => sIn * s), notes, fail);
  return intLayer(l, i, shifts, Int32Array.from(q.ints), bias, sIn, sW, sOut, notes, file);
}

/** Each output channel's weight scale, a power of two: the layer's one scale repeated, or the
 * graph's per-channel vector (on the output axis: chain.ts checks it). */
function channelWeightScales(q: WeightQuant, out: number, fail: Fail): number[] {
  const bad = q.scale.findIndex((s) => !isPowerOfTwo(s));
  if (bad >= 0) fail(`node ${q.node}`, 'a power-of-two weight scale', q.scale.length > 1 ? `${q.scale[bad]} (output channel ${bad})` : String(q.scale[0]));
  return q.scale.length > 1 ? [...q.scale] : new Array<number>(out).fill(q.scale[0]);
}

/** The biases at each channel's accumulator scale (input scale * the channel's weight scale):
 * a quantized bias must be at exactly that scale, a float one is rounded to it. */
function quantizedBias(l: LayerDraft, accScales: number[], notes: string[], fail: Fail): Int32Array {
  const bias = new Int32Array(l.out);
  const uniform = accScales.every((a) => a === accScales[0]);
  if (l.bias?.quant) {
    const bq = l.bias.quant;
    const at = (v: number[], o: number) => v[v.length > 1 ? o : 0];
    const o = accScales.findIndex((acc, o) => at(bq.scale, o) !== acc || at(bq.zeroPoint, o) !== 0);
    if (o >= 0) {
      if (uniform) fail(`node ${bq.node}`, `a bias at the accumulator's scale ${accScales[0]} with zero point 0`, `scale ${bq.scale[0]}, zero point ${bq.zeroPoint[0]}`);
      fail(`node ${bq.node}`, `a bias at each output channel's accumulator scale (input scale * its weight scale: ${accScales[o]} for channel ${o}) with zero point 0`, `scale ${at(bq.scale, o)}, zero point ${at(bq.zeroPoint, o)} for channel ${o}`);
    }
    bias.set(bq.ints);
  } else if (l.bias) {
    let inexact = 0;
    l.bias.values.forEach((b, o) => {
      bias[o] = roundHalfEven(b / accScales[o]);
      if (bias[o] * accScales[o] !== b) inexact++;
    });
    if (inexact > 0) notes.push(`${inexact} float biases rounded to ${uniform ? `the accumulator scale ${accScales[0]}` : 'their channels\' accumulator scales'}`);
  }
  return bias;
}

/** Post-training quantization of a float graph from calibration activations. */
export function mapFloat(chain: Chain, calibration: { input: Float64Array; batch: number } | undefined, bits: 8 | 16, file: string, weightScales: WeightScales = 'per-channel'): Quantized {
  if (!calibration) {
    throw new InputError([{ file, field: 'graph', expected: 'a quantized model (QDQ or QONNX), or --calibration X.npy to quantize a float one', found: 'a float model and no calibration data' }]);
  }
  const qmax = 2 ** (bits - 1) - 1;
  let x = calibration.input;
  let inScale = po2Above(maxAbs(x), qmax);
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
    const y = floatLayer(l, w, b, x, calibration.batch);
    const notes: string[] = [];
    if (l.bn) notes.push(`BatchNormalization ${l.bn.node} folded into the weights and biases`);
    const { sW, sOut } = weightScales === 'per-channel'
      ? perChannelScales(l, w, b, y, inScale, qmax, notes)
      : perLayerScales(l.out, w, y, inScale, qmax, notes);
    const shifts = sW.map((s) => Math.log2(sOut / (inScale * s)));
    const per = w.length / l.out;
    const weight = Int32Array.from(w, (v, k) => Math.max(-qmax - 1, Math.min(qmax, roundHalfEven(v / sW[Math.floor(k / per)]))));
    const bias = Int32Array.from(b, (v, o) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, roundHalfEven(v / (inScale * sW[o])))));
    notes.push(`calibration: max |output| ${maxAbs(y).toPrecision(4)}`);
    layers.push(intLayer(l, i, shifts, weight, bias, inScale, sW, sOut, notes, file));
    x = y;
    inScale = sOut;
  });
  return { layers, inputUnsigned: false, inputScale, outputScale: inScale, bits, warnings: biasFieldWarnings(layers, false) };
}

/** The smallest power of two that scales maxAbs into qmax steps. */
function po2Above(maxAbs: number, qmax: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(maxAbs, 1e-30) / qmax));
}

/** One weight scale for the layer, and the output scale from calibration: a shift of 0..31. */
function perLayerScales(out: number, w: Float64Array, y: Float64Array, inScale: number, qmax: number, notes: string[]): { sW: number[]; sOut: number } {
  const s = po2Above(maxAbs(w), qmax);
  let sOut = po2Above(maxAbs(y), qmax);
  const shift = Math.log2(sOut / (inScale * s));
  if (shift < 0) {
    notes.push(`output scale raised from ${sOut} to the accumulator scale ${inScale * s} (shift 0)`);
    sOut = inScale * s;
  }
  if (shift > MAX_SHIFT) {
    notes.push(`output scale lowered to ${inScale * s * 2 ** MAX_SHIFT} (shift ${MAX_SHIFT})`);
    sOut = inScale * s * 2 ** MAX_SHIFT;
  }
  return { sW: new Array<number>(out).fill(s), sOut };
}

/**
 * A weight scale per output channel, from the channel's own largest |weight| (after batch-norm
 * folding: a channel of small gamma keeps all its bits), and the output scale from calibration.
 * Every channel's shift must be 0..31: the output scale is raised to the largest accumulator
 * scale if need be (as per layer), and a channel of nearly zero weights whose shift would pass
 * 31 (or 31 - leak) gets a coarser weight scale, as does one whose bias would overflow 32 bits.
 */
function perChannelScales(l: LayerDraft, w: Float64Array, b: Float64Array, y: Float64Array, inScale: number, qmax: number, notes: string[]): { sW: number[]; sOut: number } {
  const per = w.length / l.out;
  const layerScale = po2Above(maxAbs(w), qmax);
  const sW = Array.from({ length: l.out }, (_, o) => {
    const m = maxAbs(w.subarray(o * per, (o + 1) * per));
    // A channel of zero weights has no scale of its own: the layer's serves.
    return m > 0 ? po2Above(m, qmax) : layerScale;
  });
  let sOut = po2Above(maxAbs(y), qmax);
  const largestAcc = inScale * Math.max(...sW);
  if (sOut < largestAcc) {
    notes.push(`output scale raised from ${sOut} to the largest accumulator scale ${largestAcc} (shift 0)`);
    sOut = largestAcc;
  }
  const cap = MAX_SHIFT - (l.leak ?? 0);
  const coarsened: number[] = [];
  sW.forEach((s, o) => {
    // The finest scale the shift cap and a 32-bit bias allow (but no coarser than shift 0: a
    // bias past 2^31 output steps saturates the output anyway).
    const floor = Math.min(sOut / inScale, Math.max(sOut / (inScale * 2 ** cap), po2Above(Math.abs(b[o]) / inScale, 2 ** 31 - 1)));
    if (s < floor) {
      sW[o] = floor;
      coarsened.push(o);
    }
  });
  if (coarsened.length > 0) {
    notes.push(`weight scale of channel${coarsened.length > 1 ? 's' : ''} ${coarsened.join(', ')} coarsened to keep ${coarsened.length > 1 ? 'their shifts' : 'its shift'} at most ${cap} and ${coarsened.length > 1 ? 'their biases' : 'its bias'} in 32 bits`);
  }
  return { sW, sOut };
}

/** Layers whose per-channel shifts the accelerator's bias word holds beside 27-bit biases only
 * (arch/bias-word.ts; the first layer's after the uint8 input fold): the golden model and eval
 * run them, `run` refuses them. */
function biasFieldWarnings(layers: IntLayer[], inputUnsigned: boolean): string[] {
  const warnings: string[] = [];
  layers.forEach((il, i) => {
    if (!il.json.shifts) return;
    const per = il.weight.length / il.bias.length;
    const outside: number[] = [];
    il.bias.forEach((b, o) => {
      let folded = b;
      if (i === 0 && inputUnsigned) for (let k = 0; k < per; k++) folded += UNSIGNED_OFFSET * il.weight[o * per + k];
      if (folded < CHAN_BIAS_MIN || folded > CHAN_BIAS_MAX) outside.push(o);
    });
    if (outside.length === 0) return;
    const text = `${il.json.name}: ${outside.length} of ${il.bias.length} biases outside ${CHAN_BIAS_MIN}..${CHAN_BIAS_MAX} (channel${outside.length > 1 ? 's' : ''} ${outside.slice(0, 8).join(', ')}${outside.length > 8 ? ', ...' : ''}${i === 0 && inputUnsigned ? ', with the uint8 input fold' : ''}): ` +
      `beside a per-channel shift the accelerator holds ${CHAN_BIAS_BITS}-bit biases, so \`synergyflow run\` refuses this model; the golden model and \`eval\` run it`;
    warnings.push(text);
    il.notes.push(`warning: ${outside.length > 1 ? `${outside.length} biases do` : 'a bias does'} not fit the accelerator's ${CHAN_BIAS_BITS}-bit bias field (see Warnings)`);
  });
  return warnings;
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
  return { json, weightShape: [], weight: new Int32Array(), bias: new Int32Array(), inScale, weightScales: [1], outScale, shifts: [shift], notes };
}

function intLayer(l: LayerDraft, i: number, shifts: number[], weight: Int32Array, bias: Int32Array, inScale: number, weightScales: number[], outScale: number, notes: string[], file: string): IntLayer {
  const name = `${l.kind}${i + 1}`;
  // Equal shifts stay one `shift`: a model of per-layer scales is written as it always was.
  const perChannel = shifts.some((s) => s !== shifts[0]);
  const shift = perChannel ? { shifts } : { shift: shifts[0] };
  const json: Record<string, unknown> = l.kind === 'conv'
    ? { name, type: 'conv', out: l.out, kernel: l.kernel, stride: l.stride, pad: l.pad, ...shift, relu: l.relu }
    : { name, type: 'fc', out: l.out, ...shift, relu: l.relu };
  if (l.pool) json.pool = { kernel: l.pool.kernel, stride: l.pool.stride };
  json.rounding = 'half-even';
  if (l.leak) {
    const largest = Math.max(...shifts);
    if (largest + l.leak > MAX_SHIFT) {
      const on = perChannel ? `shifts up to ${largest}` : `a shift of ${largest}`;
      throw new InputError([{ file, field: `node ${l.node}`, expected: `${perChannel ? 'the largest shift' : 'shift'} + leak at most ${MAX_SHIFT} (LeakyRelu's alpha 2^-${l.leak} on ${on})`, found: String(largest + l.leak) }]);
    }
    json.leak = l.leak;
  }
  if (l.flattenHwc) notes.push('the graph flattened its input in H, W, C order: the weights were permuted to C, H, W');
  const weightShape = l.kind === 'conv' ? [l.out, l.inShape[0], l.kernel, l.kernel] : [l.out, l.inShape[0] * l.inShape[1] * l.inShape[2]];
  return { json, weightShape, weight, bias, inScale, weightScales, outScale, shifts, notes };
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
