// Steps 2-5 of docs/numerics.md (bias, rounding shift half up or half to even, saturation, ReLU)
// and max pooling: the fast versions every layer type's golden model shares.
import { channelShift, type Rounding } from '../layers/layer-type.ts';
import type { Bits } from '../model/model.ts';

export function saturate(v: number, bits: Bits): number {
  const hi = 2 ** (bits - 1) - 1;
  const lo = -hi - 1;
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * Steps 2-5 of numerics.md for one accumulator value (already wrapped to int32). Plain JS numbers
 * are exact here: |acc + bias| < 2^33, and dividing by a power of two is exact in a double.
 */
export function postProcess(acc: number, bias: number, shift: number, bits: Bits, relu: boolean, rounding: Rounding = 'half-up', leak = 0): number {
  const t = acc + bias;
  const y = saturate(roundShift(t, t < 0 ? shift + leak : shift, rounding), bits);
  return relu && y < 0 ? 0 : y;
}

/**
 * Step 3: t / 2^shift rounded to an integer, ties up or to even. Half to even is written as the
 * hardware's identity floor((t + 2^(shift-1) - 1 + lsb) / 2^shift), lsb the parity of
 * floor(t / 2^shift): a tie then rounds up exactly when that quotient is odd. (The naive
 * reference, naive-numerics.ts, compares the remainder with the half instead.)
 */
function roundShift(t: number, shift: number, rounding: Rounding): number {
  if (shift === 0) return t;
  const scale = 2 ** shift;
  const half = scale / 2;
  if (rounding === 'half-up') return Math.floor((t + half) / scale);
  const odd = Math.floor(t / scale) % 2 !== 0 ? 1 : 0;
  return Math.floor((t + half - 1 + odd) / scale);
}

/** What step 3-5 of a layer need: its shift, ReLU, rounding and leak. */
export interface PostSpec {
  shift: number;
  relu: boolean;
  rounding?: Rounding;
  /** LeakyReLU: negative sums are shifted this much further (a slope of 2^-leak). */
  leak?: number;
}

/** postProcess with the per-layer constants computed once. */
export function postProcessor(bits: Bits, spec: PostSpec): (acc: number, bias: number) => number {
  const positive = scaler(bits, spec.shift, spec.relu, spec.rounding ?? 'half-up');
  if (!spec.leak) return positive;
  const negative = scaler(bits, spec.shift + spec.leak, spec.relu, spec.rounding ?? 'half-up');
  return (acc, bias) => (acc + bias < 0 ? negative(acc, bias) : positive(acc, bias));
}

/**
 * One post-processor per output channel: each channel's own shift when the layer has `shifts`
 * (channels sharing a shift share the function).
 */
export function channelPostProcessors(bits: Bits, spec: PostSpec & { shifts?: readonly number[] }, channels: number): ((acc: number, bias: number) => number)[] {
  const byShift = new Map<number, (acc: number, bias: number) => number>();
  return Array.from({ length: channels }, (_, o) => {
    const shift = channelShift(spec, o);
    let post = byShift.get(shift);
    if (!post) byShift.set(shift, (post = postProcessor(bits, { ...spec, shift })));
    return post;
  });
}

function scaler(bits: Bits, shift: number, relu: boolean, rounding: Rounding): (acc: number, bias: number) => number {
  const hi = 2 ** (bits - 1) - 1;
  const lo = relu ? 0 : -hi - 1; // ReLU after saturation is a raised lower bound
  const scale = 2 ** shift;
  if (shift > 0 && rounding === 'half-even') {
    const halfLess = scale / 2 - 1;
    return (acc, bias) => {
      const t = acc + bias;
      const odd = Math.floor(t / scale) % 2 !== 0 ? 1 : 0;
      const y = Math.floor((t + halfLess + odd) / scale);
      return y < lo ? lo : y > hi ? hi : y;
    };
  }
  const half = shift > 0 ? scale / 2 : 0;
  return (acc, bias) => {
    const t = Math.floor((acc + bias + half) / scale);
    return t < lo ? lo : t > hi ? hi : t;
  };
}

/** Max over k x k windows with stride s, no padding, for `planes` planes of h x w. */
export function maxPool(input: Int32Array, planes: number, h: number, w: number, k: number, s: number): Int32Array {
  const oh = Math.floor((h - k) / s) + 1;
  const ow = Math.floor((w - k) / s) + 1;
  const output = new Int32Array(planes * oh * ow);
  for (let p = 0, o = 0; p < planes; p++) {
    const base = p * h * w;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++, o++) {
        let m = -Infinity;
        for (let ky = 0; ky < k; ky++) {
          const row = base + (oy * s + ky) * w + ox * s;
          for (let kx = 0; kx < k; kx++) if (input[row + kx] > m) m = input[row + kx];
        }
        output[o] = m;
      }
    }
  }
  return output;
}
