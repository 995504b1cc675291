// Every layer type the generator knows, by its model.json `type`. A new type is a folder
// layers/<type>/ exporting a LayerType, added to LAYER_TYPES and to the Layer union here.
import { avgpool, type AvgPoolLayer } from './avgpool/index.ts';
import { conv, type ConvLayer } from './conv/index.ts';
import { fc, type FcLayer } from './fc/index.ts';
import type { LayerType } from './layer-type.ts';

export type { ConvLayer, PoolSpec } from './conv/index.ts';
export type { FcLayer } from './fc/index.ts';
export type { AvgPoolLayer } from './avgpool/index.ts';

export type Layer = ConvLayer | FcLayer | AvgPoolLayer;

export const LAYER_TYPES = { conv, fc, avgpool } as const;

export type LayerTypeName = keyof typeof LAYER_TYPES;

export function isLayerTypeName(value: unknown): value is LayerTypeName {
  return typeof value === 'string' && Object.hasOwn(LAYER_TYPES, value);
}

/** The type of a layer, typed loosely: each type only ever sees its own layers. */
export function layerType(layer: Layer | LayerTypeName): LayerType<Layer> {
  const name = typeof layer === 'string' ? layer : layer.type;
  return LAYER_TYPES[name] as unknown as LayerType<Layer>;
}

export function layerTypeNames(): LayerTypeName[] {
  return Object.keys(LAYER_TYPES) as LayerTypeName[];
}
