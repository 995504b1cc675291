// The arithmetic of shared/spec/numerics.md spelt out with BigInt, for the naive references of
// every layer type (tests only): the 32-bit wrap, the exact bias addition and the floor division
// are written out rather than borrowed from JS numbers.
import type { Rounding } from '../layers/layer-type.ts';
import type { Bits } from '../model/model.ts';

/** Lets tests check that they really exercised the 32-bit wrap. */
export interface NaiveStats {
  wraps: number;
}

/** Mathematical floor of a / b for b > 0 (BigInt division truncates toward zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** Reduces to the signed 32-bit value with the same residue modulo 2^32. */
function wrapInt32(v: bigint): bigint {
  const m = v % 4294967296n;
  const r = m < 0n ? m + 4294967296n : m; // 0 .. 2^32-1
  return r >= 2147483648n ? r - 4294967296n : r;
}

/**
 * Step 3: t / 2^shift rounded to the nearest integer. Half up adds the half and floors; half to
 * even splits t into quotient and remainder and compares the remainder with the half, a tie
 * going to the even one of the two neighbours.
 */
export function naiveRound(t: bigint, shift: number, rounding: Rounding = 'half-up'): bigint {
  if (shift === 0) return t;
  const scale = 2n ** BigInt(shift);
  if (rounding === 'half-up') return floorDiv(t + scale / 2n, scale);
  const q = floorDiv(t, scale);
  const r = t - q * scale; // 0 <= r < scale
  if (2n * r < scale) return q;
  if (2n * r > scale) return q + 1n;
  return q % 2n === 0n ? q : q + 1n;
}

/**
 * Steps 1-5 for one output value of output channel `channel`: wrap the exact sum, add the bias,
 * shift (by the channel's own shift when the layer has `shifts`), saturate, ReLU.
 */
export function naiveFinish(
  acc: bigint, bias: bigint, layer: { shift: number; shifts?: readonly number[]; relu: boolean; rounding?: Rounding; leak?: number },
  bits: Bits, channel: number, stats?: NaiveStats,
): number {
  const wrapped = wrapInt32(acc);
  if (stats && wrapped !== acc) stats.wraps++;
  const shift = layer.shifts ? layer.shifts[channel] : layer.shift;
  // LeakyReLU: a negative sum is scaled by a further 2^-leak, in the same rounding.
  const sum = wrapped + bias;
  const t = naiveRound(sum, sum < 0n ? shift + (layer.leak ?? 0) : shift, layer.rounding);
  const lo = -(2n ** BigInt(bits - 1));
  const hi = 2n ** BigInt(bits - 1) - 1n;
  let y = t < lo ? lo : t > hi ? hi : t;
  if (layer.relu && y < 0n) y = 0n;
  return Number(y);
}

/** Element [n][c][y][x] of an NCHW array of shape [*, C, H, W]. */
export function nchwAt(data: ArrayLike<number>, [C, H, W]: readonly number[], n: number, c: number, y: number, x: number): number {
  return data[((n * C + c) * H + y) * W + x];
}
