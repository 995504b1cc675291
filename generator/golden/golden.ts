// The golden model: bit-exact layer semantics of shared/spec/numerics.md, written for speed
// (typed arrays, contiguous inner loops, int32 arithmetic for the wrapping accumulator). Each
// layer type's own is in layers/<type>/golden.ts; naive.ts is the slow, obviously correct
// version they are tested against.
import { layerType } from '../layers/registry.ts';
import { elementCount, layerShapes, type Bits, type Layer, type LayerShape, type Model } from '../model/model.ts';
import type { Tensor } from '../model/npy.ts';
import type { LayerWeights, Weights } from '../model/weights.ts';

export { maxPool, postProcess, saturate } from './post-process.ts';

/** The batch and the layers' shapes of a forward pass, once the input fits the model. */
function checkInput(model: Model, input: Tensor): { batch: number; shapes: LayerShape[] } {
  const [c, h, w] = model.input;
  if (input.shape.length !== 4 || input.shape[1] !== c || input.shape[2] !== h || input.shape[3] !== w) {
    throw new Error(`input shape [${input.shape.join(', ')}] does not match model ${model.name} input [batch, ${c}, ${h}, ${w}]`);
  }
  return { batch: input.shape[0], shapes: layerShapes(model) };
}

function layerWeights(weights: Weights, layer: Layer): LayerWeights {
  const lw = weights.get(layer.name);
  if (!lw) throw new Error(`no weights for layer ${layer.name}`);
  return lw;
}

/** Output of every layer, NCHW for the whole batch (fc: [batch, out]). */
export function goldenForward(model: Model, weights: Weights, input: Tensor): Int32Array[] {
  const { batch, shapes } = checkInput(model, input);
  const outputs: Int32Array[] = [];
  let x: Int32Array = Int32Array.from(input.data);
  model.layers.forEach((layer, i) => {
    x = goldenLayer(layer, shapes[i], model.bits, layerWeights(weights, layer), x, batch);
    outputs.push(x);
  });
  return outputs;
}

/**
 * goldenForward's outputs, a layer for one image at a time, awaiting `between()` after each: a
 * long forward pass (compile's expected outputs) then yields to the event loop, so a signal's
 * handler runs, and `between` stops it by throwing.
 */
export async function goldenForwardSteps(model: Model, weights: Weights, input: Tensor, between: () => Promise<void>): Promise<Int32Array[]> {
  const { batch, shapes } = checkInput(model, input);
  const outputs: Int32Array[] = [];
  let x: Int32Array = Int32Array.from(input.data);
  for (const [i, layer] of model.layers.entries()) {
    const lw = layerWeights(weights, layer);
    const inSize = elementCount(shapes[i].inShape);
    const outSize = elementCount(shapes[i].outShape);
    const y = new Int32Array(batch * outSize);
    for (let b = 0; b < batch; b++) {
      y.set(goldenLayer(layer, shapes[i], model.bits, lw, x.subarray(b * inSize, (b + 1) * inSize), 1), b * outSize);
      await between();
    }
    x = y;
    outputs.push(x);
  }
  return outputs;
}

/** One layer for the whole batch: input is NCHW of shape.inShape, output NCHW of shape.outShape. */
export function goldenLayer(layer: Layer, shape: LayerShape, bits: Bits, weights: LayerWeights, input: Int32Array, batch: number): Int32Array {
  const expect = (what: string, found: number, wanted: number): void => {
    if (found !== wanted) throw new Error(`layer ${layer.name}: ${what} has ${found} values, expected ${wanted}`);
  };
  expect('input', input.length, batch * elementCount(shape.inShape));
  expect('weight', weights.weight.data.length, elementCount(shape.weightShape));
  expect('bias', weights.bias.data.length, layer.out);
  return layerType(layer).golden(layer, shape, bits, weights, input, batch);
}
