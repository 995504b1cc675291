// The fc layer type: every output is a weighted sum of the whole previous output, flattened in
// C, H, W order; it gives a vector.
import type { LayerType } from '../layer-type.ts';
import { fcGolden } from './golden.ts';
import { FC_KEYS, fcShape, parseFc, sampleFc, type FcLayer } from './model.ts';
import { fcNaive } from './naive.ts';
import { countFcTasks, fcGeometry, fcWeightBeats, planFcTasks, writeFcWeights } from './plan.ts';

export type { FcLayer } from './model.ts';

export const fc: LayerType<FcLayer> = {
  type: 'fc',
  keys: FC_KEYS,
  weightLayout: '[out, in]',
  accepts: ['map', 'vector'],
  produces: 'vector',
  parse: parseFc,
  shapeProblem: () => undefined,
  shape: fcShape,
  outputDims: (layer) => [layer.out],
  golden: fcGolden,
  naive: fcNaive,
  weightBeats: fcWeightBeats,
  geometry: fcGeometry,
  countTasks: countFcTasks,
  planTasks: (ctx, firstIndex, cfg) => planFcTasks(ctx, firstIndex, cfg),
  writeWeights: writeFcWeights,
  sample: sampleFc,
};
