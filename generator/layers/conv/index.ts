// The conv layer type: a k x k convolution with stride and zero padding, optionally followed by
// a max pool, over feature maps.
import type { LayerType } from '../layer-type.ts';
import { convGolden } from './golden.ts';
import { CONV_KEYS, convShape, convShapeProblem, parseConv, sampleConv, type ConvLayer } from './model.ts';
import { convNaive } from './naive.ts';
import { convFitProblem, convGeometry, convWeightBeats, countConvTasks, planConvTasks, writeConvWeights } from './plan.ts';
import { convRewriteFirst } from './space-to-depth.ts';

export type { ConvLayer, PoolSpec } from './model.ts';

export const conv: LayerType<ConvLayer> = {
  type: 'conv',
  keys: CONV_KEYS,
  weightLayout: '[out, in, kernel, kernel]',
  accepts: ['map'],
  produces: 'map',
  parse: parseConv,
  shapeProblem: convShapeProblem,
  shape: convShape,
  outputDims: (_layer, shape) => [...shape.outShape],
  golden: convGolden,
  naive: convNaive,
  weightBeats: convWeightBeats,
  geometry: convGeometry,
  fitProblem: convFitProblem,
  countTasks: countConvTasks,
  planTasks: planConvTasks,
  writeWeights: writeConvWeights,
  explicitPadding: (layer) => ({ layer: { ...layer, pad: 0 }, pad: layer.pad }),
  rewriteFirst: convRewriteFirst,
  sample: sampleConv,
};
