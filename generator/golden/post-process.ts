// Steps 2-5 of shared/spec/numerics.md (bias, rounding shift, saturation, ReLU) and max pooling:
// the fast versions every layer type's golden model shares.
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
export function postProcess(acc: number, bias: number, shift: number, bits: Bits, relu: boolean): number {
  const t = Math.floor((acc + bias + roundingHalf(shift)) / 2 ** shift);
  const y = saturate(t, bits);
  return relu && y < 0 ? 0 : y;
}

function roundingHalf(shift: number): number {
  return shift > 0 ? 2 ** (shift - 1) : 0;
}

/** postProcess with the per-layer constants computed once. */
export function postProcessor(bits: Bits, shift: number, relu: boolean): (acc: number, bias: number) => number {
  const hi = 2 ** (bits - 1) - 1;
  const lo = relu ? 0 : -hi - 1; // ReLU after saturation is a raised lower bound
  const half = roundingHalf(shift);
  const scale = 2 ** shift;
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
