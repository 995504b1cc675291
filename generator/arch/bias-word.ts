// The bias word: how the writer reads one output channel's 32-bit word of a layer's bias array.
// One table, used by the compiler (which packs the words) and the writer RTL (which slices them).
//
// A task whose descriptor has chan_shift clear reads the whole word as the bias and shifts every
// channel by the descriptor's shift. With chan_shift set, the word carries the channel's own
// shift in its top bits and a narrower bias below it: per-output-channel scales (folded
// batch-norm, per-channel weight quantization) cost no extra memory traffic and no descriptor
// room, only a 5-bit multiplexer per post-processing lane.

export interface BiasWordField {
  name: string;
  lsb: number;
  width: number;
  doc: string;
}

export const BIAS_WORD_BITS = 32;

/** The word's fields when the task's descriptor has chan_shift set. */
export const chanShiftBiasWord: readonly BiasWordField[] = [
  { name: 'bias', lsb: 0, width: 27, doc: 'the bias, two\'s complement (sign-extended to 32 bits)' },
  { name: 'shift', lsb: 27, width: 5, doc: 'the channel\'s rounding right shift (numerics.md step 3)' },
];

function field(name: string): BiasWordField {
  return chanShiftBiasWord.find((f) => f.name === name)!;
}

/** Bits of the bias beside a per-channel shift. */
export const CHAN_BIAS_BITS = field('bias').width;
/** Where the per-channel shift starts in the word. */
export const CHAN_SHIFT_LSB = field('shift').lsb;

/** The largest and smallest bias a word with a per-channel shift holds. */
export const CHAN_BIAS_MAX = 2 ** (CHAN_BIAS_BITS - 1) - 1;
export const CHAN_BIAS_MIN = -(2 ** (CHAN_BIAS_BITS - 1));

/** The word for a channel with its own shift, as a signed 32-bit value (what the image stores). */
export function packChanShiftBias(bias: number, shift: number): number {
  if (!Number.isInteger(bias) || bias < CHAN_BIAS_MIN || bias > CHAN_BIAS_MAX) {
    throw new Error(`internal: bias ${bias} does not fit the ${CHAN_BIAS_BITS} bits beside a per-channel shift`);
  }
  if (!Number.isInteger(shift) || shift < 0 || shift >= 2 ** field('shift').width) {
    throw new Error(`internal: shift ${shift} does not fit ${field('shift').width} bits`);
  }
  const biasBits = bias & (2 ** CHAN_BIAS_BITS - 1);
  return (biasBits | (shift << CHAN_SHIFT_LSB)) | 0;
}

/** The inverse of packChanShiftBias, for tests and people reading memory images. */
export function unpackChanShiftBias(word: number): { bias: number; shift: number } {
  const shift = (word >>> CHAN_SHIFT_LSB) & (2 ** field('shift').width - 1);
  const bias = (word << (BIAS_WORD_BITS - CHAN_BIAS_BITS)) >> (BIAS_WORD_BITS - CHAN_BIAS_BITS);
  return { bias, shift };
}
