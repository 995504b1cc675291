// The fc (fully connected) layer in model.json: its fields and the shapes it gives. Its input is
// the previous output flattened in C, H, W order (model-format.md).
import type { LayerShape, Shape3 } from '../../model/model.ts';
import type { Rng } from '../../model/random.ts';
import { addText, checkKnownKeys } from '../../model/validate.ts';
import { sampleRounding, type LayerCommon, type LayerSource } from '../layer-type.ts';

export interface FcLayer extends LayerCommon {
  type: 'fc';
}

export const FC_KEYS = ['name', 'type', 'out', 'shift', 'relu', 'rounding'] as const;

export function parseFc({ list, file, at, raw }: LayerSource, common: LayerCommon): FcLayer | undefined {
  const before = list.items.length;
  if (raw.pool !== undefined) {
    addText(list, file, `${at}.pool`, 'no pool on a fc layer (pooling follows conv layers only)', `pool ${JSON.stringify(raw.pool)}`);
  }
  const { pool: _pool, ...rest } = raw;
  checkKnownKeys(list, file, at, rest, FC_KEYS);
  if (list.items.length > before) return undefined;
  const layer: FcLayer = { name: common.name, type: 'fc', out: common.out, shift: common.shift, relu: common.relu };
  if (common.rounding) layer.rounding = common.rounding;
  return layer;
}

export function fcShape(layer: FcLayer, inShape: Shape3): LayerShape {
  const [c, h, w] = inShape;
  const fanIn = c * h * w;
  const out: Shape3 = [layer.out, 1, 1];
  return { inShape, convShape: out, outShape: out, macsPerImage: layer.out * fanIn, weightShape: [layer.out, fanIn], fanIn };
}

export function sampleFc(rng: Rng, _inShape: Shape3, name: string): Record<string, unknown> {
  return { name, type: 'fc', out: rng.int(1, 40), shift: rng.int(0, 10), relu: rng.int(0, 1) === 1, ...sampleRounding(rng) };
}
