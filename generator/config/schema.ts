// The accelerator configuration: one zod schema, the single source of truth for every parameter.
// Everything else (RTL, register map, compiler, testbench) reads the *resolved* config produced
// by resolveConfig() in ./resolve.ts. Each field's description is its documentation, and goes
// into config.schema.json (./json-schema.ts, npm run schema) for editors.
import { z } from 'zod';

const positiveInt = z.number().int().positive();
const powerOfTwo = positiveInt.refine((v) => (v & (v - 1)) === 0, { message: 'a power of two' });

export const peSchema = z
  .strictObject({
    tn: powerOfTwo.default(8).describe('Input lanes: input channels reduced into each output per cycle.'),
    tm: powerOfTwo.default(8).describe('Output lanes: output channels computed in parallel. A multiple of tn.'),
    multiplier: z.enum(['inferred', 'booth']).default('inferred').describe('How the MACs multiply: \'inferred\' (a * b, which synthesis maps to DSP blocks) or \'booth\' (radix-4 Booth multipliers in logic: a third smaller on FPGAs without DSPs, e.g. iCE40 HX).'),
    postLanes: powerOfTwo.optional().describe('Output values the writer post-processes (bias, shift, saturation, ReLU, pooling) per cycle; a divisor of tn. Fewer lanes save logic; the writer then takes tn / postLanes cycles per output vector. Default: tn.'),
  })
  .default({ tn: 8, tm: 8, multiplier: 'inferred' });

export const buffersSchema = z
  .strictObject({
    inputWords: powerOfTwo.default(2048).describe('Input buffer depth per slot, in vectors of tn values (double-buffered: 2 slots).'),
    weightWords: powerOfTwo.default(128).describe('Weight buffer depth per slot, in kernel positions (kernel*kernel must fit).'),
    accWords: powerOfTwo.default(1024).describe('Accumulator buffer depth, in output pixels (each tm x 32 bits).'),
  })
  .default({ inputWords: 2048, weightWords: 128, accWords: 1024 });

export const memorySchema = z
  .strictObject({
    channels: powerOfTwo.max(16).default(1).describe('Number of AXI4 master channels to memory (all reach the same memory).'),
    maxBurst: powerOfTwo.max(256).default(16).describe('Longest burst the engines issue, in beats (AXI4 INCR allows 256).'),
    maxOutstanding: powerOfTwo.min(2).max(64).default(8).describe('Read bursts an engine keeps in flight.'),
    addressBits: z.number().int().min(16).max(32).default(32).describe('Width of byte addresses on the memory channels (the memory image must fit below 2^bits); narrower addresses save logic in every address register and adder.'),
  })
  .default({ channels: 1, maxBurst: 16, maxOutstanding: 8, addressBits: 32 });

export const controllerSchema = z
  .strictObject({
    window: z.number().int().min(2).max(16).default(4).describe('Task descriptors the controller holds at once (it may start any ready one of them).'),
    counters: powerOfTwo.min(16).max(256).default(256).describe('Dependency counters (tasks wait on and signal these).'),
    trace: z.boolean().default(true).describe('Build the trace unit, which writes a record per finished task (task, engines, start and end cycle) to memory. Without it runs report no trace and no per-job cycles, and the controller is smaller (about 500 flip-flops and 300 LUTs on iCE40).'),
  })
  .default({ window: 4, counters: 256, trace: true });

// Ranges shared with the command line's options, in a module of their own (the CLI starts
// without loading zod).
import { BUS_BITS_RANGE, ENGINES_RANGE, LATENCY_RANGE, STALL_PERCENT_RANGE } from './ranges.ts';
export { BUS_BITS_RANGE, ENGINES_RANGE, LATENCY_RANGE, STALL_PERCENT_RANGE };

export const testbenchSchema = z
  .strictObject({
    latency: z.number().int().min(LATENCY_RANGE.min).max(LATENCY_RANGE.max).default(20).describe('Cycles from an accepted read address to its first data beat.'),
    bytesPerCycle: positiveInt.optional().describe('Peak bytes the memory model moves per cycle and channel (at most one beat).'),
    stallPercent: z.number().int().min(STALL_PERCENT_RANGE.min).max(STALL_PERCENT_RANGE.max).default(0).describe('Per-cycle probability (percent) of a random stall on each memory channel.'),
  })
  .default({ latency: 20, stallPercent: 0 });

export const configSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/, { message: 'a lowercase identifier' })
    .default('custom')
    .describe('Name used in generated file headers and the config block (a lowercase identifier).'),
  dataBits: z.union([z.literal(8), z.literal(16)]).default(8).describe('Width of activations and weights in the datapath (models with fewer bits run sign-extended).'),
  engines: z.number().int().min(ENGINES_RANGE.min).max(ENGINES_RANGE.max).default(1).describe('Number of engines (PE clusters).'),
  pe: peSchema.describe('The MAC array of each engine: tn input lanes x tm output lanes (powers of two).'),
  buffers: buffersSchema.describe('The buffers of each engine (depths: powers of two).'),
  memory: memorySchema.describe('The AXI4 memory channels.'),
  controller: controllerSchema.describe('The run-time reconfiguration controller.'),
  clockMhz: z.number().positive().max(1000).default(100).describe('Target clock for synthesis constraints, in MHz.'),
  testbench: testbenchSchema.describe('The testbench memory model\'s defaults (the run options override them).'),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
