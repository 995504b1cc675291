// Named presets. Each is a partial config; the schema fills in the rest.
import type { ConfigInput } from './schema.ts';

export const presets: Record<string, ConfigInput> = {
  /** Smallest useful design: fast to build and simulate, used by CI. */
  tiny: {
    name: 'tiny',
    engines: 1,
    pe: { tn: 4, tm: 4 },
    buffers: { inputWords: 1024, weightWords: 64, accWords: 256 },
    memory: { channels: 1, maxBurst: 16, maxOutstanding: 4 },
    testbench: { latency: 8 },
  },
  /** A mid-size design: 256 MACs, enough buffering for AlexNet's 11x11 first layer. */
  default: {
    name: 'default',
    engines: 1,
    pe: { tn: 16, tm: 16 },
    buffers: { inputWords: 8192, weightWords: 128, accWords: 1024 },
    memory: { channels: 1, maxBurst: 16, maxOutstanding: 8 },
    testbench: { latency: 20 },
  },
  /** Sized like the paper's FPGA design: 2048 MACs at 100 MHz. */
  paper: {
    name: 'paper',
    engines: 1,
    pe: { tn: 32, tm: 64 },
    buffers: { inputWords: 8192, weightWords: 128, accWords: 1024 },
    memory: { channels: 1, maxBurst: 16, maxOutstanding: 8 },
    clockMhz: 100,
    testbench: { latency: 20 },
  },
};

export function presetNames(): string[] {
  return Object.keys(presets);
}
