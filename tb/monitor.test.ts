// The protocol monitors must catch each kind of violation, and stay quiet on legal traffic, on
// both simulators: tb/sf_monitor_tb.v drives one case per run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBlockSim } from '../generator/tools/block-sim.ts';
import { TB_DIR } from '../generator/tools/sim.ts';

const work = mkdtempSync(join(tmpdir(), 'sf-monitor-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const sources = [join(TB_DIR, 'sf_axi_monitor.v'), join(TB_DIR, 'sf_monitor_tb.v')];

const CASES: [number, string, RegExp][] = [
  [1, 'AR VALID dropped before READY', /test axi AR: VALID dropped before READY/],
  [2, 'AR address changed while waiting', /test axi AR: payload changed while VALID waited for READY/],
  [3, 'a burst across 4 KiB', /test axi: AR INCR burst crosses a 4 KiB boundary/],
  [4, 'WLAST early', /test axi: WLAST not on the last beat of the burst/],
  [5, 'WLAST missing', /test axi: WLAST not on the last beat of the burst/],
  [6, 'R data without a read', /test axi: R data for an ID with no read in flight/],
  [7, 'RLAST early', /test axi: RLAST not on the last beat of the burst/],
  [8, 'B without a write', /test axi: B response for an ID with no completed write/],
  [9, 'AW VALID during reset', /test axi AW: VALID high during reset/],
  [10, 'W before AW', /test axi: W data before its write address/],
  [11, 'AXI4-Lite B without a write', /test axi-lite: B response without a write address and data/],
  [12, 'AXI4-Lite R without a read', /test axi-lite: R data without a read address/],
  [13, 'AXI4-Lite W data changed while waiting', /test axi-lite W: payload changed while VALID waited for READY/],
  [14, 'R VALID dropped before READY', /test axi R: VALID dropped before READY/],
  [15, 'a reserved burst type', /test axi: AR burst type 3 \(reserved\)/],
];

describe.each(['icarus', 'verilator'] as const)('protocol monitors on %s', (sim) => {
  let run: (testCase: number) => Promise<string>;
  beforeAll(async () => {
    const runSim = await buildBlockSim({ sim, top: 'sf_monitor_tb', sources, dir: join(work, sim) });
    run = (c) => runSim([`+case=${c}`]);
  });

  it('stays quiet on legal traffic', async () => {
    const out = await run(0);
    expect(out).not.toContain('SF_PROTOCOL');
    expect(out).toContain('SF_MONITOR_DONE axi=0 axil=0');
  });

  it.each(CASES)('case %d: flags %s', async (testCase, _what, message) => {
    const out = await run(testCase);
    expect(out).toMatch(message);
    expect(out).toMatch(/SF_MONITOR_DONE axi=(1 axil=0|0 axil=1)/);
  });
});
