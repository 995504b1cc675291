// The weight-scale modes of a float model's import (quantize.ts), in a module without imports:
// the CLI lists them as --weight-scales choices at start-up.

/** How a float model's weights are scaled: one power of two per output channel, or per layer. */
export type WeightScales = 'per-layer' | 'per-channel';
export const WEIGHT_SCALES: readonly WeightScales[] = ['per-layer', 'per-channel'];
