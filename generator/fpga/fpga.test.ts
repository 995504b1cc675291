import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/resolve.ts';
import { generateFiles } from '../emit/generate.ts';
import { DEVICES } from './devices.ts';
import { elaborate } from '../arch/design.ts';
import { gatesFor, inlinedModules, parseFmax, parseUtilisation, pnrYosysScript, shellSource, yosysScript } from './flow.ts';
import { lintDesign } from '../tools/lint.ts';
import { breakdown, classify } from './resources.ts';
import { flattenCells, parseStat } from './stat.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('Yosys statistics parser (real Yosys 0.23 log, tiny preset, xc7)', () => {
  const stat = parseStat(fixture('yosys-0.23-xc7-tiny-stat.txt'));

  it('finds every module and the top', () => {
    expect(stat.top).toBe('sf_top');
    expect(Object.keys(stat.modules).sort()).toEqual([
      'sf_burst_cap', 'sf_compute', 'sf_controller', 'sf_csr', 'sf_engine', 'sf_group_bus', 'sf_loader',
      'sf_mem_xbar', 'sf_sdp_ram_acc', 'sf_sdp_ram_in', 'sf_sdp_ram_w', 'sf_top', 'sf_writer',
    ]);
    expect(stat.modules.sf_engine.cells).toMatchObject({ DSP48E1: 12, FDCE: 824, sf_sdp_ram_w: 4, sf_compute: 1 });
  });

  it('totals cells through the hierarchy as the log does', () => {
    const total = flattenCells(stat, 'sf_top');
    // The log's own design total.
    expect(total).toMatchObject({ DSP48E1: 56, FDCE: 11067, RAMB18E1: 8, RAMB36E1: 8, RAM32M: 48, LUT6: 9397 });
  });

  it('classifies resources per part of the design', () => {
    const b = breakdown(stat, 'xc7', 2);
    expect(b.total.dsps).toBe(56);
    expect(b.total.brams).toBe(12); // 8 RAMB36 + 8 RAMB18 / 2
    expect(b.total.lutram).toBe(48 * 4);
    expect(b.perEngine.dsps).toBe(28); // 12 address multipliers + 16 MACs
    expect(b.total.luts).toBe(135 + 7325 + 5801 + 1316 + 4216 + 9397 + 48 * 4);
  });

  it('fails the MAC gate on this (older) design, whose address multipliers took DSP blocks', () => {
    const cfg = loadConfig({ preset: 'tiny' });
    const b = breakdown(stat, 'xc7', 2);
    const { gates } = gatesFor('xc7', elaborate(cfg), stat, b.total);
    expect(gates.find((g) => g.name === 'MACs on DSP blocks')).toMatchObject({ passed: false, detail: '32 MACs on 32 DSP48E1 (56 DSP48E1 in the design)' });
    expect(gates.find((g) => g.name === 'buffers in block RAM')?.passed).toBe(true);
    expect(gates.find((g) => g.name === 'no latches')?.passed).toBe(true);
  });

  it('rejects a log without statistics', () => {
    expect(() => parseStat('Yosys 0.23\nEnd of script.')).toThrow(/no Yosys statistics/);
  });
});

describe('generic (word-level) resources', () => {
  it('counts flip-flop bits, multipliers and memories from stat -width names', () => {
    const r = classify({ '$adff_32': 3, '$adffe_1': 2, '$dff_16': 1, '$mul_16': 4, '$mem_v2': 2, '$alu_8': 5, '$dlatch_4': 1 }, 'generic');
    expect(r).toMatchObject({ ffs: 3 * 32 + 2 + 16, dsps: 4, brams: 2, latches: 4, luts: 0 });
  });
});

describe('synthesis scripts', () => {
  it('asserts check and the absence of latches before and after mapping, per target', () => {
    for (const target of ['xc7', 'ice40', 'generic'] as const) {
      const script = yosysScript(target, ['rtl/a.v'], DEVICES.find((d) => d.target === target), 'sf_top');
      expect(script).toContain('select -assert-none t:$dlatch t:$adlatch t:$dlatchsr');
      expect(script.match(/check -assert/g)).toHaveLength(2);
    }
    expect(yosysScript('xc7', ['rtl/a.v'], undefined, 'sf_top')).toContain('synth_xilinx -top sf_top -family xc7');
    expect(yosysScript('ice40', ['rtl/a.v'], DEVICES.find((d) => d.name === 'ice40up5k'), 'sf_top')).toContain('synth_ice40 -top sf_top -noflatten -dsp');
    expect(yosysScript('ice40', ['rtl/a.v'], DEVICES.find((d) => d.name === 'ice40hx8k'), 'sf_top')).not.toContain('-dsp');
  });

  it('flattens the blocks\' internal modules into their parents and keeps the reported units', () => {
    const inlined = inlinedModules(elaborate(loadConfig({ preset: 'tiny' })));
    expect([...inlined].sort()).toEqual(['sf_axil_slave', 'sf_compute_ctrl', 'sf_csr_regs', 'sf_ctrl_fetch', 'sf_ctrl_sched', 'sf_ctrl_window', 'sf_engine_desc', 'sf_engine_seq', 'sf_mul_inferred', 'sf_pe_array', 'sf_pe_row', 'sf_perf_counters', 'sf_xbar_channel']);
    const script = yosysScript('xc7', ['rtl/a.v'], undefined, 'sf_top', inlined);
    expect(script).toContain(`proc; flatten ${inlined.map((m) => `t:${m}`).join(' ')}; select`);
  });

  it('reads the final Fmax and the packed utilisation of real nextpnr-ice40 logs', () => {
    // micro's engine placed and routed alone on an HX8K: an estimate before routing, the final figure after.
    const routed = fixture('nextpnr-0.8-hx8k-micro-engine-routed.txt');
    expect(parseFmax(routed)).toBe(40.51);
    expect(parseUtilisation(routed)).toEqual({ logicCells: { used: 7086, capacity: 7680 }, rams: { used: 22, capacity: 32 } });
    // The whole of micro, packed only: over the device's logic cells, so never placed.
    const packed = fixture('nextpnr-0.8-hx8k-micro-top-packed.txt');
    expect(parseUtilisation(packed)).toEqual({ logicCells: { used: 8946, capacity: 7680 }, rams: { used: 24, capacity: 32 } });
    expect(parseFmax(packed)).toBeUndefined();
    expect(parseUtilisation('no utilisation here')).toBeUndefined();
  });

  it('synthesizes the place-and-route netlist flat, with the shell on top', () => {
    const hx8k = DEVICES.find((d) => d.name === 'ice40hx8k')!;
    const script = pnrYosysScript(['rtl/a.v', 'fpga/sf_pnr_shell.sv'], hx8k);
    expect(script).toContain('synth_ice40 -top sf_pnr_shell;');
    expect(script).not.toContain('-noflatten');
    expect(script).toContain('write_json netlist.json');
    expect(pnrYosysScript([], DEVICES.find((d) => d.name === 'ice40up5k')!)).toContain('synth_ice40 -top sf_pnr_shell -dsp');
  });
});

describe('place-and-route shell', () => {
  it('wraps every port of the top and lints clean with verilator -Wall', async () => {
    const cfg = loadConfig({ preset: 'micro' });
    const { files } = generateFiles(cfg);
    const shell = shellSource(elaborate(cfg));
    expect(shell).toContain('module sf_pnr_shell (');
    expect(shell).toContain('.m_axi_rdata_i(stim_q[');
    expect(shell).toContain('.irq_o(resp[');
    files.set('fpga/sf_pnr_shell.sv', shell);
    expect(await lintDesign(files, 'sf_pnr_shell')).toEqual([]);
  });

  it('wraps one engine alone for an engine-only run', async () => {
    const cfg = loadConfig({ preset: 'micro' });
    const { files } = generateFiles(cfg);
    const shell = shellSource(elaborate(cfg), 'sf_engine');
    expect(shell).toContain('sf_engine u_dut (');
    expect(shell).toContain('.desc_data_i(stim_q[');
    files.set('fpga/sf_pnr_shell.sv', shell);
    expect(await lintDesign(files, 'sf_pnr_shell')).toEqual([]);
  });
});

describe('vendor project files', () => {
  it('name every generated source and nothing else', () => {
    const { files } = generateFiles(loadConfig({ preset: 'default' }));
    const sources = [...files.keys()].filter((p) => p.endsWith('.sv')).sort();
    const vivado = String(files.get('fpga/vivado.tcl'));
    const inVivado = [...vivado.matchAll(/\[file join \$root (\S+\.sv)\]/g)].map((m) => m[1]).sort();
    expect(inVivado).toEqual(sources);
    const core = String(files.get('synergyflow.core'));
    const inCore = [...core.matchAll(/^\s+- (\S+\.sv)$/gm)].map((m) => m[1]).sort();
    expect(inCore).toEqual(sources);
    // The sources are SystemVerilog: every tool must be told so.
    expect(core).toContain('file_type: systemVerilogSource');
    const quartus = String(files.get('fpga/quartus.tcl'));
    expect(quartus).not.toMatch(/ VERILOG_FILE/);
    expect([...quartus.matchAll(/ SYSTEMVERILOG_FILE \[file join \$root (\S+)\]/g)].map((m) => m[1]).sort()).toEqual(sources);
    expect(String(files.get('fpga/sf_top.xdc'))).toContain('create_clock -period 10.000 -name clk [get_ports clk_i]');
    expect(core).toMatch(/^name: synergyflow:accelerator:sf_top_default:0\.1\.0$/m);
  });
});
