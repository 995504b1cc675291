// The model description (model.json, see shared/spec/model-format.md): types with every default
// filled in, validation that reports all problems at once, and the per-layer shapes derived from it.

import { InputError, ProblemList } from '../errors.ts';
import {
  addText, checkKnownKeys, checkUniqueNames, isPlainObject, joinField, readBool, readInt, readJsonFile,
  readSafeName, readString,
} from './validate.ts';

export type Bits = 8 | 16;
export type Shape3 = [number, number, number];

export interface PoolSpec {
  kernel: number;
  stride: number;
}

export interface ConvLayer {
  name: string;
  type: 'conv';
  out: number;
  kernel: number;
  stride: number;
  pad: number;
  shift: number;
  relu: boolean;
  pool?: PoolSpec;
}

export interface FcLayer {
  name: string;
  type: 'fc';
  out: number;
  shift: number;
  relu: boolean;
}

export type Layer = ConvLayer | FcLayer;

export interface Model {
  name: string;
  bits: Bits;
  /** [channels, height, width] of one image. */
  input: Shape3;
  layers: Layer[];
}

export interface LayerShape {
  /** The previous layer's output (or the model input), [c, h, w]; for fc it is not flattened. */
  inShape: Shape3;
  /** Output before pooling; equals outShape when there is no pool. */
  convShape: Shape3;
  outShape: Shape3;
  /** Multiply-accumulates for one image, bias excluded. */
  macsPerImage: number;
  /** conv [out, in, k, k]; fc [out, fanIn]. */
  weightShape: number[];
  /** Inputs summed into one output value. */
  fanIn: number;
}

export const MAX_SHIFT = 31;
const MODEL_KEYS = ['name', 'bits', 'input', 'layers'] as const;
const CONV_KEYS = ['name', 'type', 'out', 'kernel', 'stride', 'pad', 'shift', 'relu', 'pool'] as const;
const FC_KEYS = ['name', 'type', 'out', 'shift', 'relu'] as const;
const POOL_KEYS = ['kernel', 'stride'] as const;

export function convOutSize(size: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}

export function poolOutSize(size: number, kernel: number, stride: number): number {
  return Math.floor((size - kernel) / stride) + 1;
}

export function loadModelFile(path: string): Model {
  return parseModel(readJsonFile(path, 'model file'), path);
}

/** Validates a parsed model.json; throws one InputError listing every problem. */
export function parseModel(json: unknown, file: string): Model {
  const list = new ProblemList();
  if (!isPlainObject(json)) {
    list.add(file, '', 'a JSON object with fields name, bits, input, layers', json);
    list.throwIfAny();
  }
  const obj = json as Record<string, unknown>;
  checkKnownKeys(list, file, '', obj, MODEL_KEYS);
  // The name is optional: a model without one is named after its file.
  const name = obj.name === undefined ? defaultModelName(file) : readString(list, file, 'name', obj.name);
  const bits = readBits(list, file, obj.bits);
  const input = readInputShape(list, file, obj.input);

  const layers: (Layer | undefined)[] = [];
  if (!Array.isArray(obj.layers) || obj.layers.length === 0) {
    list.add(file, 'layers', 'a non-empty array of layers', obj.layers);
  } else {
    obj.layers.forEach((raw, i) => layers.push(readLayer(list, file, `layers[${i}]`, raw)));
    const names = obj.layers.map((raw, i) => ({ field: `layers[${i}].name`, name: isPlainObject(raw) && typeof raw.name === 'string' ? raw.name : undefined }));
    checkUniqueNames(list, file, names, 'layer');
  }

  // Shapes can only be followed when every layer is valid.
  if (input !== undefined && layers.length > 0 && layers.every((l) => l !== undefined)) {
    checkShapes(list, file, input, layers as Layer[]);
  }
  list.throwIfAny();
  return { name: name!, bits: bits!, input: input!, layers: layers as Layer[] };
}

function readBits(list: ProblemList, file: string, value: unknown): Bits | undefined {
  if (value === undefined) return 8;
  if (value === 8 || value === 16) return value;
  list.add(file, 'bits', '8 or 16', value);
  return undefined;
}

function readInputShape(list: ProblemList, file: string, value: unknown): Shape3 | undefined {
  const ok = Array.isArray(value) && value.length === 3
    && value.every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1);
  if (ok) return [...value] as Shape3;
  list.add(file, 'input', '[channels, height, width]: three integers >= 1', value);
  return undefined;
}

function readLayer(list: ProblemList, file: string, at: string, raw: unknown): Layer | undefined {
  if (!isPlainObject(raw)) {
    list.add(file, at, 'a layer object', raw);
    return undefined;
  }
  const before = list.items.length;
  const name = readSafeName(list, file, `${at}.name`, raw.name);
  const out = readInt(list, file, `${at}.out`, raw.out, { min: 1 });
  const shift = readInt(list, file, `${at}.shift`, raw.shift, { min: 0, max: MAX_SHIFT }, 0);
  const relu = readBool(list, file, `${at}.relu`, raw.relu, false);

  if (raw.type === 'fc') {
    if (raw.pool !== undefined) {
      addText(list, file, `${at}.pool`, 'no pool on a fc layer (pooling follows conv layers only)', `pool ${JSON.stringify(raw.pool)}`);
    }
    checkKnownKeys(list, file, at, withoutKey(raw, 'pool'), FC_KEYS);
    if (list.items.length > before) return undefined;
    return { name: name!, type: 'fc', out: out!, shift: shift!, relu: relu! };
  }
  if (raw.type !== 'conv') {
    list.add(file, `${at}.type`, '"conv" or "fc"', raw.type);
    checkKnownKeys(list, file, at, raw, CONV_KEYS);
    return undefined;
  }

  checkKnownKeys(list, file, at, raw, CONV_KEYS);
  const kernel = readInt(list, file, `${at}.kernel`, raw.kernel, { min: 1 });
  const stride = readInt(list, file, `${at}.stride`, raw.stride, { min: 1 }, 1);
  const pad = readInt(list, file, `${at}.pad`, raw.pad, { min: 0 }, 0);
  // Padding of a whole kernel or more adds output pixels that see only zeros.
  if (kernel !== undefined && pad !== undefined && pad >= kernel) {
    addText(list, file, `${at}.pad`, `a pad smaller than the kernel (${kernel})`, String(pad));
  }
  const pool = raw.pool === undefined ? undefined : readPool(list, file, `${at}.pool`, raw.pool);
  if (list.items.length > before) return undefined;
  const layer: ConvLayer = { name: name!, type: 'conv', out: out!, kernel: kernel!, stride: stride!, pad: pad!, shift: shift!, relu: relu! };
  if (pool) layer.pool = pool;
  return layer;
}

function defaultModelName(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? 'model';
  const stem = base.replace(/\.json$/i, '');
  return stem === 'model' || stem === '' ? (file.split(/[\\/]/).slice(-2, -1)[0] || 'model') : stem;
}

function readPool(list: ProblemList, file: string, at: string, raw: unknown): PoolSpec | undefined {
  if (!isPlainObject(raw)) {
    list.add(file, at, 'a pool object {"kernel": k, "stride": s}', raw);
    return undefined;
  }
  checkKnownKeys(list, file, at, raw, POOL_KEYS);
  const kernel = readInt(list, file, joinField(at, 'kernel'), raw.kernel, { min: 1 });
  // Without a stride, windows do not overlap (stride = kernel), as in PyTorch's MaxPool2d.
  const stride = readInt(list, file, joinField(at, 'stride'), raw.stride, { min: 1 }, typeof raw.kernel === 'number' ? raw.kernel : undefined);
  if (kernel === undefined || stride === undefined) return undefined;
  return { kernel, stride };
}

function withoutKey(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = obj;
  return rest;
}

/**
 * Follows the shapes through the layers; an empty output names the field that caused it. Checking
 * stops at the first shape problem, as later sizes would only repeat it.
 */
function checkShapes(list: ProblemList, file: string, input: Shape3, layers: Layer[]): void {
  let [, h, w] = input;
  let seenFc = false;
  for (const [i, layer] of layers.entries()) {
    const at = `layers[${i}]`;
    if (layer.type === 'fc') {
      seenFc = true;
      [h, w] = [1, 1];
      continue;
    }
    if (seenFc) {
      addText(list, file, `${at}.type`, 'fc (a conv layer cannot follow a fc layer)', '"conv"');
      return;
    }
    const oh = convOutSize(h, layer.kernel, layer.stride, layer.pad);
    const ow = convOutSize(w, layer.kernel, layer.stride, layer.pad);
    if (oh < 1 || ow < 1) {
      addText(list, file, `${at}.kernel`,
        `a kernel no larger than the padded input ${h + 2 * layer.pad}x${w + 2 * layer.pad} (input ${h}x${w}, pad ${layer.pad})`,
        `${layer.kernel}, giving an output of ${oh}x${ow}`);
      return;
    }
    [h, w] = [oh, ow];
    if (layer.pool) {
      const ph = poolOutSize(h, layer.pool.kernel, layer.pool.stride);
      const pw = poolOutSize(w, layer.pool.kernel, layer.pool.stride);
      if (ph < 1 || pw < 1) {
        addText(list, file, `${at}.pool.kernel`, `a pool kernel no larger than the conv output ${h}x${w}`,
          `${layer.pool.kernel}, giving a pooled output of ${ph}x${pw}`);
        return;
      }
      [h, w] = [ph, pw];
    }
  }
}

/** Shapes of every layer of a valid model (parseModel has checked that every size is >= 1). */
export function layerShapes(model: Model): LayerShape[] {
  let inShape: Shape3 = [...model.input];
  return model.layers.map((layer) => {
    const [c, h, w] = inShape;
    let shape: LayerShape;
    if (layer.type === 'fc') {
      const fanIn = c * h * w;
      const out: Shape3 = [layer.out, 1, 1];
      shape = { inShape, convShape: out, outShape: out, macsPerImage: layer.out * fanIn, weightShape: [layer.out, fanIn], fanIn };
    } else {
      const convShape: Shape3 = [layer.out, convOutSize(h, layer.kernel, layer.stride, layer.pad), convOutSize(w, layer.kernel, layer.stride, layer.pad)];
      const outShape: Shape3 = layer.pool
        ? [layer.out, poolOutSize(convShape[1], layer.pool.kernel, layer.pool.stride), poolOutSize(convShape[2], layer.pool.kernel, layer.pool.stride)]
        : convShape;
      const fanIn = c * layer.kernel * layer.kernel;
      shape = {
        inShape, convShape, outShape, fanIn,
        macsPerImage: layer.out * convShape[1] * convShape[2] * fanIn,
        weightShape: [layer.out, c, layer.kernel, layer.kernel],
      };
    }
    if (shape.outShape.some((n) => n < 1)) {
      throw new InputError([{ file: `model ${model.name}`, field: `layer ${layer.name}`, expected: 'an output of at least 1x1', found: `[${shape.outShape.join(', ')}]` }]);
    }
    inShape = shape.outShape;
    return shape;
  });
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
