// Progress with an ETA: the arithmetic (no clock), when a terminal gets a live line, and the
// plain lines of logs and CI (occasional, no escape sequences, on stderr only).
import { describe, expect, it } from 'vitest';
import { estimateRemaining, formatDuration, progressText } from '../progress.ts';
import { parseProgressLine, progressInterval } from '../runner/run.ts';
import { nextpnrPhase, yosysStep } from '../tools/fpga-tools.ts';
import { createProgress, isLiveTerminal } from './progress.ts';

describe('ETA arithmetic', () => {
  it('extrapolates the rate so far to the total', () => {
    // 25,000 of 100,000 cycles in 10 s: 30 s to go.
    expect(estimateRemaining({ done: 25_000, total: 100_000, elapsedSeconds: 10 })).toEqual({ fraction: 0.25, etaSeconds: 30, overdue: false });
    // Nothing done yet, or no time passed: no rate, no ETA.
    expect(estimateRemaining({ done: 0, total: 100, elapsedSeconds: 5 }).etaSeconds).toBeUndefined();
    expect(estimateRemaining({ done: 5, total: 100, elapsedSeconds: 0 }).etaSeconds).toBeUndefined();
    // Past the predicted total: no ETA, said so.
    expect(estimateRemaining({ done: 120, total: 100, elapsedSeconds: 5 })).toEqual({ fraction: 1, etaSeconds: undefined, overdue: true });
    expect(estimateRemaining({ done: 100, total: 100, elapsedSeconds: 5 })).toEqual({ fraction: 1, etaSeconds: undefined, overdue: false });
  });

  it('counts down an expected duration (a previous build), and says when it is exceeded', () => {
    expect(estimateRemaining({ elapsedSeconds: 5, expectedSeconds: 20 })).toEqual({ fraction: 0.25, etaSeconds: 15, overdue: false });
    expect(estimateRemaining({ elapsedSeconds: 25, expectedSeconds: 20 })).toEqual({ fraction: 0.99, etaSeconds: undefined, overdue: true });
    expect(estimateRemaining({ elapsedSeconds: 25 })).toEqual({ fraction: undefined, etaSeconds: undefined, overdue: false });
  });

  it('writes durations and the status text', () => {
    expect(formatDuration(8.4)).toBe('8 s');
    expect(formatDuration(125)).toBe('2 min 05 s');
    expect(formatDuration(3840)).toBe('1 h 04 min');
    expect(progressText('simulating', { detail: 'cycle 25,000 of ~100,000', done: 25_000, total: 100_000, elapsedSeconds: 10 }))
      .toBe('simulating: cycle 25,000 of ~100,000; 25%, 10 s elapsed, about 30 s left');
    expect(progressText('Verilator build', { elapsedSeconds: 40, expectedSeconds: 30 })).toBe('Verilator build: 40 s elapsed, longer than the last time (30 s)');
    expect(progressText('Yosys', { detail: 'SYNTH_XILINX: ABC', elapsedSeconds: 3 })).toBe('Yosys: SYNTH_XILINX: ABC; 3 s elapsed');
  });

  it('spaces the testbench\'s progress lines about a hundredth of the predicted run apart', () => {
    expect(progressInterval(undefined)).toBe(2_000_000);
    expect(progressInterval(50_000)).toBe(10_000);
    expect(progressInterval(25_000_000)).toBe(250_000);
    expect(progressInterval(10_000_000_000)).toBe(2_000_000);
    expect(parseProgressLine('SF_PROGRESS 120000 17')).toEqual({ cycles: 120_000, tasksDone: 17 });
  });

  it('follows Yosys passes and nextpnr phases from their logs', () => {
    const step = yosysStep();
    expect(step('-- Running command `read_verilog -sv a.sv; synth_xilinx -top sf_top\' --')).toBeUndefined();
    expect(step('7. Executing SYNTH_XILINX pass.')).toBe('SYNTH_XILINX');
    expect(step('7.32. Executing ABC pass (technology mapping using ABC).')).toBe('SYNTH_XILINX: ABC');
    expect(step('7.32.4. Executing OPT_CLEAN pass (remove unused cells and wires).')).toBe('SYNTH_XILINX: OPT_CLEAN');
    expect(step('Some other line')).toBeUndefined();
    expect(nextpnrPhase('Info: Packing constants..')).toBe('packing');
    expect(nextpnrPhase('Info: Running simulated annealing placer for refinement.')).toBe('placing');
    expect(nextpnrPhase('Info: Routing..')).toBe('routing');
    expect(nextpnrPhase('Info: Max frequency for clock \'clk\': 31.45 MHz')).toBe('timing analysis');
  });
});

describe('progress display', () => {
  it('draws live only on a terminal, never in CI or on a dumb terminal', () => {
    expect(isLiveTerminal({ isTTY: true }, {})).toBe(true);
    expect(isLiveTerminal({ isTTY: true }, { CI: 'true' })).toBe(false);
    expect(isLiveTerminal({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(isLiveTerminal({ isTTY: false }, {})).toBe(false);
    expect(isLiveTerminal({}, {})).toBe(false);
  });

  it('without a terminal, writes a plain line at most every interval, with no escape sequences or carriage returns', () => {
    let now = 0;
    const written: string[] = [];
    const progress = createProgress({ write: (t) => written.push(t), live: false, intervalMs: 30_000, now: () => now });
    progress.log('simulating (seed 1)');
    const task = progress.task('simulating', { total: 1_000_000 });
    // An update a second for 100 s, 10,000 cycles a second.
    for (let s = 1; s <= 100; s++) {
      now = s * 1000;
      task.update(s * 10_000, `cycle ${s * 10_000}`);
    }
    task.end();
    now = 200_000;
    task.update(999_999, 'after the end');
    expect(written).toEqual([
      '[synergyflow] simulating (seed 1)\n',
      '[synergyflow] simulating: cycle 300000; 30%, 30 s elapsed, about 1 min 10 s left\n',
      '[synergyflow] simulating: cycle 600000; 60%, 1 min 00 s elapsed, about 40 s left\n',
      '[synergyflow] simulating: cycle 900000; 90%, 1 min 30 s elapsed, about 10 s left\n',
    ]);
    expect(written.join('')).not.toMatch(/[\r\x1b]/);
  });
});
