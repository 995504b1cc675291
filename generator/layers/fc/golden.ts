// The fc layer's golden model (numerics.md): NCHW rows are already flattened in C, H, W order.
import { channelPostProcessors } from '../../golden/post-process.ts';
import type { Bits, LayerShape } from '../../model/model.ts';
import type { LayerWeights } from '../../model/weights.ts';
import { chwWeights, type FcLayer } from './model.ts';

export function fcGolden(layer: FcLayer, shape: LayerShape, bits: Bits, weights: LayerWeights, input: Int32Array, batch: number): Int32Array {
  const fanIn = shape.fanIn;
  const w = chwWeights(layer, shape.inShape, weights.weight.data);
  const bias = weights.bias.data;
  const output = new Int32Array(batch * layer.out);
  const posts = channelPostProcessors(bits, layer, layer.out);
  for (let n = 0; n < batch; n++) {
    const xBase = n * fanIn;
    for (let o = 0; o < layer.out; o++) {
      const wBase = o * fanIn;
      let acc = 0;
      for (let i = 0; i < fanIn; i++) acc = (acc + Math.imul(input[xBase + i], w[wBase + i])) | 0;
      output[n * layer.out + o] = posts[o](acc, bias[o]);
    }
  }
  return output;
}
