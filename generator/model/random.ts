// Deterministic random weights and inputs. Every layer draws from its own stream derived from
// (seed, layer name), so editing one layer of a model leaves the others' weights unchanged.

import { CHAN_BIAS_MAX } from '../arch/bias-word.ts';
import { maxShift } from '../layers/layer-type.ts';
import { layerType } from '../layers/registry.ts';
import { layerShapes, type Bits, type Model } from './model.ts';
import { makeTensor, newArray, type IntArray, type Tensor } from './npy.ts';
import type { Weights } from './weights.ts';

/** Random weights are uniform in [-limit, limit]: small, so 8-bit accumulators never wrap. */
export function weightLimit(bits: Bits): number {
  return bits === 8 ? 15 : 255;
}

/** Standard deviation of the uniform integer distribution on [-limit, limit]. */
export function uniformStd(limit: number): number {
  const n = 2 * limit + 1;
  return Math.sqrt((n * n - 1) / 12);
}

/**
 * Random biases are uniform in [-limit, limit], about +-2^(bits-4) after scaling by the shift:
 * large enough to matter, small next to the output range.
 */
export function biasLimit(bits: Bits, shift: number): number {
  return Math.min(2 ** (shift + bits - 4), 2 ** 31 - 1);
}

/** splitmix32-style finaliser: a well-mixed 32-bit value from any 32-bit value. */
export function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Stream seed from a user seed and a label (FNV-1a of the label, then mixed with the seed). */
export function streamSeed(seed: number, label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return mix32(h ^ mix32(seed >>> 0));
}

/** mulberry32: a small, fast, seeded generator of uint32 values. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed | 0;
  }

  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor((this.nextU32() / 4294967296) * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }
}

/** Fills `out` with uniform integers in [lo, hi]; the generator is inlined because VGG-16 has 138 M weights. */
export function fillUniform(out: IntArray, lo: number, hi: number, seed: number): void {
  const scale = (hi - lo + 1) / 4294967296;
  let state = seed | 0;
  for (let i = 0; i < out.length; i++) {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + Math.floor(((t ^ (t >>> 14)) >>> 0) * scale);
  }
}

export function randomWeights(model: Model, seed: number): Weights {
  const weights: Weights = new Map();
  const dtype = model.bits === 8 ? 'int8' : 'int16';
  const shapes = layerShapes(model);
  model.layers.forEach((layer, i) => {
    const synthetic = layerType(layer).syntheticWeights;
    if (synthetic) {
      weights.set(layer.name, synthetic(layer, shapes[i], model.bits));
      return;
    }
    const weight = makeTensor(dtype, shapes[i].weightShape);
    const wl = weightLimit(model.bits);
    fillUniform(weight.data, -wl, wl, streamSeed(seed, `${layer.name}.weight`));
    const bias = makeTensor('int32', [layer.out]);
    // With per-channel shifts the bias shares its word with the shift (arch/bias-word.ts).
    const bl = layer.shifts ? Math.min(biasLimit(model.bits, maxShift(layer)), CHAN_BIAS_MAX) : biasLimit(model.bits, layer.shift);
    fillUniform(bias.data, -bl, bl, streamSeed(seed, `${layer.name}.bias`));
    weights.set(layer.name, { weight, bias });
  });
  return weights;
}

/** Input images uniform over the whole activation range, [batch, c, h, w]. */
export function randomInput(model: Model, batch: number, seed: number): Tensor {
  const dtype = model.inputType ?? (model.bits === 8 ? 'int8' : 'int16');
  const shape = [batch, ...model.input];
  const data = newArray(dtype, shape.reduce((a, b) => a * b, 1));
  const half = 2 ** (model.bits - 1);
  if (model.inputType === 'uint8') fillUniform(data, 0, 255, streamSeed(seed, 'input'));
  else fillUniform(data, -half, half - 1, streamSeed(seed, 'input'));
  return makeTensor(dtype, shape, data);
}
