// The fc (fully connected) layer in model.json: its fields and the shapes it gives. Its input is
// the previous output flattened in C, H, W order (model-format.md), or in H, W, C order with
// "flatten": "hwc" (the order of channels-last frameworks such as Keras).
import type { LayerShape, Shape3 } from '../../model/model.ts';
import type { Rng } from '../../model/random.ts';
import { addText, checkKnownKeys } from '../../model/validate.ts';
import { COMMON_KEYS, sampleLeak, sampleShifts, sampleRounding, withCommon, type LayerCommon, type LayerSource } from '../layer-type.ts';

export interface FcLayer extends LayerCommon {
  type: 'fc';
  /** The order of the weights' columns; absent means 'chw'. */
  flatten?: 'hwc';
}

export const FC_KEYS = [...COMMON_KEYS, 'flatten'] as const;
const FLATTEN_ORDERS = ['chw', 'hwc'];

export function parseFc({ list, file, at, raw }: LayerSource, common: LayerCommon): FcLayer | undefined {
  const before = list.items.length;
  if (raw.pool !== undefined) {
    addText(list, file, `${at}.pool`, 'no pool on a fc layer (pooling follows conv layers only)', `pool ${JSON.stringify(raw.pool)}`);
  }
  const { pool: _pool, ...rest } = raw;
  checkKnownKeys(list, file, at, rest, FC_KEYS);
  if (raw.flatten !== undefined && !FLATTEN_ORDERS.includes(raw.flatten as string)) {
    list.add(file, `${at}.flatten`, '"chw" (PyTorch, ONNX) or "hwc" (Keras, channels-last)', raw.flatten);
  }
  if (list.items.length > before) return undefined;
  const layer: FcLayer = { name: common.name, type: 'fc', out: common.out, shift: common.shift, relu: common.relu };
  withCommon(layer, common);
  if (raw.flatten === 'hwc') layer.flatten = 'hwc';
  return layer;
}

/** The weights with their columns in C, H, W order (a copy when the layer's are H, W, C). */
export function chwWeights(layer: FcLayer, [C, H, W]: Shape3, w: ArrayLike<number>): ArrayLike<number> {
  if (layer.flatten !== 'hwc') return w;
  const fanIn = C * H * W;
  const out = new Int32Array(w.length);
  for (let o = 0; o < layer.out; o++) {
    for (let c = 0; c < C; c++) {
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out[o * fanIn + (c * H + y) * W + x] = w[o * fanIn + (y * W + x) * C + c];
    }
  }
  return out;
}

export function fcShape(layer: FcLayer, inShape: Shape3): LayerShape {
  const [c, h, w] = inShape;
  const fanIn = c * h * w;
  const out: Shape3 = [layer.out, 1, 1];
  return { inShape, convShape: out, outShape: out, macsPerImage: layer.out * fanIn, weightShape: [layer.out, fanIn], fanIn };
}

export function sampleFc(rng: Rng, _inShape: Shape3, name: string): Record<string, unknown> {
  const layer: Record<string, unknown> = { name, type: 'fc', out: rng.int(1, 40), shift: rng.int(0, 10), relu: rng.int(0, 1) === 1, ...sampleRounding(rng) };
  Object.assign(layer, sampleLeak(rng, layer.shift as number, layer.relu as boolean));
  Object.assign(layer, sampleShifts(rng, layer));
  if (rng.int(0, 2) === 0) layer.flatten = 'hwc';
  return layer;
}
