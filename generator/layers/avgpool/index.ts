// The avgpool layer type. The engines run it as a conv with identity weights, which the layer
// type makes itself (the weights folder has no files for it): exact, at the cost of a conv's
// multiplies over every input channel (c times the additions a pooling unit would need).
import type { ConvLayer } from '../conv/model.ts';
import { convGeometry, convWeightBeats, countConvTasks, planConvTasks, writeConvWeights, convFitProblem } from '../conv/plan.ts';
import { withCommon, type LayerType } from '../layer-type.ts';
import { avgPoolGolden } from './golden.ts';
import { AVGPOOL_KEYS, avgPoolShape, avgPoolShapeProblem, avgPoolWeights, parseAvgPool, sampleAvgPool, type AvgPoolLayer } from './model.ts';
import { avgPoolNaive } from './naive.ts';

export type { AvgPoolLayer } from './model.ts';

/** The conv the engines run: k x k, stride s, no padding, identity weights. */
function asConv(layer: AvgPoolLayer): ConvLayer {
  return withCommon<ConvLayer>({ name: layer.name, type: 'conv', out: layer.out, kernel: layer.kernel, stride: layer.stride, pad: 0, shift: layer.shift, relu: layer.relu }, layer);
}

export const avgpool: LayerType<AvgPoolLayer> = {
  type: 'avgpool',
  keys: AVGPOOL_KEYS,
  weightLayout: 'none (identity weights made by synergyflow)',
  accepts: ['map'],
  produces: 'map',
  parse: parseAvgPool,
  shapeProblem: avgPoolShapeProblem,
  shape: avgPoolShape,
  outputDims: (_layer, shape) => [...shape.outShape],
  syntheticWeights: avgPoolWeights,
  golden: avgPoolGolden,
  naive: avgPoolNaive,
  weightBeats: (layer, shape, tn) => convWeightBeats(asConv(layer), shape, tn),
  geometry: (layer, shape, batch, cfg) => convGeometry(asConv(layer), shape, batch, cfg),
  fitProblem: convFitProblem,
  countTasks: countConvTasks,
  planTasks: (ctx, firstIndex, cfg, split) => planConvTasks({ ...ctx, layer: asConv(ctx.layer) }, firstIndex, cfg, split),
  writeWeights: (image, base, layer, shape, g, w, cfg) => writeConvWeights(image, base, asConv(layer), shape, g, w, cfg),
  sample: sampleAvgPool,
};
