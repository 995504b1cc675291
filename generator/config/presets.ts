// Named presets. Each is a partial config; the schema fills in the rest.
import type { ConfigInput } from './schema.ts';

export const presets: Record<string, ConfigInput> = {
  /** Smallest useful design: fast to build and simulate, used by CI. */
  tiny: {
    name: 'tiny',
    engines: 2,
    pe: { tn: 4, tm: 4 },
    buffers: { inputWords: 1024, weightWords: 64, accWords: 256 },
    memory: { channels: 1, maxBurst: 16, maxOutstanding: 4 },
    controller: { window: 4, counters: 64 },
    testbench: { latency: 8 },
  },
  /** The smallest design, for small FPGAs (iCE40): one engine of 4 x 4 MACs with every area
   * option taken (Booth multipliers in logic, one post-processing lane, 20-bit addresses, no
   * trace unit). Runs LeNet-5. */
  micro: {
    name: 'micro',
    engines: 1,
    pe: { tn: 4, tm: 4, multiplier: 'booth', postLanes: 1 },
    buffers: { inputWords: 256, weightWords: 32, accWords: 64 },
    memory: { channels: 1, maxBurst: 8, maxOutstanding: 2, addressBits: 20 },
    controller: { window: 2, counters: 16, trace: false },
    clockMhz: 24,
    testbench: { latency: 8 },
  },
  /** 4 engines of 256 MACs on 2 memory channels, enough buffering for AlexNet's 11x11 layer. */
  default: {
    name: 'default',
    engines: 4,
    pe: { tn: 16, tm: 16 },
    buffers: { inputWords: 8192, weightWords: 128, accWords: 1024 },
    memory: { channels: 2, maxBurst: 16, maxOutstanding: 8 },
    testbench: { latency: 20 },
  },
  /** Sized like the paper's FPGA design: 8 engines, 2048 MACs at 100 MHz, 4 memory channels. */
  paper: {
    name: 'paper',
    engines: 8,
    pe: { tn: 16, tm: 16 },
    buffers: { inputWords: 8192, weightWords: 128, accWords: 1024 },
    memory: { channels: 4, maxBurst: 16, maxOutstanding: 8 },
    clockMhz: 100,
    testbench: { latency: 20 },
  },
};

export function presetNames(): string[] {
  return Object.keys(presets);
}
