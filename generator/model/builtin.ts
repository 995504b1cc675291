// Built-in models (LeNet-5, AlexNet, ZFNet, VGG-16) and resolution of a model reference, which is
// either a built-in name or a path to a model.json.

import { isAbsolute, join } from 'node:path';
import { existsSync } from 'node:fs';
import { InputError } from '../errors.ts';
import { MAX_SHIFT, layerShapes, loadModelFile, type Bits, type ConvLayer, type FcLayer, type Layer, type Model, type Shape3 } from './model.ts';
import { uniformStd, weightLimit } from './random.ts';

type Unshifted<T> = Omit<T, 'shift'>;
type LayerDraft = Unshifted<ConvLayer> | Unshifted<FcLayer>;

function conv(name: string, out: number, kernel: number, opts: { stride?: number; pad?: number; pool?: [number, number] } = {}): LayerDraft {
  const layer: Unshifted<ConvLayer> = { name, type: 'conv', out, kernel, stride: opts.stride ?? 1, pad: opts.pad ?? 0, relu: true };
  if (opts.pool) layer.pool = { kernel: opts.pool[0], stride: opts.pool[1] };
  return layer;
}

function fc(name: string, out: number, relu = true): LayerDraft {
  return { name, type: 'fc', out, relu };
}

/**
 * Picks each layer's shift so that, with the random weights of random.ts and a full-range random
 * input, the layer's output has a standard deviation near 2^(bits-3) (a quarter of the range):
 * neither saturated nor rounded to zero. The accumulator's standard deviation is
 * sqrt(fanIn) * rms(x) * std(w); a ReLU halves the mean square of what the next layer sees, and a
 * max-pool raises it (the factor was measured on these models).
 */
function withShifts(name: string, bits: Bits, input: Shape3, drafts: LayerDraft[]): Model {
  const unshifted: Model = { name, bits, input, layers: drafts.map((d) => ({ ...d, shift: 0 }) as Layer) };
  const shapes = layerShapes(unshifted);
  const target = 2 ** (bits - 3);
  const stdW = uniformStd(weightLimit(bits));
  let rmsIn = uniformStd(2 ** (bits - 1) - 0.5); // the full-range input [lo, hi]
  const layers = unshifted.layers.map((layer, i) => {
    const accStd = Math.sqrt(shapes[i].fanIn) * rmsIn * stdW;
    const shift = Math.min(MAX_SHIFT, Math.max(0, Math.round(Math.log2(accStd / target))));
    const outStd = accStd / 2 ** shift;
    const pooled = 'pool' in layer && layer.pool ? POOL_GAIN : 1;
    rmsIn = outStd * (layer.relu ? Math.SQRT1_2 : 1) * pooled;
    return { ...layer, shift };
  });
  return { name, bits, input, layers };
}

/** How much a max-pool raises the rms of ReLU outputs (measured; roughly the max of a few normals). */
const POOL_GAIN = 1.8;

const BUILDERS: Record<string, () => Model> = {
  // C5 is a 5x5 convolution over a 5x5 map (as in LeCun et al. 1998): numerically the same as a
  // fc layer of 120, and counted as CONV in the usual MAC tables.
  lenet5: () => withShifts('lenet5', 8, [1, 32, 32], [
    conv('conv1', 6, 5, { pool: [2, 2] }),
    conv('conv2', 16, 5, { pool: [2, 2] }),
    conv('conv3', 120, 5),
    fc('fc4', 84),
    fc('fc5', 10, false),
  ]),
  // torchvision's single-tower AlexNet; its adaptive avgpool to 6x6 is the identity at 224x224.
  alexnet: () => withShifts('alexnet', 8, [3, 224, 224], [
    conv('conv1', 64, 11, { stride: 4, pad: 2, pool: [3, 2] }),
    conv('conv2', 192, 5, { pad: 2, pool: [3, 2] }),
    conv('conv3', 384, 3, { pad: 1 }),
    conv('conv4', 256, 3, { pad: 1 }),
    conv('conv5', 256, 3, { pad: 1, pool: [3, 2] }),
    fc('fc6', 4096),
    fc('fc7', 4096),
    fc('fc8', 1000, false),
  ]),
  // ZFNet (Zeiler & Fergus 2013). The paper's 55x55 and 13x13 maps come from padded pooling, which
  // our pool has not; pads 1 and 2 give 110 -> 54 -> 27 -> 13 -> 6, so the fc input is 6x6x256 as in
  // the paper and the CONV MACs are 1142 M (paper: 1109 M).
  zfnet: () => withShifts('zfnet', 8, [3, 224, 224], [
    conv('conv1', 96, 7, { stride: 2, pad: 1, pool: [3, 2] }),
    conv('conv2', 256, 5, { stride: 2, pad: 2, pool: [3, 2] }),
    conv('conv3', 384, 3, { pad: 1 }),
    conv('conv4', 384, 3, { pad: 1 }),
    conv('conv5', 256, 3, { pad: 1, pool: [3, 2] }),
    fc('fc6', 4096),
    fc('fc7', 4096),
    fc('fc8', 1000, false),
  ]),
  vgg16: () => withShifts('vgg16', 8, [3, 224, 224], [
    ...vggBlock(1, 64, 2),
    ...vggBlock(2, 128, 2),
    ...vggBlock(3, 256, 3),
    ...vggBlock(4, 512, 3),
    ...vggBlock(5, 512, 3),
    fc('fc6', 4096),
    fc('fc7', 4096),
    fc('fc8', 1000, false),
  ]),
};

/** n 3x3 convolutions of `out` channels; the last one is followed by a 2x2 max-pool. */
function vggBlock(block: number, out: number, n: number): LayerDraft[] {
  return Array.from({ length: n }, (_, i) =>
    conv(`conv${block}_${i + 1}`, out, 3, { pad: 1, pool: i === n - 1 ? [2, 2] : undefined }));
}

export function builtinModelNames(): string[] {
  return Object.keys(BUILDERS);
}

export function isBuiltinModel(name: string): boolean {
  return Object.hasOwn(BUILDERS, name);
}

export function builtinModel(name: string): Model {
  if (!isBuiltinModel(name)) {
    throw new InputError([{ file: 'built-in models', field: 'model', expected: `one of ${builtinModelNames().join(', ')}`, found: JSON.stringify(name) }]);
  }
  return BUILDERS[name]();
}

/** A built-in model name, or a path to a model file relative to baseDir. */
export function resolveModel(ref: string, baseDir: string): Model {
  if (isBuiltinModel(ref)) return builtinModel(ref);
  // join keeps a relative baseDir relative, so messages name the file as the user would.
  const path = isAbsolute(ref) ? ref : join(baseDir, ref);
  if (!existsSync(path) && !/[\\/]|\.json$/i.test(ref)) {
    throw new InputError([{
      file: ref, field: '',
      expected: `a built-in model (${builtinModelNames().join(', ')}) or a path to a model file`,
      found: `${JSON.stringify(ref)}, which is neither`,
    }]);
  }
  return loadModelFile(path);
}
