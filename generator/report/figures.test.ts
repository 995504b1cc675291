// The report's math on a trace small enough to compute by hand (./sample-results.ts).
import { describe, expect, it } from 'vitest';
import { engineRuns, ganttBars } from './charts.ts';
import { attainable, binEdges, binWidth, jobFigures, layerFigures, roofs, runTotals, spreadOverBins, timeBins, unionLength } from './figures.ts';
import { sampleResults } from './sample-results.ts';

describe('time bins', () => {
  it('cover the run with whole bins and a shorter last one', () => {
    expect(binEdges(20, 6)).toEqual([[0, 6], [6, 12], [12, 18], [18, 20]]);
    expect(binEdges(0, 5)).toEqual([]);
    expect(binWidth(35_063, 240)).toBe(147);
    expect(binWidth(10, 240)).toBe(1);
  });

  it('spread each task evenly over its cycles, a task of no cycles into its start\'s bin', () => {
    const trace = [
      { ...sampleResults().trace[0], start: 3, end: 7, macs: 8 },
      { ...sampleResults().trace[0], start: 9, end: 9, macs: 5 },
    ];
    // Cycles 3, 4 in bin 0; 5, 6 in bin 1; the empty task at cycle 9 in bin 1.
    expect(spreadOverBins(trace, binEdges(10, 5), (t) => t.macs)).toEqual([4, 4 + 5]);
  });

  it('give bandwidth, PE utilization and engine occupancy a bin, by hand', () => {
    // Bins of 5 cycles. Bin 2 [10, 15): f1 (10 cycles: 40 B read, 10 written, 10 MACs) 5 of its
    // cycles, the second c1 (4 cycles: 8 B read, 8 written, 16 MACs) 3 of its cycles.
    const bins = timeBins(sampleResults(), 5);
    expect(bins.map((b) => [b.start, b.end])).toEqual([[0, 5], [5, 10], [10, 15], [15, 20]]);
    const near = (values: number[], expected: number[]) => values.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
    near(bins.map((b) => b.readBytesPerCycle), [10 / 5, 10 / 5, (20 + 6) / 5, (20 + 2) / 5]);
    near(bins.map((b) => b.writeBytesPerCycle), [0, 0, (5 + 6) / 5, (5 + 2) / 5]);
    // MACs over 5 cycles x 8 MACs.
    near(bins.map((b) => b.peUtilization), [20 / 40, 20 / 40, (5 + 12) / 40, (5 + 4) / 40]);
    // Engine-cycles held over 5 cycles x 2 engines.
    near(bins.map((b) => b.engineOccupancy), [1, 1, (5 + 3) / 10, (5 + 1) / 10]);
  });

  it('add up to the whole run\'s MACs and task bytes', () => {
    const r = sampleResults();
    const bins = timeBins(r, 3);
    const total = (f: (b: (typeof bins)[number]) => number) => bins.reduce((s, b) => s + f(b) * (b.end - b.start), 0);
    expect(total((b) => b.peUtilization) * r.config.macs).toBeCloseTo(r.totalMacs, 9);
    expect(total((b) => b.readBytesPerCycle + b.writeBytesPerCycle)).toBeCloseTo(runTotals(r).taskBytes, 9);
  });
});

describe('roofline', () => {
  it('takes the compute roof from engines x tn x tm and the bandwidth roof from channels x bytes a cycle', () => {
    expect(roofs(sampleResults())).toEqual({ computeMacsPerCycle: 8, bandwidthBytesPerCycle: 8, ridgeMacsPerByte: 1 });
    const slower = sampleResults({ memory: { latency: 20, bytesPerCycle: 2, stallPercent: 0, seed: 1 } });
    expect(roofs(slower)).toEqual({ computeMacsPerCycle: 8, bandwidthBytesPerCycle: 4, ridgeMacsPerByte: 2 });
    expect(attainable(roofs(sampleResults()), 0.25)).toBe(2);
    expect(attainable(roofs(sampleResults()), 5)).toBe(8);
  });

  it('places each layer by its MACs a byte and its MACs a cycle while active, bound by the roof below its intensity', () => {
    const [c1, f1] = layerFigures(sampleResults());
    // c1: 56 MACs over 36 bytes (1.56 MACs/byte, above the ridge at 1), active in [0, 10) and [12, 16).
    expect(c1).toMatchObject({ job: 'j', layer: 'c1', tasks: 2, macs: 56, bytes: 36, activeCycles: 14, engineCycles: 24, firstStart: 0, lastEnd: 16, achieved: 4, bound: 'compute' });
    expect(c1.intensity).toBeCloseTo(56 / 36, 12);
    expect(c1.ofRoof).toBeCloseTo(4 / 8, 12);
    // f1: 10 MACs over 50 bytes (0.2 MACs/byte): its roof is 0.2 x 8 B/cycle = 1.6 MACs/cycle.
    expect(f1).toMatchObject({ layer: 'f1', tasks: 1, macs: 10, bytes: 50, activeCycles: 10, achieved: 1, bound: 'bandwidth' });
    expect(f1.intensity).toBeCloseTo(0.2, 12);
    expect(f1.ofRoof).toBeCloseTo(1 / 1.6, 12);
  });

  it('measures a layer\'s active cycles as the union of its tasks\' intervals', () => {
    expect(unionLength([])).toBe(0);
    expect(unionLength([{ start: 0, end: 10 }, { start: 12, end: 16 }])).toBe(14);
    expect(unionLength([{ start: 5, end: 9 }, { start: 0, end: 10 }, { start: 2, end: 3 }])).toBe(10);
    expect(unionLength([{ start: 0, end: 4 }, { start: 4, end: 6 }, { start: 5, end: 8 }])).toBe(8);
  });
});

describe('jobs and totals', () => {
  it('give latency and images a million cycles', () => {
    expect(jobFigures(sampleResults())).toEqual([{ name: 'j', model: 'm', batch: 4, match: true, startCycle: 0, endCycle: 20, latencyCycles: 20, imagesPerMcycle: 200_000 }]);
    expect(runTotals(sampleResults())).toEqual({ images: 4, imagesPerMcycle: 200_000, channelBytes: 100, taskBytes: 86, bytesPerCycle: 5 });
  });
});

describe('Gantt bars', () => {
  it('split a group into runs of consecutive engines', () => {
    expect(engineRuns([3, 0, 1])).toEqual([[0, 1], [3, 3]]);
    expect(engineRuns([2])).toEqual([[2, 2]]);
  });

  it('draw a ganged task as one bar over its lanes, labelled only where the label fits', () => {
    const bars = ganttBars(sampleResults().trace, 20);
    expect(bars.map((b) => [b.laneTop, b.laneBottom])).toEqual([[0.08, 1.92], [0.08, 0.92], [1.08, 1.92]]);
    expect(bars[0].title).toBe('j c1, images 0-3: task 0 on engines 0, 1, cycles 0-10');
    expect(bars[2].title).toBe('j c1, image 0: task 2 on engine 1, cycles 12-16');
    // 960 px for 20 cycles: every bar is wide enough; for 200,000 cycles none is.
    expect(bars.map((b) => b.label)).toEqual(['c1', 'f1', 'c1']);
    expect(ganttBars(sampleResults().trace, 200_000).map((b) => b.label)).toEqual(['', '', '']);
  });
});
