// The vendor hand-off files, checked statically: no Vivado or Quartus runs here. The Tcl runs
// under tclsh with every vendor command stubbed and recorded (vendor-stub.tcl), the IP wrapper
// is linted with Verilator, and the file list and the FuseSoC core's Icarus simulation run for
// real on the tiny preset.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, resolveConfig } from '../config/resolve.ts';
import type { ResolvedConfig } from '../config/resolve.ts';
import { generateFiles, type Generated } from './generate.ts';
import { CTRL_INTERFACE, IP_LIBRARY, IP_NAME, IP_VENDOR, IP_VERSION, ZYNQ_BOARDS, memInterfaceName } from './vendor.ts';

const STUB = fileURLToPath(new URL('./vendor-stub.tcl', import.meta.url));
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const tclsh = has('tclsh');
if (!tclsh) console.warn('vendor.test.ts: tclsh not found (Debian package tcl, installed by scripts/setup.sh when it can): the Tcl script checks are skipped');

const scratch = mkdtempSync(join(tmpdir(), 'sf-vendor-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Gen extends Generated {
  cfg: ResolvedConfig;
  dir: string;
}
/** Generates a design into its own folder. */
function generate(name: string, cfg: ResolvedConfig): Gen {
  const g = generateFiles(cfg);
  const dir = join(scratch, name, 'gen');
  for (const [path, text] of g.files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return { ...g, cfg, dir };
}
const text = (g: Gen, path: string) => String(g.files.get(path));
/** The sources sf_top.f lists (its // lines are comments). */
const listed = (g: Gen) => text(g, 'sf_top.f').split('\n').filter((l) => l && !l.startsWith('//'));
/** Every path in a generated folder: a command its files document must leave it as it was. */
const contents = (g: Gen) => readdirSync(g.dir, { recursive: true }).map(String).sort();

type Call = string[];
interface StubRun {
  status: number;
  stderr: string;
  stdout: string;
  calls: Call[];
  build: string;
}
let runs = 0;
/** Runs a generated Tcl script under tclsh with the vendor commands stubbed, from a fresh build folder. */
function runTcl(g: Gen, script: string, args: string[] = [], env: Record<string, string> = {}, build?: string): StubRun {
  const dir = build ?? join(scratch, `build-${++runs}`);
  mkdirSync(dir, { recursive: true });
  const log = join(dir, 'calls.log');
  const r = spawnSync('tclsh', [STUB, log, join(g.dir, script), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
  const calls = existsSync(log) ? parseTclLog(readFileSync(log, 'utf8')) : [];
  return { status: r.status ?? -1, stderr: r.stderr, stdout: r.stdout, calls, build: dir };
}

/** One Tcl list a line (as vendor-stub.tcl writes them): words, braces and backslashes. */
function parseTclLog(log: string): Call[] {
  return log.split('\n').filter((l) => l.trim()).map(parseTclList);
}
function parseTclList(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (s[i] === ' ') i++;
    if (i >= s.length) break;
    if (s[i] === '{') {
      let depth = 1;
      let j = i + 1;
      for (; j < s.length && depth > 0; j++) {
        if (s[j] === '\\') j++;
        else if (s[j] === '{') depth++;
        else if (s[j] === '}') depth--;
      }
      out.push(s.slice(i + 1, j - 1));
      i = j;
    } else {
      let word = '';
      for (; i < s.length && s[i] !== ' '; i++) {
        if (s[i] === '\\') word += s[++i];
        else word += s[i];
      }
      out.push(word);
    }
  }
  return out;
}
const named = (calls: Call[], cmd: string) => calls.filter((c) => c[0] === cmd);
const one = (calls: Call[], cmd: string) => {
  const found = named(calls, cmd);
  expect(found, cmd).toHaveLength(1);
  return found[0];
};
const option = (call: Call, flag: string) => call[call.indexOf(flag) + 1];
const index = (calls: Call[], cmd: string) => calls.findIndex((c) => c[0] === cmd);

/** The wrapper's ports: name, direction, width. */
function wrapperPortsOf(source: string): { name: string; dir: string; width: number }[] {
  return [...source.matchAll(/^\s+(input|output)\s+wire\s+(?:\[(\d+):0\]\s+)?(\w+)/gm)].map((m) => ({ dir: m[1], width: m[2] ? Number(m[2]) + 1 : 1, name: m[3] }));
}
/** The wrapper's instance connections: sf_top port -> expression. */
function connectionsOf(source: string): Map<string, string> {
  const inst = source.slice(source.indexOf('sf_top u_top ('));
  return new Map([...inst.matchAll(/^\s+\.(\w+)\(([^)]*)\)/gm)].map((m) => [m[1], m[2]]));
}

const AXI4_SIGNALS = ['awid', 'awaddr', 'awlen', 'awsize', 'awburst', 'awcache', 'awprot', 'awvalid', 'awready', 'wdata', 'wstrb', 'wlast', 'wvalid', 'wready', 'bid', 'bresp', 'bvalid', 'bready', 'arid', 'araddr', 'arlen', 'arsize', 'arburst', 'arcache', 'arprot', 'arvalid', 'arready', 'rid', 'rdata', 'rresp', 'rlast', 'rvalid', 'rready'];
const AXI4_LITE_SIGNALS = ['awaddr', 'awvalid', 'awready', 'wdata', 'wstrb', 'wvalid', 'wready', 'bresp', 'bvalid', 'bready', 'araddr', 'arvalid', 'arready', 'rdata', 'rresp', 'rvalid', 'rready'];
/** AXI signals a master drives (the rest it receives). */
const MASTER_OUT = /^(aw|ar)(?!ready)|^w(?!ready)|^(b|r)ready$/;

let tiny: Gen;
let dflt: Gen;
let micro: Gen;
beforeAll(() => {
  tiny = generate('tiny', loadConfig({ preset: 'tiny' }));
  dflt = generate('default', loadConfig({ preset: 'default' }));
  micro = generate('micro', loadConfig({ preset: 'micro' }));
});

describe('IP wrapper (fpga/sf_axi_ip.v)', () => {
  it.each(['tiny', 'default'])('%s: names every interface as Vivado infers it, with sf_top\'s widths split per channel', (name) => {
    const g = name === 'tiny' ? tiny : dflt;
    const nc = g.design.params.channels;
    const ports = wrapperPortsOf(text(g, 'fpga/sf_axi_ip.v'));
    const byName = new Map(ports.map((p) => [p.name, p]));
    const top = new Map(g.design.top.ports.map((p) => [p.name, p]));
    // Clock, reset, interrupt.
    expect(byName.get('aclk')).toEqual({ name: 'aclk', dir: 'input', width: 1 });
    expect(byName.get('aresetn')).toEqual({ name: 'aresetn', dir: 'input', width: 1 });
    expect(byName.get('interrupt')).toEqual({ name: 'interrupt', dir: 'output', width: 1 });
    // AXI4-Lite slave: every signal, directions of a slave, widths of sf_top's.
    for (const sig of AXI4_LITE_SIGNALS) {
      const p = byName.get(`${CTRL_INTERFACE}_${sig}`);
      expect(p, sig).toBeDefined();
      expect(p!.dir, sig).toBe(MASTER_OUT.test(sig) ? 'input' : 'output');
      expect(p!.width, sig).toBe(top.get(`s_axil_${sig}_${p!.dir === 'input' ? 'i' : 'o'}`)!.width);
    }
    // One AXI4 master per channel: every signal, a channel's share of sf_top's packed port.
    for (let c = 0; c < nc; c++) {
      const prefix = memInterfaceName(nc, c);
      expect(prefix).toBe(nc === 1 ? 'm_axi_mem' : `m_axi_mem${c}`);
      for (const sig of AXI4_SIGNALS) {
        const p = byName.get(`${prefix}_${sig}`);
        expect(p, `${prefix}_${sig}`).toBeDefined();
        expect(p!.dir, sig).toBe(MASTER_OUT.test(sig) ? 'output' : 'input');
        const packed = top.get(`m_axi_${sig}_${p!.dir === 'input' ? 'i' : 'o'}`);
        expect(p!.width, sig).toBe(packed ? packed.width / nc : sig.endsWith('cache') ? 4 : 3);
      }
    }
    expect(byName.get(`${memInterfaceName(nc, 0)}_rdata`)!.width).toBe(g.cfg.busBits);
    // Nothing else: no port outside the interfaces.
    const ifs = [CTRL_INTERFACE, ...Array.from({ length: nc }, (_, c) => memInterfaceName(nc, c))];
    expect(ports.filter((p) => !['aclk', 'aresetn', 'interrupt'].includes(p.name) && !ifs.some((i) => p.name.startsWith(`${i}_`)))).toEqual([]);
    expect(ports).toHaveLength(3 + AXI4_LITE_SIGNALS.length + nc * AXI4_SIGNALS.length);
  });

  it('connects every sf_top port, channel 0 lowest in the packed ones', () => {
    const conns = connectionsOf(text(dflt, 'fpga/sf_axi_ip.v'));
    expect([...conns.keys()].sort()).toEqual(dflt.design.top.ports.map((p) => p.name).sort());
    expect(conns.get('clk_i')).toBe('aclk');
    expect(conns.get('rst_ni')).toBe('aresetn');
    expect(conns.get('irq_o')).toBe('interrupt');
    expect(conns.get('s_axil_awaddr_i')).toBe('s_axi_ctrl_awaddr');
    expect(conns.get('m_axi_rdata_i')).toBe('{m_axi_mem1_rdata, m_axi_mem0_rdata}');
    expect(connectionsOf(text(tiny, 'fpga/sf_axi_ip.v')).get('m_axi_rdata_i')).toBe('m_axi_mem_rdata');
  });

  it.skipIf(!has('verilator')).each(['tiny', 'default'])('%s: lints with sf_top under verilator --lint-only -Wall', (name) => {
    const g = name === 'tiny' ? tiny : dflt;
    const r = spawnSync('verilator', ['--lint-only', '-Wall', '-f', 'sf_top.f', 'fpga/sf_axi_ip.v', '--top-module', IP_NAME], { cwd: g.dir, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('file list (sf_top.f)', () => {
  it('lists every generated SystemVerilog source, each present', () => {
    const sources = [...tiny.files.keys()].filter((p) => p.endsWith('.sv')).sort();
    expect([...listed(tiny)].sort()).toEqual(sources);
    for (const f of listed(tiny)) expect(existsSync(join(tiny.dir, f)), f).toBe(true);
  });

  const commands = () => text(tiny, 'sf_top.f').split('\n').filter((l) => /^\/\/ {3}\w/.test(l)).map((l) => l.slice(5).split(' '));
  // Run from the generated folder, as the header says, they write nothing there: a file
  // synergyflow did not write would block the next generate --out.
  it.skipIf(!has('iverilog'))('builds with the iverilog command its header gives (Icarus takes -g2012 only on the command line), outside the folder', () => {
    const cmd = commands().find((c) => c[0] === 'iverilog')!;
    expect(cmd).toEqual(['iverilog', '-g2012', '-c', 'sf_top.f', '-s', 'sf_top', '-o', '../sf_top.vvp']);
    const before = contents(tiny);
    const r = spawnSync(cmd[0], cmd.slice(1), { cwd: tiny.dir, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(contents(tiny)).toEqual(before);
    expect(existsSync(join(tiny.dir, '../sf_top.vvp'))).toBe(true);
    rmSync(join(tiny.dir, '../sf_top.vvp'));
  });

  it.skipIf(!has('verilator'))('lints with the verilator -f command its header gives, writing nothing', () => {
    const cmd = commands().find((c) => c[0] === 'verilator')!;
    expect(cmd).toContain('-f');
    const before = contents(tiny);
    const r = spawnSync(cmd[0], cmd.slice(1), { cwd: tiny.dir, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(contents(tiny)).toEqual(before);
  });
});

describe.skipIf(!tclsh)('Vivado synthesis script (fpga/vivado.tcl) under tclsh with stubs', () => {
  it('reads every source and the XDC out of context, synthesizes out of context, no place and route', () => {
    const run = runTcl(dflt, 'fpga/vivado.tcl');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const read = one(run.calls, 'read_verilog');
    expect(read[1]).toBe('-sv');
    const files = parseTclList(read[2]);
    expect(files).toEqual(listed(dflt).map((f) => join(dflt.dir, f)));
    for (const f of files) expect(existsSync(f), f).toBe(true);
    const xdc = one(run.calls, 'read_xdc');
    expect(option(xdc, '-mode')).toBe('out_of_context');
    expect(xdc.at(-1)).toBe(join(dflt.dir, 'fpga/sf_top.xdc'));
    expect(readFileSync(xdc.at(-1)!, 'utf8')).toContain('create_clock -period 10.000 -name clk [get_ports clk_i]');
    const synth = one(run.calls, 'synth_design');
    expect(option(synth, '-mode')).toBe('out_of_context');
    expect(option(synth, '-top')).toBe('sf_top');
    expect(option(synth, '-part')).toBe('xc7vx690tffg1761-2');
    expect(index(run.calls, 'read_xdc')).toBeLessThan(index(run.calls, 'synth_design'));
    for (const cmd of ['opt_design', 'place_design', 'route_design']) expect(named(run.calls, cmd), cmd).toEqual([]);
    // Reports and the checkpoint go to the build folder, nothing into the generated one.
    const outputs = [...named(run.calls, 'report_utilization'), ...named(run.calls, 'report_timing_summary'), ...named(run.calls, 'write_checkpoint')].map((c) => c.at(-1)!);
    expect(outputs).toEqual([join(run.build, 'sf_top_synth_utilization.rpt'), join(run.build, 'sf_top_synth_timing.rpt'), join(run.build, 'sf_top_synth.dcp')]);
  });

  it('places and routes out of context with -impl, on the part given', () => {
    const run = runTcl(tiny, 'fpga/vivado.tcl', ['-impl', '-part', 'xc7a100tcsg324-1', '-out', 'reports']);
    expect(run.status).toBe(0);
    expect(option(one(run.calls, 'synth_design'), '-part')).toBe('xc7a100tcsg324-1');
    const order = ['synth_design', 'opt_design', 'place_design', 'route_design'].map((c) => index(run.calls, c));
    expect(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]))).toBe(true);
    expect(named(run.calls, 'write_checkpoint').map((c) => c.at(-1))).toEqual([join(run.build, 'reports/sf_top_synth.dcp'), join(run.build, 'reports/sf_top_impl.dcp')]);
  });

  it('refuses an unknown argument, naming it', () => {
    const run = runTcl(tiny, 'fpga/vivado.tcl', ['-place']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("vivado.tcl: unknown argument '-place'");
  });
});

describe.skipIf(!tclsh)('IP packaging script (fpga/package_ip.tcl) under tclsh with stubs', () => {
  it.each(['tiny', 'default'])('%s: packages the wrapper with every interface associated with aclk', (name) => {
    const g = name === 'tiny' ? tiny : dflt;
    const nc = g.design.params.channels;
    const run = runTcl(g, 'fpga/package_ip.tcl');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(option(one(run.calls, 'create_project'), '-part')).toBe(ZYNQ_BOARDS.zedboard.part);
    const added = parseTclList(one(run.calls, 'add_files').at(-1)!);
    expect(added).toEqual([...listed(g), 'fpga/sf_axi_ip.v'].map((f) => join(g.dir, f)));
    for (const f of added) expect(existsSync(f), f).toBe(true);
    expect(run.calls).toContainEqual(['set_property', 'top', IP_NAME, '<current_fileset>']);
    const pkg = one(run.calls, 'ipx::package_project');
    expect(option(pkg, '-vendor')).toBe(IP_VENDOR);
    expect(option(pkg, '-library')).toBe(IP_LIBRARY);
    expect(option(pkg, '-root_dir')).toBe(join(run.build, 'ip_repo', IP_NAME));
    expect(pkg).toContain('-import_files');
    expect(run.calls).toContainEqual(['set_property', 'name', IP_NAME, 'core']);
    expect(run.calls).toContainEqual(['set_property', 'version', IP_VERSION, 'core']);
    // The interfaces are those of the wrapper's port names, each associated with the clock.
    const ports = wrapperPortsOf(text(g, 'fpga/sf_axi_ip.v')).map((p) => p.name);
    const fromPorts = [...new Set(ports.filter((p) => /^[sm]_axi_/.test(p)).map((p) => p.replace(/_[a-z]+$/, '')))].sort();
    expect(fromPorts).toEqual([CTRL_INTERFACE, ...Array.from({ length: nc }, (_, c) => memInterfaceName(nc, c))].sort());
    const associated = named(run.calls, 'ipx::associate_bus_interfaces');
    expect(associated.filter((c) => c.includes('-busif')).map((c) => `${option(c, '-busif')}@${option(c, '-clock')}`).sort()).toEqual(fromPorts.map((b) => `${b}@aclk`));
    expect(associated).toContainEqual(['ipx::associate_bus_interfaces', '-clock', 'aclk', '-reset', 'aresetn', 'core']);
    expect(ports).toEqual(expect.arrayContaining(['aclk', 'aresetn', 'interrupt']));
    expect(run.calls).toContainEqual(['set_property', 'value', 'ACTIVE_LOW', 'param:POLARITY@busif:aresetn']);
    expect(run.calls).toContainEqual(['set_property', 'value', 'LEVEL_HIGH', 'param:SENSITIVITY@busif:interrupt']);
    expect(run.calls).toContainEqual(['set_property', 'range', '4096', '<ipx::get_address_blocks>']);
    expect(index(run.calls, 'ipx::save_core')).toBeGreaterThan(index(run.calls, 'ipx::check_integrity'));
  });

  it('stops, naming the interface, when Vivado did not infer one', () => {
    const run = runTcl(dflt, 'fpga/package_ip.tcl', [], { SF_STUB_MISSING_BUSIF: 'm_axi_mem1' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('Vivado did not infer the interface m_axi_mem1');
    expect(named(run.calls, 'ipx::save_core')).toEqual([]);
  });

  it('infers clock, reset and interrupt explicitly when Vivado did not', () => {
    const run = runTcl(tiny, 'fpga/package_ip.tcl', [], { SF_STUB_MISSING_BUSIF: 'interrupt' });
    expect(run.calls).toContainEqual(['ipx::infer_bus_interface', 'interrupt', 'xilinx.com:signal:interrupt_rtl:1.0', 'core']);
  });
});

describe.skipIf(!tclsh)('Zynq-7000 block design script (fpga/zynq_bd.tcl) under tclsh with stubs', () => {
  const vlnv = `${IP_VENDOR}:${IP_LIBRARY}:${IP_NAME}:${IP_VERSION}`;
  const psConfig = (run: StubRun) => {
    const call = run.calls.find((c) => c[0] === 'set_property' && c[1] === '-dict' && c.at(-1) === '<create_bd_cell>' && c[2].includes('PCW_'))!;
    const words = parseTclList(call[2]);
    return Object.fromEntries(Array.from({ length: words.length / 2 }, (_, i) => [words[2 * i], words[2 * i + 1]]));
  };
  const intfNets = (run: StubRun) => named(run.calls, 'connect_bd_intf_net').map((c) => c.slice(1).map((p) => p.replace(/^<get_bd_intf_pins>$/, '?')));

  it('default (2 x 128-bit channels): the IP on GP0 and HP0/HP1 through SmartConnects, interrupt, clock, reset, addresses', () => {
    const run = runTcl(dflt, 'fpga/zynq_bd.tcl', [], { SF_STUB_BOARD_PARTS: 'avnet.com:zedboard:part0:1.4' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // It packaged the IP first (none in the build folder yet), with the board's part.
    expect(option(one(run.calls, 'ipx::package_project'), '-root_dir')).toBe(join(run.build, 'ip_repo', IP_NAME));
    const projects = named(run.calls, 'create_project');
    expect(projects.map((c) => option(c, '-part'))).toEqual(['xc7z020clg484-1', 'xc7z020clg484-1']);
    expect(run.calls).toContainEqual(['set_property', 'board_part', 'avnet.com:zedboard:part0:1.4', '<current_project>']);
    expect(run.calls).toContainEqual(['set_property', 'ip_repo_paths', join(run.build, 'ip_repo'), '<current_project>']);
    // Cells: the PS, the IP by the VLNV package_ip.tcl gives it, a reset, SmartConnects.
    const cells = Object.fromEntries(named(run.calls, 'create_bd_cell').map((c) => [c.at(-1), option(c, '-vlnv')]));
    expect(cells).toEqual({
      ps7: 'xilinx.com:ip:processing_system7:9.9', sf: vlnv, rst_fclk0: 'xilinx.com:ip:proc_sys_reset:9.9',
      ctrl_sc: 'xilinx.com:ip:smartconnect:9.9', mem_sc0: 'xilinx.com:ip:smartconnect:9.9', mem_sc1: 'xilinx.com:ip:smartconnect:9.9',
    });
    // The PS: HP ports at 64 bits (the IP's 128-bit channels are converted by the SmartConnects).
    const ps = psConfig(run);
    expect(ps).toMatchObject({
      'CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ': '100', 'CONFIG.PCW_USE_M_AXI_GP0': '1', 'CONFIG.PCW_USE_S_AXI_HP0': '1', 'CONFIG.PCW_S_AXI_HP0_DATA_WIDTH': '64',
      'CONFIG.PCW_USE_S_AXI_HP1': '1', 'CONFIG.PCW_S_AXI_HP1_DATA_WIDTH': '64', 'CONFIG.PCW_USE_FABRIC_INTERRUPT': '1', 'CONFIG.PCW_IRQ_F2P_INTR': '1',
    });
    expect(ps['CONFIG.PCW_USE_S_AXI_HP2']).toBeUndefined();
    expect(text(dflt, 'fpga/zynq_bd.tcl')).toContain('converts the width (128 to 64 bits');
    // Interface nets: the pin names are the arguments of get_bd_intf_pins, logged before.
    const pins = named(run.calls, 'get_bd_intf_pins').map((c) => c[1]);
    const pairs = Array.from({ length: pins.length / 2 }, (_, i) => `${pins[2 * i]} -> ${pins[2 * i + 1]}`);
    expect(intfNets(run)).toHaveLength(pairs.length);
    expect(pairs).toEqual([
      'ps7/M_AXI_GP0 -> ctrl_sc/S00_AXI', `ctrl_sc/M00_AXI -> sf/${CTRL_INTERFACE}`,
      'sf/m_axi_mem0 -> mem_sc0/S00_AXI', 'sf/m_axi_mem1 -> mem_sc1/S00_AXI',
      'mem_sc0/M00_AXI -> ps7/S_AXI_HP0', 'mem_sc1/M00_AXI -> ps7/S_AXI_HP1',
    ]);
    // The IP's interface names in the design are the wrapper's.
    const wrapperIfs = new Set(wrapperPortsOf(text(dflt, 'fpga/sf_axi_ip.v')).map((p) => p.name.replace(/_[a-z]+$/, '')));
    for (const pin of pins.filter((p) => p.startsWith('sf/'))) expect(wrapperIfs.has(pin.slice(3)), pin).toBe(true);
    // Nets: interrupt, one clock for all, the synchronized reset.
    const pinNames = named(run.calls, 'get_bd_pins').map((c) => c[1]);
    expect(pinNames.slice(0, 2)).toEqual(['sf/interrupt', 'ps7/IRQ_F2P']);
    expect(pinNames).toEqual(expect.arrayContaining(['ps7/FCLK_CLK0', 'ps7/M_AXI_GP0_ACLK', 'ps7/S_AXI_HP0_ACLK', 'ps7/S_AXI_HP1_ACLK', 'sf/aclk', 'ctrl_sc/aclk', 'mem_sc0/aclk', 'mem_sc1/aclk', 'rst_fclk0/slowest_sync_clk',
      'ps7/FCLK_RESET0_N', 'rst_fclk0/ext_reset_in', 'rst_fclk0/peripheral_aresetn', 'sf/aresetn', 'ctrl_sc/aresetn', 'mem_sc0/aresetn', 'mem_sc1/aresetn']));
    const order = ['create_bd_design', 'assign_bd_address', 'validate_bd_design', 'save_bd_design', 'make_wrapper', 'add_files'].map((c) => run.calls.map((x) => x[0]).lastIndexOf(c));
    expect(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1])), order.join(' ')).toBe(true);
    expect(run.calls).toContainEqual(['set_property', 'top', 'sf_zynq_wrapper', '<current_fileset>']);
    expect(named(run.calls, 'launch_runs')).toEqual([]);
  });

  it('tiny (one 32-bit channel): HP0 at 32 bits, the IP packaged already is not packaged again, -bitstream, PYNQ-Z2 without board files', () => {
    const build = join(scratch, 'bd-tiny');
    mkdirSync(join(build, 'ip_repo', IP_NAME), { recursive: true });
    writeFileSync(join(build, 'ip_repo', IP_NAME, 'component.xml'), '');
    const run = runTcl(tiny, 'fpga/zynq_bd.tcl', ['-board', 'pynq-z2', '-bitstream'], {}, build);
    expect(run.status).toBe(0);
    expect(named(run.calls, 'ipx::package_project')).toEqual([]);
    expect(option(one(run.calls, 'create_project'), '-part')).toBe('xc7z020clg400-1');
    expect(run.stdout).toContain('WARNING: zynq_bd.tcl: no board files for pynq-z2');
    expect(run.calls.filter((c) => c[1] === 'board_part')).toEqual([]);
    const ps = psConfig(run);
    expect(ps['CONFIG.PCW_S_AXI_HP0_DATA_WIDTH']).toBe('32');
    expect(ps['CONFIG.PCW_USE_S_AXI_HP1']).toBeUndefined();
    const pins = named(run.calls, 'get_bd_intf_pins').map((c) => c[1]);
    expect(pins).toEqual(expect.arrayContaining(['sf/m_axi_mem', 'mem_sc0/S00_AXI', 'ps7/S_AXI_HP0']));
    expect(one(run.calls, 'launch_runs')).toContain('write_bitstream');
  });

  it('spreads channels over the four HP ports, several on one SmartConnect', () => {
    const g = generate('eight', resolveConfig({ name: 'eight', engines: 2, pe: { tn: 4, tm: 32 }, memory: { channels: 8 } }, 'test config'));
    const run = runTcl(g, 'fpga/zynq_bd.tcl');
    expect(run.status).toBe(0);
    const pins = named(run.calls, 'get_bd_intf_pins').map((c) => c[1]);
    const pairs = Array.from({ length: pins.length / 2 }, (_, i) => `${pins[2 * i]} -> ${pins[2 * i + 1]}`);
    expect(pairs).toEqual(expect.arrayContaining(['sf/m_axi_mem0 -> mem_sc0/S00_AXI', 'sf/m_axi_mem4 -> mem_sc0/S01_AXI', 'sf/m_axi_mem7 -> mem_sc3/S01_AXI', 'mem_sc3/M00_AXI -> ps7/S_AXI_HP3']));
    expect(run.calls).toContainEqual(['set_property', '-dict', 'CONFIG.NUM_SI 2 CONFIG.NUM_MI 1', '<create_bd_cell>']);
    expect(new Set(pins.filter((p) => p.startsWith('sf/m_axi_mem'))).size).toBe(8);
  });

  it('refuses, with the reason, a configuration a Zynq cannot take (micro: 20-bit addresses)', () => {
    const run = runTcl(micro, 'fpga/zynq_bd.tcl');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('zynq_bd.tcl: memory.addressBits is 20');
    expect(run.calls).toEqual([]);
  });

  it('refuses an unknown board, naming the known ones', () => {
    const run = runTcl(tiny, 'fpga/zynq_bd.tcl', ['-board', 'zcu104']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("unknown board 'zcu104' (expected one of pynq-z2 zedboard)");
  });
});

describe.skipIf(!tclsh)('Quartus script (fpga/quartus.tcl) under tclsh with stubs', () => {
  const globals = (run: StubRun) => named(run.calls, 'set_global_assignment').map((c) => [option(c, '-name'), c.at(-1)!] as const);

  it('declares every source as SystemVerilog, the SDC, virtual pins for every port but the clock; synthesis only by default', () => {
    const run = runTcl(tiny, 'fpga/quartus.tcl', [], { SF_STUB_QUARTUS: '1' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(one(run.calls, 'project_new').at(-1)).toBe(join(run.build, 'sf_top'));
    const g = globals(run);
    expect(g.filter(([n]) => n === 'SYSTEMVERILOG_FILE').map(([, v]) => v)).toEqual(listed(tiny).map((f) => join(tiny.dir, f)));
    expect(g.filter(([n]) => n === 'VERILOG_FILE')).toEqual([]);
    expect(g).toContainEqual(['VERILOG_INPUT_VERSION', 'SYSTEMVERILOG_2005']);
    expect(g).toContainEqual(['TOP_LEVEL_ENTITY', 'sf_top']);
    const sdc = g.find(([n]) => n === 'SDC_FILE')![1];
    expect(readFileSync(sdc, 'utf8')).toContain('create_clock -period 10.000 -name clk [get_ports clk_i]');
    const virtual = named(run.calls, 'set_instance_assignment').filter((c) => option(c, '-name') === 'VIRTUAL_PIN').map((c) => option(c, '-to'));
    const glob = (pattern: string, name: string) => new RegExp(`^${pattern.replace(/\*/g, '.*')}$`).test(name);
    const pinned = tiny.design.top.ports.filter((p) => !virtual.some((v) => glob(v, p.name))).map((p) => p.name);
    expect(pinned).toEqual(['clk_i']);
    expect(one(run.calls, 'execute_module')).toEqual(['execute_module', '-tool', 'map']);
    expect(named(run.calls, 'execute_flow')).toEqual([]);
  });

  it('runs the full compile with -fit', () => {
    const run = runTcl(tiny, 'fpga/quartus.tcl', ['-fit'], { SF_STUB_QUARTUS: '1' });
    expect(run.status).toBe(0);
    expect(one(run.calls, 'execute_flow')).toEqual(['execute_flow', '-compile']);
  });
});

describe.skipIf(!tclsh)('every Tcl script refuses the generated folder as its output', () => {
  const scripts = ['vivado.tcl', 'package_ip.tcl', 'zynq_bd.tcl', 'quartus.tcl'];
  /** Runs a script from cwd (its calls logged outside the generated folder). */
  const runFrom = (script: string, cwd: string, args: string[] = []) => {
    const log = join(scratch, `refuse-${++runs}.log`);
    const r = spawnSync('tclsh', [STUB, log, join(tiny.dir, 'fpga', script), ...args], { cwd, encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr, calls: existsSync(log) ? parseTclLog(readFileSync(log, 'utf8')) : [] };
  };

  it.each(scripts)('%s: run from the generated folder, or -out inside it, stops before any vendor command and writes nothing', (script) => {
    const outside = join(scratch, `outside-${script}`);
    mkdirSync(outside, { recursive: true });
    const before = contents(tiny);
    for (const [cwd, args] of [[tiny.dir, []], [join(tiny.dir, 'fpga'), []], [outside, ['-out', join(tiny.dir, 'fpga/out')]], [tiny.dir, ['-out', '.']]] as const) {
      const r = runFrom(script, cwd, [...args]);
      expect(r.status, `${script} from ${cwd} ${args.join(' ')}`).not.toBe(0);
      expect(r.stderr).toContain(`${script}: the output folder ${cwd === outside ? join(tiny.dir, 'fpga/out') : cwd} is the generated folder ${tiny.dir} or inside it`);
      expect(r.stderr).toContain('run from a build folder outside it, or give -out DIR outside it');
      expect(r.calls).toEqual([]);
      expect(contents(tiny)).toEqual(before);
    }
    // From the generated folder with -out elsewhere (a sibling whose name starts with its name), it runs.
    const sibling = `${tiny.dir}-build-${script}`;
    const ok = runFrom(script, tiny.dir, ['-out', sibling]);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.calls.length).toBeGreaterThan(0);
    expect(contents(tiny)).toEqual(before);
  });
});

/** A YAML reader for the subset the core uses: block maps and lists, flow lists and maps of
 * scalars, comments. Enough to check the core's structure; FuseSoC parses it with PyYAML. */
function parseYamlSubset(source: string): unknown {
  const lines = source.split('\n').map((raw) => raw.replace(/\s+#.*$/, '')).filter((l) => l.trim() && !l.trimStart().startsWith('#'));
  let i = 0;
  const indentOf = (l: string) => l.length - l.trimStart().length;
  const scalar = (s: string): unknown => {
    s = s.trim();
    if (s.startsWith('[')) return s.slice(1, -1).split(',').map((x) => x.trim()).filter(Boolean).map(scalar);
    if (s.startsWith('{')) return Object.fromEntries(s.slice(1, -1).split(',').map((kv) => kv.split(':').map((x) => x.trim())).map(([k, v]) => [k, scalar(v)]));
    if (/^-?\d+$/.test(s)) return Number(s);
    if (s === 'true' || s === 'false') return s === 'true';
    return s;
  };
  const block = (indent: number): unknown => {
    if (lines[i].trimStart().startsWith('- ')) {
      const list: unknown[] = [];
      while (i < lines.length && indentOf(lines[i]) === indent && lines[i].trimStart().startsWith('- ')) {
        const item = lines[i++].trim().slice(2);
        const kv = /^([\w.-]+):\s+(\{.*\})$/.exec(item);
        list.push(kv ? { [kv[1]]: scalar(kv[2]) } : scalar(item));
      }
      return list;
    }
    const map: Record<string, unknown> = {};
    while (i < lines.length && indentOf(lines[i]) === indent) {
      const m = /^([\w.-]+):(?:\s+(.*))?$/.exec(lines[i].trim());
      if (!m) throw new Error(`YAML subset: cannot read line "${lines[i]}"`);
      i++;
      if (m[2] !== undefined && m[2] !== '') map[m[1]] = scalar(m[2]);
      else map[m[1]] = i < lines.length && indentOf(lines[i]) > indent ? block(indentOf(lines[i])) : null;
    }
    return map;
  };
  return block(0);
}

describe('FuseSoC core (synergyflow.core)', () => {
  interface Fileset { files: (string | Record<string, { is_include_file?: boolean }>)[]; file_type: string }
  interface Target { filesets: string[]; toplevel: string; default_tool?: string; parameters?: string[]; tools?: Record<string, Record<string, unknown>> }
  interface Core { name: string; filesets: Record<string, Fileset>; parameters: Record<string, { default: number; paramtype: string }>; targets: Record<string, Target> }
  const core = () => {
    const src = text(tiny, 'synergyflow.core');
    expect(src.split('\n')[0]).toBe('CAPI=2:');
    return parseYamlSubset(src.split('\n').slice(1).join('\n')) as Core;
  };
  const fileName = (f: Fileset['files'][number]) => (typeof f === 'string' ? f : Object.keys(f)[0]);

  it('declares the SystemVerilog sources, every file present, and lint, simulation and synthesis targets', () => {
    const c = core();
    expect(c.name).toBe('synergyflow:accelerator:sf_top_tiny:0.1.0');
    expect(c.filesets.rtl.files).toEqual(listed(tiny));
    expect(c.filesets.rtl.file_type).toBe('systemVerilogSource');
    for (const fs of Object.values(c.filesets)) for (const f of fs.files) expect(existsSync(join(tiny.dir, fileName(f))), fileName(f)).toBe(true);
    for (const t of Object.values(c.targets)) for (const fs of t.filesets) expect(c.filesets[fs], fs).toBeDefined();
    expect(Object.keys(c.targets).sort()).toEqual(['default', 'lint', 'sim_icarus', 'sim_verilator', 'synth', 'synth_quartus']);
    expect(c.targets.lint).toMatchObject({ default_tool: 'verilator', toplevel: IP_NAME, tools: { verilator: { mode: 'lint-only' } } });
    expect(c.targets.sim_icarus).toMatchObject({ default_tool: 'icarus', toplevel: 'sf_tb', tools: { icarus: { iverilog_options: ['-g2012'] } } });
    expect(c.targets.sim_verilator).toMatchObject({ default_tool: 'verilator', toplevel: 'sf_tb' });
    expect(c.targets.sim_verilator.tools!.verilator.verilator_options).toEqual(expect.arrayContaining(['--main', '--timing']));
    expect(c.targets.synth).toMatchObject({ default_tool: 'vivado', toplevel: 'sf_top', tools: { vivado: { pnr: 'none' } } });
    expect(c.targets.synth_quartus.filesets).toContain('sdc');
    // The testbench's parameters are the design's.
    const p = tiny.design.params;
    expect(Object.fromEntries(Object.entries(c.parameters).map(([k, v]) => [k, v.default]))).toEqual({ BUS_BITS: p.busBits, IDW: p.idBits, ENGINES: tiny.cfg.engines, CHANNELS: p.channels, ADDR_BITS: p.addrBits });
    for (const v of Object.values(c.parameters)) expect(v.paramtype).toBe('vlogparam');
    expect(c.targets.sim_icarus.parameters!.sort()).toEqual(Object.keys(c.parameters).sort());
  });

  it.skipIf(!has('iverilog'))('runs its sim_icarus target as FuseSoC would: the shipped testbench on the shipped sources, an empty task list to the done interrupt', () => {
    const c = core();
    const t = c.targets.sim_icarus;
    const files = t.filesets.flatMap((fs) => c.filesets[fs].files);
    // From another folder, as FuseSoC builds in its own: includes are found only through -I.
    const sources = (files.filter((f) => typeof f === 'string') as string[]).map((f) => resolve(tiny.dir, f));
    const incdirs = [...new Set(files.filter((f) => typeof f !== 'string' && Object.values(f)[0].is_include_file).map((f) => dirname(resolve(tiny.dir, fileName(f)))))];
    const params = (t.parameters ?? []).map((k) => `-P${t.toplevel}.${k}=${c.parameters[k].default}`);
    const vvp = join(scratch, 'core-sim.vvp');
    const build = spawnSync('iverilog', [...(t.tools!.icarus.iverilog_options as string[]), ...incdirs.map((d) => `-I${d}`), ...params, '-s', t.toplevel, '-o', vvp, ...sources], { cwd: scratch, encoding: 'utf8' });
    expect(build.stderr).toBe('');
    expect(build.status).toBe(0);
    expect(incdirs).toEqual([tiny.dir]);
    const sim = spawnSync('vvp', ['-n', vvp, '+budget=20000'], { cwd: scratch, encoding: 'utf8' });
    expect(sim.status).toBe(0);
    expect(sim.stdout).not.toContain('SF_FATAL');
    expect(sim.stdout).toContain('SF_REG STATUS 2');
    expect(sim.stdout).toContain('SF_REG TASKS_DONE 0');
    expect(sim.stdout).toContain('SF_DONE');
  });
});
