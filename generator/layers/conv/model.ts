// The conv layer in model.json: its fields and checks, and the shapes it gives (model-format.md).
import type { LayerShape, Shape3 } from '../../model/model.ts';
import type { Rng } from '../../model/random.ts';
import { addText, checkKnownKeys, isPlainObject, joinField, readInt } from '../../model/validate.ts';
import { COMMON_KEYS, sampleLeak, sampleShifts, sampleRounding, withCommon, type LayerCommon, type LayerSource, type ShapeProblem } from '../layer-type.ts';

export interface PoolSpec {
  kernel: number;
  stride: number;
}

export interface ConvLayer extends LayerCommon {
  type: 'conv';
  kernel: number;
  stride: number;
  pad: number;
  pool?: PoolSpec;
}

export const CONV_KEYS = [...COMMON_KEYS, 'kernel', 'stride', 'pad', 'pool'] as const;
const POOL_KEYS = ['kernel', 'stride'] as const;

export function convOutSize(size: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}

export function poolOutSize(size: number, kernel: number, stride: number): number {
  return Math.floor((size - kernel) / stride) + 1;
}

export function parseConv({ list, file, at, raw }: LayerSource, common: LayerCommon): ConvLayer | undefined {
  const before = list.items.length;
  checkKnownKeys(list, file, at, raw, CONV_KEYS);
  const kernel = readInt(list, file, `${at}.kernel`, raw.kernel, { min: 1 });
  const stride = readInt(list, file, `${at}.stride`, raw.stride, { min: 1 }, 1);
  const pad = readInt(list, file, `${at}.pad`, raw.pad, { min: 0 }, 0);
  // Padding of a whole kernel or more adds output pixels that see only zeros.
  if (kernel !== undefined && pad !== undefined && pad >= kernel) {
    addText(list, file, `${at}.pad`, `a pad smaller than the kernel (${kernel})`, String(pad));
  }
  const pool = raw.pool === undefined ? undefined : readPool({ list, file, at: `${at}.pool`, raw: raw.pool });
  if (list.items.length > before) return undefined;
  const layer: ConvLayer = { name: common.name, type: 'conv', out: common.out, kernel: kernel!, stride: stride!, pad: pad!, shift: common.shift, relu: common.relu };
  withCommon(layer, common);
  if (pool) layer.pool = pool;
  return layer;
}

function readPool({ list, file, at, raw }: Omit<LayerSource, 'raw'> & { raw: unknown }): PoolSpec | undefined {
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

/** An empty output names the field that caused it. */
export function convShapeProblem(layer: ConvLayer, [, h, w]: Shape3): ShapeProblem | undefined {
  const oh = convOutSize(h, layer.kernel, layer.stride, layer.pad);
  const ow = convOutSize(w, layer.kernel, layer.stride, layer.pad);
  if (oh < 1 || ow < 1) {
    return {
      field: 'kernel',
      expected: `a kernel no larger than the padded input ${h + 2 * layer.pad}x${w + 2 * layer.pad} (input ${h}x${w}, pad ${layer.pad})`,
      found: `${layer.kernel}, giving an output of ${oh}x${ow}`,
    };
  }
  if (layer.pool) {
    const ph = poolOutSize(oh, layer.pool.kernel, layer.pool.stride);
    const pw = poolOutSize(ow, layer.pool.kernel, layer.pool.stride);
    if (ph < 1 || pw < 1) {
      return {
        field: 'pool.kernel',
        expected: `a pool kernel no larger than the conv output ${oh}x${ow}`,
        found: `${layer.pool.kernel}, giving a pooled output of ${ph}x${pw}`,
      };
    }
  }
  return undefined;
}

export function convShape(layer: ConvLayer, inShape: Shape3): LayerShape {
  const [c, h, w] = inShape;
  const convShape: Shape3 = [layer.out, convOutSize(h, layer.kernel, layer.stride, layer.pad), convOutSize(w, layer.kernel, layer.stride, layer.pad)];
  const outShape: Shape3 = layer.pool
    ? [layer.out, poolOutSize(convShape[1], layer.pool.kernel, layer.pool.stride), poolOutSize(convShape[2], layer.pool.kernel, layer.pool.stride)]
    : convShape;
  const fanIn = c * layer.kernel * layer.kernel;
  return {
    inShape, convShape, outShape, fanIn,
    macsPerImage: layer.out * convShape[1] * convShape[2] * fanIn,
    weightShape: [layer.out, c, layer.kernel, layer.kernel],
  };
}

export function sampleConv(rng: Rng, [, h, w]: Shape3, name: string): Record<string, unknown> | undefined {
  const kernel = rng.int(1, Math.min(5, h + 2, w + 2));
  const pad = rng.int(0, Math.min(kernel - 1, 2));
  const stride = rng.int(1, 3);
  const layer: Record<string, unknown> = { name, type: 'conv', out: rng.int(1, 20), kernel, stride, pad, shift: rng.int(0, 10), relu: rng.int(0, 1) === 1, ...sampleRounding(rng) };
  Object.assign(layer, sampleLeak(rng, layer.shift as number, layer.relu as boolean));
  Object.assign(layer, sampleShifts(rng, layer));
  const oh = convOutSize(h, kernel, stride, pad);
  const ow = convOutSize(w, kernel, stride, pad);
  if (oh < 1 || ow < 1) return undefined;
  const pk = rng.int(1, 3);
  if (rng.int(0, 1) === 1 && pk <= Math.min(oh, ow)) layer.pool = { kernel: pk, stride: rng.int(1, pk) };
  return layer;
}
