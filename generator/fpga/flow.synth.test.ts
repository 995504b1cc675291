// Synthesis tier (npm run test:synth, run by CI): the tiny preset through the default flow
// (@yowasp/yosys from npm) for xc7 and iCE40, and the micro preset placed and routed on an iCE40
// HX8K by @yowasp/nextpnr-ice40.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { synthesize } from './flow.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-synth-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('synthesis of the tiny preset', () => {
  it('maps to xc7 with every gate passing and fits a Zynq-7020', async () => {
    const out = join(scratch, 'xc7');
    const r = await synthesize({ preset: 'tiny', target: 'xc7', device: 'xc7z020', out });
    expect(r.problems).toEqual([]);
    expect(r.passed).toBe(true);
    expect(r.gates.map((g) => [g.name, g.passed])).toEqual([
      ['check -assert', true],
      ['no latches', true],
      ['MACs on DSP blocks', true],
      ['buffers in block RAM', true],
    ]);
    expect(r.macDsps).toBe(32);
    expect(r.resources.total.dsps).toBe(32);
    expect(r.resources.perEngine.brams).toBeGreaterThan(0);
    expect(r.shares!.luts).toBeGreaterThan(0);
    expect(r.shares!.luts).toBeLessThan(1);
    const report = JSON.parse(readFileSync(join(out, 'synth/report.json'), 'utf8'));
    expect(report.resources.total.luts).toBe(r.resources.total.luts);
    expect(readFileSync(join(out, 'synth/netlist.v'), 'utf8')).toContain('DSP48E1');
    expect(existsSync(join(out, 'fpga/vivado.tcl'))).toBe(true);
  });

  it('keeps every multiplier a MAC with four load ports per engine (tiny on four channels)', async () => {
    // Port c's weight address is c shares on: formed by shifts and adds, never a DSP block.
    const config = join(scratch, 'four-channels.json');
    writeFileSync(config, JSON.stringify({ name: 'tiny4ch', engines: 2, pe: { tn: 4, tm: 4 }, buffers: { inputWords: 1024, weightWords: 64, accWords: 256 }, memory: { channels: 4 } }));
    const r = await synthesize({ config, target: 'xc7', device: 'xc7z020', out: join(scratch, 'xc7-4ch') });
    expect(r.gates.find((g) => g.name === 'MACs on DSP blocks')?.passed).toBe(true);
    expect(r.resources.total.dsps).toBe(32);
    expect(r.passed).toBe(true);
  });

  it('maps to iCE40 and says clearly that it does not fit an UP5K', async () => {
    const out = join(scratch, 'ice40');
    const r = await synthesize({ preset: 'tiny', target: 'ice40', out, pnr: false });
    expect(r.gates.find((g) => g.name === 'check -assert')?.passed).toBe(true);
    expect(r.gates.find((g) => g.name === 'no latches')?.passed).toBe(true);
    expect(r.fits).toBe(false);
    expect(r.passed).toBe(false);
    expect(r.problems.join('\n')).toMatch(/does not fit Lattice iCE40 UltraPlus 5K \(ice40up5k\): needs \d+ LUTS, the device has 5280/);
    expect(existsSync(join(out, 'synth/report.json'))).toBe(true);
  });
});

describe('place and route of the micro preset on an iCE40 HX8K', () => {
  it('places and routes the whole accelerator and reports its Fmax against the 24 MHz constraint', async () => {
    const out = join(scratch, 'micro');
    const r = await synthesize({ preset: 'micro', target: 'ice40', device: 'ice40hx8k', out });
    expect(r.problems).toEqual([]);
    expect(r.passed).toBe(true);
    expect(r.pnr?.module).toBe('sf_top');
    expect(r.pnr!.logicCells.used).toBeLessThanOrEqual(r.pnr!.logicCells.capacity);
    expect(r.pnr!.fmaxMhz).toBeGreaterThan(24);
    expect(r.pnr!.passed).toBe(true);
    expect(readFileSync(join(out, 'synth/nextpnr.log'), 'utf8')).toMatch(/Max frequency for clock .* MHz \(PASS at 24\.00 MHz\)/);
    expect(readFileSync(join(out, 'fpga/sf_pnr_shell.sv'), 'utf8')).toContain('sf_top u_dut (');
  }, 900_000);
});
