// The avgpool layer in model.json: the sum of each channel over k x k windows (no padding), then
// steps 3-5 of the numerics with bias 0. A shift of log2(k * k) makes it the average (exact for
// windows of a power-of-two area, as onnxruntime's AveragePool then QuantizeLinear rounds it);
// a global average pool is a window of the whole map. It has no weights of its own.
import type { Bits, LayerShape, Shape3 } from '../../model/model.ts';
import { makeTensor } from '../../model/npy.ts';
import type { Rng } from '../../model/random.ts';
import { checkKnownKeys, readInt } from '../../model/validate.ts';
import type { LayerWeights } from '../../model/weights.ts';
import { COMMON_KEYS, sampleLeak, sampleRounding, withCommon, type LayerCommon, type LayerSource, type ShapeProblem } from '../layer-type.ts';
import { poolOutSize } from '../conv/model.ts';

export interface AvgPoolLayer extends LayerCommon {
  type: 'avgpool';
  kernel: number;
  stride: number;
}

export const AVGPOOL_KEYS = [...COMMON_KEYS, 'kernel', 'stride'] as const;

export function parseAvgPool({ list, file, at, raw }: LayerSource, common: LayerCommon): AvgPoolLayer | undefined {
  const before = list.items.length;
  checkKnownKeys(list, file, at, raw, AVGPOOL_KEYS);
  const kernel = readInt(list, file, `${at}.kernel`, raw.kernel, { min: 1 });
  // As for max-pool: without a stride, windows do not overlap.
  const stride = readInt(list, file, `${at}.stride`, raw.stride, { min: 1 }, typeof raw.kernel === 'number' ? raw.kernel : undefined);
  if (list.items.length > before) return undefined;
  const layer: AvgPoolLayer = { name: common.name, type: 'avgpool', out: common.out, kernel: kernel!, stride: stride!, shift: common.shift, relu: common.relu };
  withCommon(layer, common);
  return layer;
}

export function avgPoolShapeProblem(layer: AvgPoolLayer, [c, h, w]: Shape3): ShapeProblem | undefined {
  if (layer.out !== c) return { field: 'out', expected: `the input's ${c} channels (a pool keeps the channels)`, found: String(layer.out) };
  const oh = poolOutSize(h, layer.kernel, layer.stride);
  const ow = poolOutSize(w, layer.kernel, layer.stride);
  if (oh < 1 || ow < 1) return { field: 'kernel', expected: `a window no larger than the input ${h}x${w}`, found: String(layer.kernel) };
  return undefined;
}

export function avgPoolShape(layer: AvgPoolLayer, inShape: Shape3): LayerShape {
  const [c, h, w] = inShape;
  const outShape: Shape3 = [c, poolOutSize(h, layer.kernel, layer.stride), poolOutSize(w, layer.kernel, layer.stride)];
  const fanIn = layer.kernel * layer.kernel;
  // The engines run it as a conv with identity weights [c, c, k, k]; useful work is the sums.
  return { inShape, convShape: outShape, outShape, fanIn, macsPerImage: c * outShape[1] * outShape[2] * fanIn, weightShape: [c, c, layer.kernel, layer.kernel] };
}

/** Identity weights (1 where the output channel is the input channel) and zero biases. */
export function avgPoolWeights(layer: AvgPoolLayer, shape: LayerShape, bits: Bits): LayerWeights {
  const [c, , k] = shape.weightShape;
  const data = bits === 8 ? new Int8Array(c * c * k * k) : new Int16Array(c * c * k * k);
  for (let o = 0; o < c; o++) data.fill(1, (o * c + o) * k * k, (o * c + o + 1) * k * k);
  return { weight: makeTensor(bits === 8 ? 'int8' : 'int16', shape.weightShape, data), bias: makeTensor('int32', [layer.out]) };
}

export function sampleAvgPool(rng: Rng, [c, h, w]: Shape3, name: string): Record<string, unknown> | undefined {
  const kernel = rng.int(1, Math.min(4, h, w));
  const area = kernel * kernel;
  const shift = Number.isInteger(Math.log2(area)) ? Math.log2(area) : rng.int(0, 4);
  const relu = rng.int(0, 1) === 1;
  return { name, type: 'avgpool', out: c, kernel, stride: rng.int(1, kernel), shift, relu, ...sampleRounding(rng), ...sampleLeak(rng, shift, relu) };
}
