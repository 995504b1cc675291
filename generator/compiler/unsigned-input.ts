// Unsigned 8-bit network inputs on signed 8-bit multipliers. The host lays out the input, so it
// stores x - 128 (an int8) and folds the difference into the first layer's biases:
//   sum(w * x) = sum(w * (x - 128)) + 128 * sum(w)
// Zero padding must stay a true zero, which is -128 after the offset, so a padded first layer
// gets its padding written into the stored image and runs unpadded. The identity is exact when
// neither side can wrap the 32-bit accumulator, which is checked from the weights.
import { InputError } from '../errors.ts';
import { layerType } from '../layers/registry.ts';
import type { Layer, LayerShape, Shape3 } from '../model/model.ts';

export const UNSIGNED_OFFSET = 128;

export interface OffsetFirstLayer {
  layer: Layer;
  inShape: Shape3;
  bias: Int32Array;
  /** The batch's input, x - 128, NCHW, padded when the layer was. */
  input: Int32Array;
}

export function offsetUnsignedInput(
  where: string, layer: Layer, shape: LayerShape, weight: ArrayLike<number>, bias: ArrayLike<number>, input: ArrayLike<number>, batch: number,
): OffsetFirstLayer {
  const out = layer.out;
  const per = weight.length / out;
  const folded = new Int32Array(out);
  let worst = 0;
  for (let o = 0; o < out; o++) {
    let sum = 0;
    let abs = 0;
    for (let i = 0; i < per; i++) {
      sum += weight[o * per + i];
      abs += Math.abs(weight[o * per + i]);
    }
    worst = Math.max(worst, abs * 255);
    const b = bias[o] + UNSIGNED_OFFSET * sum;
    if (b < -(2 ** 31) || b >= 2 ** 31) {
      throw new InputError([{ file: where, field: `layers[0] (${layer.name}) bias[${o}]`, expected: 'a bias that still fits 32 bits with 128 * sum(weights) added (uint8 inputs are offset to int8)', found: String(b) }]);
    }
    folded[o] = b;
  }
  if (worst >= 2 ** 31) {
    throw new InputError([{ file: where, field: `layers[0] (${layer.name})`, expected: 'weights whose sums over uint8 inputs cannot wrap 32 bits (255 * sum |w| < 2^31)', found: String(worst) }]);
  }
  const explicit = layerType(layer).explicitPadding?.(layer);
  const pad = explicit?.pad ?? 0;
  const [C, H, W] = shape.inShape;
  const [H2, W2] = [H + 2 * pad, W + 2 * pad];
  const shifted = new Int32Array(batch * C * H2 * W2).fill(-UNSIGNED_OFFSET);
  for (let p = 0; p < batch * C; p++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) shifted[(p * H2 + y + pad) * W2 + x + pad] = input[(p * H + y) * W + x] - UNSIGNED_OFFSET;
    }
  }
  return { layer: explicit?.layer ?? layer, inShape: [C, H2, W2], bias: folded, input: shifted };
}
