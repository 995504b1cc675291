// Weights folders (L.weight.npy, L.bias.npy per layer) and input files: loading with every
// dtype and shape problem reported against the file it is in, and saving in the same layout.

import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, ProblemList } from '../errors.ts';
import { layerType } from '../layers/registry.ts';
import { layerShapes, type Model } from './model.ts';
import { readNpy, writeNpy, type DType, type Tensor } from './npy.ts';
import { addText } from './validate.ts';

export interface LayerWeights {
  /** In the layer type's weightLayout (conv [out, in, k, k]; fc [out, fanIn]); int8 or int16 per
   * the model's bits. */
  weight: Tensor;
  /** [out], int32. */
  bias: Tensor;
}

/** Keyed by layer name. */
export type Weights = Map<string, LayerWeights>;

export function activationDtype(model: Model): DType {
  return model.bits === 8 ? 'int8' : 'int16';
}

/** The type of the model's input images: its activations', or uint8. */
export function inputDtype(model: Model): DType {
  return model.inputType ?? activationDtype(model);
}

export function weightFile(dir: string, layerName: string): string {
  return join(dir, `${layerName}.weight.npy`);
}

export function biasFile(dir: string, layerName: string): string {
  return join(dir, `${layerName}.bias.npy`);
}

export function loadWeights(dir: string, model: Model): Weights {
  const list = new ProblemList();
  if (!isFolder(dir)) {
    addText(list, dir, '', `a folder with the files <layer>.weight.npy and <layer>.bias.npy of model ${model.name}`, 'no such folder');
    list.throwIfAny();
  }
  const shapes = layerShapes(model);
  const weights: Weights = new Map();
  model.layers.forEach((layer, i) => {
    const type = layerType(layer);
    if (type.syntheticWeights) {
      weights.set(layer.name, type.syntheticWeights(layer, shapes[i], model.bits));
      return;
    }
    const layout = type.weightLayout;
    const weight = readChecked(list, weightFile(dir, layer.name), activationDtype(model), shapes[i].weightShape, `the ${layout} weights of layer ${layer.name}`);
    const bias = readChecked(list, biasFile(dir, layer.name), 'int32', [layer.out], `the biases of layer ${layer.name}`);
    if (weight && bias) weights.set(layer.name, { weight, bias });
  });
  list.throwIfAny();
  return weights;
}

export function saveWeights(dir: string, model: Model, weights: Weights): void {
  mkdirSync(dir, { recursive: true });
  for (const layer of model.layers) {
    if (layerType(layer).syntheticWeights) continue;
    const w = weights.get(layer.name);
    if (!w) throw new Error(`no weights for layer ${layer.name}`);
    writeNpy(weightFile(dir, layer.name), w.weight);
    writeNpy(biasFile(dir, layer.name), w.bias);
  }
}

/** Reads an input file: int8/int16 per the model's bits (or uint8), shape [batch, c, h, w] with batch >= 1. */
export function loadInput(path: string, model: Model): Tensor {
  const list = new ProblemList();
  const tensor = readNpyInto(list, path);
  if (tensor) {
    checkDtype(list, path, tensor, inputDtype(model), model.inputType ? `(the model ${model.name} has inputType ${model.inputType})` : `(the model ${model.name} has bits ${model.bits})`);
    const [c, h, w] = model.input;
    const s = tensor.shape;
    if (s.length !== 4 || s[0] < 1 || s[1] !== c || s[2] !== h || s[3] !== w) {
      addText(list, path, 'shape', `[batch, ${c}, ${h}, ${w}] with batch >= 1 (the input of model ${model.name})`, formatShape(s));
    }
  }
  list.throwIfAny();
  return tensor!;
}

function readChecked(list: ProblemList, file: string, dtype: DType, shape: number[], what: string): Tensor | undefined {
  const tensor = readNpyInto(list, file, what);
  if (!tensor) return undefined;
  const before = list.items.length;
  checkDtype(list, file, tensor, dtype, `(${what})`);
  if (formatShape(tensor.shape) !== formatShape(shape)) {
    addText(list, file, 'shape', `${formatShape(shape)} (${what})`, formatShape(tensor.shape));
  }
  return list.items.length === before ? tensor : undefined;
}

function checkDtype(list: ProblemList, file: string, tensor: Tensor, dtype: DType, why: string): void {
  if (tensor.dtype !== dtype) addText(list, file, 'dtype', `${dtype} ${why}`, tensor.dtype);
}

/** readNpy, with its problems added to the list instead of thrown. */
function readNpyInto(list: ProblemList, file: string, what?: string): Tensor | undefined {
  try {
    return readNpy(file);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    for (const p of err.problems) {
      const expected = what && p.field === '' ? `${p.expected} with ${what}` : p.expected;
      list.items.push({ ...p, expected });
    }
    return undefined;
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
