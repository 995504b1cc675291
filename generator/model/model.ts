// The model description (model.json, see shared/spec/model-format.md): types with every default
// filled in, validation that reports all problems at once, and the per-layer shapes derived from it.

import { InputError, ProblemList } from '../errors.ts';
import { ROUNDING_MODES, type ActivationKind, type LayerCommon, type Rounding } from '../layers/layer-type.ts';
import { isLayerTypeName, layerType, layerTypeNames, type Layer } from '../layers/registry.ts';
import {
  addText, checkKnownKeys, checkUniqueNames, isPlainObject, readBool, readInt, readJsonFile, readSafeName,
  readString,
} from './validate.ts';

export type Bits = 8 | 16;
export type Shape3 = [number, number, number];

export type { ConvLayer, FcLayer, Layer, PoolSpec } from '../layers/registry.ts';
export { convOutSize, poolOutSize } from '../layers/conv/model.ts';

/** Real values of the integers at the model's ends (set by `import`): x = integer * scale. */
export interface ModelScales {
  input: number;
  output: number;
}

export interface Model {
  name: string;
  bits: Bits;
  /** Optional: the scales of the input and the last layer's output. */
  scales?: ModelScales;
  /** Unsigned 8-bit input images (0..255) of an 8-bit model; absent means signed, `bits` wide. */
  inputType?: 'uint8';
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
const MODEL_KEYS = ['name', 'bits', 'input', 'inputType', 'layers', 'scales'] as const;

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
  const scales = obj.scales === undefined ? undefined : readScales(list, file, obj.scales);
  const signedType = bits === 16 ? 'int16' : 'int8';
  if (obj.inputType !== undefined && obj.inputType !== signedType && !(obj.inputType === 'uint8' && bits === 8)) {
    list.add(file, 'inputType', bits === 16 ? '"int16" (a 16-bit model\'s input)' : '"int8" or "uint8"', obj.inputType);
  }
  list.throwIfAny();
  const model: Model = { name: name!, bits: bits!, input: input!, layers: layers as Layer[] };
  if (scales) model.scales = scales;
  if (obj.inputType === 'uint8') model.inputType = 'uint8';
  return model;
}

function readScales(list: ProblemList, file: string, value: unknown): ModelScales | undefined {
  const ok = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;
  if (isPlainObject(value) && ok(value.input) && ok(value.output) && Object.keys(value).every((k) => k === 'input' || k === 'output')) {
    return { input: value.input as number, output: value.output as number };
  }
  list.add(file, 'scales', '{"input": s, "output": s} with positive numbers', value);
  return undefined;
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
  const shifts = readShifts(list, file, at, raw, out);
  const relu = readBool(list, file, `${at}.relu`, raw.relu, false);
  const rounding = readRounding(list, file, `${at}.rounding`, raw.rounding);
  const leak = raw.leak === undefined ? undefined : readInt(list, file, `${at}.leak`, raw.leak, { min: 1, max: MAX_SHIFT });
  if (leak !== undefined && relu) addText(list, file, `${at}.leak`, 'no leak on a layer with relu (LeakyReLU or ReLU, not both)', String(leak));
  const largest = shifts ? Math.max(...shifts) : shift;
  if (leak !== undefined && largest !== undefined && largest + leak > MAX_SHIFT) {
    const what = shifts ? 'the largest of shifts' : 'shift';
    addText(list, file, `${at}.leak`, `${what} + leak at most ${MAX_SHIFT} (${what} is ${largest})`, String(leak));
  }
  if (!isLayerTypeName(raw.type)) {
    list.add(file, `${at}.type`, layerTypeNames().map((t) => JSON.stringify(t)).join(' or '), raw.type);
    checkKnownKeys(list, file, at, raw, [...new Set(layerTypeNames().flatMap((t) => layerType(t).keys))]);
    return undefined;
  }
  const common: LayerCommon = { name: name!, out: out!, shift: shift!, relu: relu! };
  // Carried only when given: a model without it parses to the same layer objects as before.
  if (rounding !== undefined) common.rounding = rounding;
  if (leak !== undefined) common.leak = leak;
  if (shifts !== undefined) common.shifts = shifts;
  const layer = layerType(raw.type).parse({ list, file, at, raw }, common);
  return list.items.length > before ? undefined : layer;
}

/**
 * The optional per-output-channel shifts: `out` integers in 0..31, instead of `shift` (giving
 * both would leave one of them meaning nothing). Undefined when absent or wrong.
 */
function readShifts(list: ProblemList, file: string, at: string, raw: Record<string, unknown>, out: number | undefined): number[] | undefined {
  const value = raw.shifts;
  if (value === undefined) return undefined;
  const field = `${at}.shifts`;
  const size = out === undefined ? '`out`' : String(out);
  const ok = Array.isArray(value) && value.every((v) => Number.isInteger(v) && v >= 0 && v <= MAX_SHIFT);
  if (!ok) {
    list.add(file, field, `an array of ${size} integers in 0..${MAX_SHIFT}, one shift per output channel`, value);
    return undefined;
  }
  if (out !== undefined && value.length !== out) {
    addText(list, file, field, `${out} shifts, one per output channel (out is ${out})`, `${value.length} shifts`);
    return undefined;
  }
  if (raw.shift !== undefined) {
    addText(list, file, `${at}.shift`, 'no shift on a layer with shifts (one shift per channel, or one for the layer)', JSON.stringify(raw.shift));
    return undefined;
  }
  return [...(value as number[])];
}

/** The optional rounding mode of step 3 (numerics.md); undefined when absent or wrong. */
function readRounding(list: ProblemList, file: string, field: string, value: unknown): Rounding | undefined {
  if (value === undefined) return undefined;
  if ((ROUNDING_MODES as readonly unknown[]).includes(value)) return value as Rounding;
  list.add(file, field, ROUNDING_MODES.map((m) => JSON.stringify(m)).join(' or '), value);
  return undefined;
}

function defaultModelName(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? 'model';
  const stem = base.replace(/\.json$/i, '');
  return stem === 'model' || stem === '' ? (file.split(/[\\/]/).slice(-2, -1)[0] || 'model') : stem;
}

/**
 * Follows the shapes through the layers; an empty output names the field that caused it. Checking
 * stops at the first shape problem, as later sizes would only repeat it.
 */
function checkShapes(list: ProblemList, file: string, input: Shape3, layers: Layer[]): void {
  let inShape = input;
  let kind: ActivationKind = 'map';
  let producer = '';
  for (const [i, layer] of layers.entries()) {
    const at = `layers[${i}]`;
    const type = layerType(layer);
    if (!type.accepts.includes(kind)) {
      const takers = layerTypeNames().filter((t) => layerType(t).accepts.includes(kind));
      addText(list, file, `${at}.type`, `${takers.join(' or ')} (a ${layer.type} layer cannot follow a ${producer} layer)`, JSON.stringify(layer.type));
      return;
    }
    const problem = type.shapeProblem(layer, inShape);
    if (problem) {
      addText(list, file, `${at}.${problem.field}`, problem.expected, problem.found);
      return;
    }
    inShape = type.shape(layer, inShape).outShape;
    kind = type.produces;
    producer = layer.type;
  }
}

/** Shapes of every layer of a valid model (parseModel has checked that every size is >= 1). */
export function layerShapes(model: Model): LayerShape[] {
  let inShape: Shape3 = [...model.input];
  return model.layers.map((layer) => {
    const shape = layerType(layer).shape(layer, inShape);
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
