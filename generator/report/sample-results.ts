// A small hand-made run for the report's tests: 2 engines of 2x2 MACs (8 MACs a cycle), 2
// channels of 4 bytes a cycle (8 B/cycle: the roofs meet at 1 MAC/byte), 20 cycles, three tasks.
import type { ReportResults } from './results-file.ts';

export function sampleResults(overrides: Partial<ReportResults> = {}): ReportResults {
  return {
    status: 'ok',
    message: 'every output matches the golden model',
    allMatch: true,
    config: { name: 'sample', hash: '0123456789ab', engines: 2, tn: 2, tm: 2, macs: 8, busBits: 32, channels: 2 },
    simulator: 'verilator',
    policy: 'elastic',
    staticGroup: 1,
    memory: { latency: 20, bytesPerCycle: 4, stallPercent: 0, seed: 1 },
    cycles: 20,
    totalMacs: 66,
    peUtilization: 66 / (20 * 8),
    physicalBoundCycles: 14,
    boundRatio: 20 / 14,
    jobs: [{ name: 'j', model: 'm', batch: 4, match: true, startCycle: 0, endCycle: 20, cycles: 20 }],
    engines: [
      { busyCycles: 20, computeCycles: 12, stallCycles: 8 },
      { busyCycles: 14, computeCycles: 9, stallCycles: 5 },
    ],
    channels: [
      { readBytes: 60, writeBytes: 10 },
      { readBytes: 20, writeBytes: 10 },
    ],
    tasks: 3,
    trace: [
      // c1 on both engines, then f1 on engine 0 beside a second c1 task on engine 1.
      { task: 0, job: 'j', layer: 'c1', images: [0, 3], engines: [0, 1], start: 0, end: 10, macs: 40, readBytes: 20, writeBytes: 0 },
      { task: 1, job: 'j', layer: 'f1', images: [0, 3], engines: [0], start: 10, end: 20, macs: 10, readBytes: 40, writeBytes: 10 },
      { task: 2, job: 'j', layer: 'c1', images: [0, 0], engines: [1], start: 12, end: 16, macs: 16, readBytes: 8, writeBytes: 8 },
    ],
    ...overrides,
  };
}
