// Ranges of the configuration shared with the command line's options (--static-group,
// --bytes-per-cycle, --latency, --stall-percent); schema.ts re-exports them. With the ranges and
// choices of the other options, which the CLI's parsers and the programmatic API's checks
// (../option-checks.ts) both take from here. No imports: the CLI defines its options without
// loading zod.
export const ENGINES_RANGE = { min: 1, max: 32 } as const;
/** The memory beat, pe.tn * dataBits (checked in resolve.ts). */
export const BUS_BITS_RANGE = { min: 32, max: 512 } as const;
export const LATENCY_RANGE = { min: 1, max: 1000 } as const;
export const STALL_PERCENT_RANGE = { min: 0, max: 90 } as const;

/** Options of run (and estimate) that the config does not bound. */
export const SEED_RANGE = { min: 0, max: 2 ** 32 - 1 } as const;
export const BUDGET_RANGE = { min: 1, max: Number.MAX_SAFE_INTEGER } as const;
export const BYTES_PER_CYCLE_RANGE = { min: 1, max: BUS_BITS_RANGE.max / 8 } as const;
export const PERMILLE_RANGE = { min: 0, max: 1000 } as const;
export const CYCLE_RANGE = { min: 0, max: Number.MAX_SAFE_INTEGER } as const;
/** The simulators run can build (tools/sim.ts). */
export const SIMULATORS = ['verilator', 'icarus'] as const;
/** Waveform dump formats of run --waves (runner/waves.ts). */
export const WAVE_FORMATS = ['fst', 'vcd'] as const;
/** synth's --target, --tools and --pnr-module (fpga/devices.ts, tools/fpga-tools.ts, fpga/flow.ts). */
export const SYNTH_TARGETS = ['xc7', 'ice40', 'generic'] as const;
export const TOOL_SOURCES = ['npm', 'system'] as const;
export const PNR_MODULES = ['top', 'engine'] as const;
