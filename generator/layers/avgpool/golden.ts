// The avgpool layer's golden model: window sums per channel, then the shared post-processing.
import { channelPostProcessors } from '../../golden/post-process.ts';
import type { Bits, LayerShape } from '../../model/model.ts';
import type { LayerWeights } from '../../model/weights.ts';
import type { AvgPoolLayer } from './model.ts';

export function avgPoolGolden(layer: AvgPoolLayer, shape: LayerShape, bits: Bits, _weights: LayerWeights, input: Int32Array, batch: number): Int32Array {
  const [c, h, w] = shape.inShape;
  const [, oh, ow] = shape.outShape;
  const { kernel: k, stride: s } = layer;
  const posts = channelPostProcessors(bits, layer, c);
  const output = new Int32Array(batch * c * oh * ow);
  for (let p = 0, o = 0; p < batch * c; p++) {
    const base = p * h * w;
    const post = posts[p % c];
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++, o++) {
        let sum = 0;
        for (let ky = 0; ky < k; ky++) {
          const row = base + (oy * s + ky) * w + ox * s;
          for (let kx = 0; kx < k; kx++) sum += input[row + kx];
        }
        output[o] = post(sum, 0);
      }
    }
  }
  return output;
}
