// Ranges of the configuration shared with the command line's options (--static-group,
// --bytes-per-cycle, --latency, --stall-percent); schema.ts re-exports them. No imports: the CLI
// defines its options without loading zod.
export const ENGINES_RANGE = { min: 1, max: 32 } as const;
/** The memory beat, pe.tn * dataBits (checked in resolve.ts). */
export const BUS_BITS_RANGE = { min: 32, max: 512 } as const;
export const LATENCY_RANGE = { min: 1, max: 1000 } as const;
export const STALL_PERCENT_RANGE = { min: 0, max: 90 } as const;
