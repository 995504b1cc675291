// Project files for continuing in vendor tools, generated with every design. None of them has
// been run in a vendor tool by this project: generator/emit/vendor.test.ts checks them
// statically (the Tcl under tclsh with every vendor command stubbed and recorded, the wrapper
// with Verilator, the file list and the FuseSoC core's simulation with Icarus).
//
// - fpga/vivado.tcl + fpga/sf_top.xdc: out-of-context synthesis of sf_top (a block for a larger
//   design: its hundreds of port bits have no pins), reports and a checkpoint; -impl adds an
//   out-of-context place and route.
// - fpga/sf_axi_ip.v: a wrapper with the port names Vivado's IP packager infers AXI interfaces,
//   clock, reset and interrupt from; fpga/package_ip.tcl packages it as an IP.
// - fpga/zynq_bd.tcl: an example Zynq-7000 block design around that IP.
// - fpga/quartus.tcl + fpga/sf_top.sdc: Quartus analysis and synthesis (SystemVerilog, virtual
//   pins), -fit for the full compile.
// - synergyflow.core: FuseSoC (CAPI=2) with lint, simulation (the project's testbench, copied to
//   tb/) and synthesis targets.
// - The header of sf_top.f: the exact Icarus and Verilator commands for the file list.
//
// Every path in the scripts is relative to the script's own folder, and every output goes to
// the folder Vivado or Quartus runs in (or -out DIR), never into the generated folder (the Tcl
// scripts refuse it, and a folder inside it, as their output folder), which
// synergyflow owns (see ../output-dir.ts: a file it did not write there blocks regeneration).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HwParams } from '../arch/params.ts';
import type { ResolvedConfig } from '../config/resolve.ts';
import type { ModuleInterface, PortDef } from '../dsl/module.ts';
import { TB_DIR, TB_FILES } from '../tools/sim.ts';

export interface VendorFiles {
  [path: string]: string;
}

export const DEFAULT_XILINX_PART = 'xc7vx690tffg1761-2';
const DEFAULT_INTEL_FAMILY = 'Cyclone V';
const DEFAULT_INTEL_DEVICE = '5CGXFC7C7F23C8';

/** The packaged IP's VLNV (vendor:library:name:version), shared by package_ip.tcl and zynq_bd.tcl. */
export const IP_VENDOR = 'synergyflow.org';
export const IP_LIBRARY = 'accelerator';
export const IP_NAME = 'sf_axi_ip';
export const IP_VERSION = '1.0';

/** Zynq-7000 boards the example block design knows: part and board-part pattern. */
export const ZYNQ_BOARDS: Record<string, { part: string; boardPattern: string }> = {
  zedboard: { part: 'xc7z020clg484-1', boardPattern: '*:zedboard:*' },
  'pynq-z2': { part: 'xc7z020clg400-1', boardPattern: '*:pynq-z2:*' },
};
const DEFAULT_ZYNQ_BOARD = 'zedboard';
/** The Zynq-7000 PS's fabric clocks (FCLK) and AXI_HP ports go up to 250 MHz (DS187, -1 grade: 150 MHz for HP is typical, 250 the limit). */
const ZYNQ_MAX_MHZ = 250;
const ZYNQ_HP_PORTS = 4;
/** SmartConnect takes up to 16 slave interfaces. */
const SMARTCONNECT_MAX_SI = 16;

/** The wrapper's name of an AXI4 memory channel's interface. */
export function memInterfaceName(channels: number, c: number): string {
  return channels === 1 ? 'm_axi_mem' : `m_axi_mem${c}`;
}
export const CTRL_INTERFACE = 's_axi_ctrl';

/** One port of the IP wrapper and what it connects to on sf_top. */
export interface WrapperPort {
  name: string;
  dir: 'input' | 'output';
  width: number;
  /** sf_top's port it carries (a channel's slice of it for the memory channels), or none. */
  topPort?: string;
  channel?: number;
  /** An output the wrapper drives with a constant (AXI4 attributes sf_top does not have). */
  constant?: string;
}

/** AXI4 attributes that Vivado's AXI4 masters carry and sf_top does not: driven as constants. */
const AXI_CONSTANTS: { sig: string; width: number; value: string; why: string }[] = [
  { sig: 'awcache', width: 4, value: "4'b0011", why: 'normal non-cacheable bufferable, what Xilinx DMA masters drive' },
  { sig: 'awprot', width: 3, value: "3'b000", why: 'data, secure, unprivileged' },
  { sig: 'arcache', width: 4, value: "4'b0011", why: 'as awcache' },
  { sig: 'arprot', width: 3, value: "3'b000", why: 'as awprot' },
];

/** The wrapper's ports, mapped from sf_top's (lowRISC names) to Vivado's inference names. */
export function wrapperPorts(top: ModuleInterface, channels: number): WrapperPort[] {
  const head: WrapperPort[] = [];
  const ctrl: WrapperPort[] = [];
  const mem: WrapperPort[][] = Array.from({ length: channels }, () => []);
  const tail: WrapperPort[] = [];
  for (const port of top.ports) {
    const base = { dir: port.dir, topPort: port.name };
    const axil = /^s_axil_([a-z]+)_[io]$/.exec(port.name);
    const axi = /^m_axi_([a-z]+)_[io]$/.exec(port.name);
    if (port.name === 'clk_i') head.push({ ...base, name: 'aclk', width: 1 });
    else if (port.name === 'rst_ni') head.push({ ...base, name: 'aresetn', width: 1 });
    else if (port.name === 'irq_o') tail.push({ ...base, name: 'interrupt', width: 1 });
    else if (axil) ctrl.push({ ...base, name: `${CTRL_INTERFACE}_${axil[1]}`, width: port.width });
    else if (axi) {
      if (port.width % channels !== 0) throw new Error(`sf_top port ${port.name} (${port.width} bits) does not split into ${channels} channels`);
      for (let c = 0; c < channels; c++) mem[c].push({ ...base, name: `${memInterfaceName(channels, c)}_${axi[1]}`, width: port.width / channels, channel: c });
    } else {
      throw new Error(`sf_top port ${port.name} has no name in the IP wrapper (generator/emit/vendor.ts)`);
    }
  }
  for (let c = 0; c < channels; c++) {
    for (const k of AXI_CONSTANTS) mem[c].push({ name: `${memInterfaceName(channels, c)}_${k.sig}`, dir: 'output', width: k.width, constant: k.value });
  }
  return [...head, ...ctrl, ...mem.flat(), ...tail];
}

const range = (width: number) => (width === 1 ? '' : `[${width - 1}:0] `);

function wrapperSource(top: ModuleInterface, p: HwParams, hash: (prefix: string) => string): string {
  const nc = p.channels;
  const ports = wrapperPorts(top, nc);
  const decl = (w: WrapperPort) => `  ${w.dir === 'input' ? 'input ' : 'output'} wire ${range(w.width)}${w.name}`;
  const lines: string[] = [];
  let section = '';
  for (const w of ports) {
    const s = w.name.startsWith('m_axi_mem') ? w.name.replace(/_[a-z]+$/, '') : w.name.startsWith(CTRL_INTERFACE) ? CTRL_INTERFACE : 'misc';
    if (s !== section) {
      section = s;
      if (s === 'misc' && w.name === 'aclk') lines.push('  // Clock and active-low reset (asynchronous assertion) of every interface.');
      else if (s === 'misc' && w.name === 'interrupt') {
        lines.push('  // Level interrupt: a run finished (with CTRL.IRQ_EN), high until STATUS.DONE is cleared.');
        lines.push("  // Vivado's name for it; Verilator would warn that it is a C++ word (SYMRSVDWORD).");
        lines.push('  /* verilator lint_off SYMRSVDWORD */');
      }
      else if (s === CTRL_INTERFACE) lines.push('  // AXI4-Lite control slave: the register map of regmap.md, 12-bit byte addresses (4 KiB).');
      else if (s !== 'misc') {
        const c = ports.find((q) => q.name.startsWith(s + '_'))!.channel ?? 0;
        lines.push(`  // AXI4 memory master, channel ${c} of ${nc}: ${p.busBits}-bit data, ${p.addrBits}-bit addresses, ${p.idBits}-bit IDs.`);
      }
    }
    lines.push(decl(w));
  }
  const portList = lines.map((l, i) => (/^\s*(\/\/|\/\*)/.test(l) || i === lines.length - 1 ? l : l + ',')).join('\n');
  const conns = top.ports.map((tp: PortDef) => {
    const mine = ports.filter((w) => w.topPort === tp.name);
    const expr = mine.length === 1 ? mine[0].name : `{${[...mine].reverse().map((w) => w.name).join(', ')}}`;
    return `    .${tp.name}(${expr})`;
  });
  const consts = [
    '  // AXI4 attributes sf_top does not drive, constant on every channel:',
    ...AXI_CONSTANTS.map((k) => `  //   ${k.sig} ${k.value}: ${k.why}`),
    ...ports.filter((w) => w.constant).map((w) => `  assign ${w.name} = ${w.constant};`),
  ];
  return `${hash('//')}
//
// sf_top with the port names Vivado's IP packager recognizes (fpga/package_ip.tcl): it infers
// the AXI4-Lite slave ${CTRL_INTERFACE}, the AXI4 master${nc > 1 ? 's' : ''} ${Array.from({ length: nc }, (_, c) => memInterfaceName(nc, c)).join(', ')} (one per memory
// channel, unpacked from sf_top's channel-packed ports, channel 0 lowest), the clock aclk, the
// active-low reset aresetn and the level-high interrupt from <interface>_<signal>, aclk, aresetn
// and interrupt. Nothing else changes: plain Verilog-2001 around the SystemVerilog design.
\`default_nettype none

module ${IP_NAME} (
${portList}
  /* verilator lint_on SYMRSVDWORD */
);
${consts.join('\n')}

  sf_top u_top (
${conns.join(',\n')}
  );
endmodule

\`default_nettype wire
`;
}

/** A Tcl command with one argument a line. */
function tclCommand(cmd: string, args: string[]): string {
  return [cmd, ...args.map((a) => `  ${a}`)].join(' \\\n');
}

/** A Tcl list of files, one a line, each relative to the generated folder ($root). */
function tclFiles(files: string[]): string {
  return `[list \\\n${files.map((s) => `  [file join $root ${s}]`).join(' \\\n')} \\\n]`;
}

/** Text as comment lines of at most 100 columns. */
function commentBlock(prefix: string, text: string): string {
  const lines: string[] = [];
  let line = prefix;
  for (const word of text.split(' ')) {
    if (line.length + 1 + word.length > 100 && line !== prefix) {
      lines.push(line);
      line = prefix;
    }
    line += ' ' + word;
  }
  lines.push(line);
  return lines.join('\n');
}

/** Tcl that parses $argv: -flag VALUE options and boolean switches, anything else an error. */
function tclArgs(script: string, opts: { name: string; var: string; value?: boolean; doc: string }[], argv = '$argv'): string {
  const cases = opts.map((o) => (o.value === false ? `    -${o.name} { set ${o.var} 1 }` : `    -${o.name} { incr i; set ${o.var} [lindex ${argv} $i] }`));
  const usage = opts.map((o) => (o.value === false ? `-${o.name}` : `-${o.name} ${o.doc}`)).join(' | ');
  return `for {set i 0} {$i < [llength ${argv}]} {incr i} {
  switch -exact -- [lindex ${argv} $i] {
${cases.join('\n')}
    default { error "${script}: unknown argument '[lindex ${argv} $i]' (expected ${usage})" }
  }
}`;
}

/**
 * Tcl that refuses $out (normalized) when it is the generated folder $root or a folder inside
 * it: synergyflow owns that folder and replaces it as a whole, and a file it did not write there
 * blocks the next generate --out (../output-dir.ts).
 */
function tclOutsideRoot(script: string): string {
  return `set sf_out_parts [file split $out]
set sf_root_parts [file split $root]
if {[lrange $sf_out_parts 0 [llength $sf_root_parts]-1] eq $sf_root_parts} {
  error "${script}: the output folder $out is the generated folder $root or inside it,\\
    which synergyflow replaces as a whole (a file it did not write there blocks regenerating it):\\
    run from a build folder outside it, or give -out DIR outside it"
}`;
}

/** Why the example block design cannot take this configuration, or null. */
export function zynqRefusal(cfg: ResolvedConfig, p: HwParams): string | null {
  if (p.addrBits !== 32) {
    return `memory.addressBits is ${p.addrBits}: the Zynq-7000's AXI_HP ports see DDR as one segment from address 0 (512 MiB on ZedBoard and PYNQ-Z2) that a ${p.addrBits}-bit master cannot address; generate with memory.addressBits 32`;
  }
  if (cfg.clockMhz > ZYNQ_MAX_MHZ) {
    return `clockMhz is ${cfg.clockMhz}: the Zynq-7000's fabric clock and AXI_HP ports go up to ${ZYNQ_MAX_MHZ} MHz`;
  }
  if (p.channels > ZYNQ_HP_PORTS * SMARTCONNECT_MAX_SI) {
    return `memory.channels is ${p.channels}: at most ${ZYNQ_HP_PORTS * SMARTCONNECT_MAX_SI} fit the ${ZYNQ_HP_PORTS} AXI_HP ports`;
  }
  return null;
}

/** The AXI_HP port (0..3) each memory channel goes to. */
export function hpPortOf(channel: number): number {
  return channel % ZYNQ_HP_PORTS;
}

export function vendorFiles(cfg: ResolvedConfig, p: HwParams, top: ModuleInterface, sources: string[], headerLines: string[], version: string): VendorFiles {
  const period = (1000 / cfg.clockMhz).toFixed(3);
  const hash = (prefix: string) => headerLines.map((l) => `${prefix} ${l}`).join('\n');
  const nc = p.channels;
  const wrapper = `fpga/${IP_NAME}.v`;
  const here = `set root [file dirname [file dirname [file normalize [info script]]]]`;
  const vlnv = `${IP_VENDOR}:${IP_LIBRARY}:${IP_NAME}:${IP_VERSION}`;

  const xdc = `${hash('#')}
# sf_top out of context (fpga/vivado.tcl reads this with -mode out_of_context): the clock at
# clockMhz = ${cfg.clockMhz} MHz, and the asynchronous reset is not a timed path.
create_clock -period ${period} -name clk [get_ports clk_i]
set_false_path -from [get_ports rst_ni]
`;

  const vivado = `${hash('#')}
#
# Vivado non-project flow: out-of-context synthesis of sf_top, with utilization and timing
# reports and a checkpoint. sf_top is a block for a larger design (fpga/package_ip.tcl makes it
# an IP for a block design): its ${top.ports.reduce((n, q) => n + q.width, 0)} port bits have no pins, so it is synthesized out
# of context (no I/O buffers, ports left unplaced) instead of placed and routed as a chip top.
#
#   cd BUILD_DIR && vivado -mode batch -source GEN_DIR/fpga/vivado.tcl \\
#       [-tclargs [-part PART] [-impl] [-out DIR]]
#
# -part: default ${DEFAULT_XILINX_PART}. -impl: also place and route out of context (opt_design,
# place_design, route_design), for the block's own timing and utilization; the ports stay
# unplaced. -out: where reports and checkpoints go (default: the current folder; never GEN_DIR or
# a folder inside it, which synergyflow replaces as a whole: refused).
${here}
set part ${DEFAULT_XILINX_PART}
set impl 0
set out [pwd]
${tclArgs('vivado.tcl', [
  { name: 'part', var: 'part', doc: 'PART' },
  { name: 'impl', var: 'impl', value: false, doc: '' },
  { name: 'out', var: 'out', doc: 'DIR' },
])}
set out [file normalize $out]
${tclOutsideRoot('vivado.tcl')}
file mkdir $out

read_verilog -sv ${tclFiles(sources)}
read_xdc -mode out_of_context [file join $root fpga/sf_top.xdc]
synth_design -top sf_top -part $part -mode out_of_context
report_utilization -hierarchical -file [file join $out sf_top_synth_utilization.rpt]
report_timing_summary -file [file join $out sf_top_synth_timing.rpt]
write_checkpoint -force [file join $out sf_top_synth.dcp]

if {$impl} {
  opt_design
  place_design
  route_design
  report_utilization -hierarchical -file [file join $out sf_top_impl_utilization.rpt]
  report_timing_summary -file [file join $out sf_top_impl_timing.rpt]
  write_checkpoint -force [file join $out sf_top_impl.dcp]
}
`;

  const memIfs = Array.from({ length: nc }, (_, c) => memInterfaceName(nc, c));
  const busIfs = [CTRL_INTERFACE, ...memIfs];
  const packageIp = `${hash('#')}
#
${commentBlock('#', `Packages the accelerator as a Vivado IP for block designs (fpga/zynq_bd.tcl is an example): ${vlnv}, fpga/${IP_NAME}.v around sf_top. Vivado's packager infers the interfaces from the wrapper's port names; this script checks that it did, associates clock, reset and interrupt, and saves the IP under OUT/ip_repo/${IP_NAME}.`)}
#
#   cd BUILD_DIR && vivado -mode batch -source GEN_DIR/fpga/package_ip.tcl \\
#       [-tclargs [-part PART] [-out DIR]]
#
# -part: the packaging project's part (default ${ZYNQ_BOARDS[DEFAULT_ZYNQ_BOARD].part}; the IP declares the 7-series and
# UltraScale families). -out: where the IP repository and the packaging project go (default: the
# current folder; never GEN_DIR or a folder inside it, which synergyflow replaces as a whole:
# refused). Add OUT/ip_repo to a project's IP repositories to use the IP.
${here}
set part ${ZYNQ_BOARDS[DEFAULT_ZYNQ_BOARD].part}
set out [pwd]
${tclArgs('package_ip.tcl', [
  { name: 'part', var: 'part', doc: 'PART' },
  { name: 'out', var: 'out', doc: 'DIR' },
])}
set out [file normalize $out]
${tclOutsideRoot('package_ip.tcl')}
set ip_dir [file join $out ip_repo ${IP_NAME}]
file mkdir $ip_dir

create_project -force ${IP_NAME}_package [file join $out ${IP_NAME}_package] -part $part
add_files -norecurse ${tclFiles([...sources, wrapper])}
set_property file_type SystemVerilog [get_files *.sv]
set_property top ${IP_NAME} [current_fileset]
update_compile_order -fileset sources_1

# -import_files copies the sources into the IP, so that it does not depend on this folder.
ipx::package_project -root_dir $ip_dir -vendor ${IP_VENDOR} -library ${IP_LIBRARY} \\
  -taxonomy /UserIP -import_files -set_current true -force
set core [ipx::current_core]
set_property name ${IP_NAME} $core
set_property version ${IP_VERSION} $core
set_property display_name {SynergyFlow accelerator (${cfg.name})} $core
set_property description [join {
  {SynergyFlow elastic DNN accelerator, ${cfg.engines} engines, ${cfg.macs} MACs, config hash ${cfg.hash}:}
  {AXI4-Lite registers (regmap.md), ${nc} AXI4 memory master${nc > 1 ? 's' : ''}, a level interrupt when a run finishes.}
  {Generated by synergyflow ${version}.}
}] $core
set_property supported_families {
  zynq Production artix7 Production kintex7 Production virtex7 Production
  zynquplus Production kintexu Production virtexu Production
} $core

# Vivado infers clock, reset and interrupt from the port names aclk, aresetn and interrupt; if
# this version did not, infer them explicitly.
foreach {busif abstraction} {
  aclk xilinx.com:signal:clock_rtl:1.0
  aresetn xilinx.com:signal:reset_rtl:1.0
  interrupt xilinx.com:signal:interrupt_rtl:1.0
} {
  if {[llength [ipx::get_bus_interfaces $busif -of_objects $core]] == 0} {
    ipx::infer_bus_interface $busif $abstraction $core
  }
}
# The interfaces Vivado must have inferred from the wrapper's port names: stop here, naming the
# missing one, rather than produce an IP the block design cannot connect.
foreach busif {${[...busIfs, 'aclk', 'aresetn', 'interrupt'].join(' ')}} {
  if {[llength [ipx::get_bus_interfaces $busif -of_objects $core]] == 0} {
    error "package_ip.tcl: Vivado did not infer the interface $busif\
      from fpga/${IP_NAME}.v's port names"
  }
}

proc sf_bus_parameter {core busif name value} {
  set intf [ipx::get_bus_interfaces $busif -of_objects $core]
  set param [ipx::get_bus_parameters $name -of_objects $intf]
  if {[llength $param] == 0} { set param [ipx::add_bus_parameter $name $intf] }
  set_property value $value $param
}
# Every interface is synchronous to aclk; aresetn is active low (sf_top's rst_ni, asynchronous
# assertion); interrupt is a level, high until STATUS.DONE is cleared (regmap.md).
${busIfs.map((b) => `ipx::associate_bus_interfaces -busif ${b} -clock aclk $core`).join('\n')}
ipx::associate_bus_interfaces -clock aclk -reset aresetn $core
sf_bus_parameter $core aresetn POLARITY ACTIVE_LOW
sf_bus_parameter $core interrupt SENSITIVITY LEVEL_HIGH

# The registers: one 4 KiB block on ${CTRL_INTERFACE} (its 12-bit addresses).
set mmap [ipx::get_memory_maps ${CTRL_INTERFACE} -of_objects $core]
if {[llength $mmap] == 0} {
  set mmap [ipx::add_memory_map ${CTRL_INTERFACE} $core]
  set_property slave_memory_map_ref ${CTRL_INTERFACE} \\
    [ipx::get_bus_interfaces ${CTRL_INTERFACE} -of_objects $core]
}
set block [ipx::get_address_blocks -of_objects $mmap]
if {[llength $block] == 0} { set block [ipx::add_address_block regs $mmap] }
set_property range 4096 $block
set_property width 32 $block
set_property usage register $block

set_property core_revision 1 $core
ipx::create_xgui_files $core
ipx::update_checksums $core
ipx::check_integrity $core
ipx::save_core $core
close_project
`;

  const refusal = zynqRefusal(cfg, p);
  const hpUsed = [...new Set(Array.from({ length: nc }, (_, c) => hpPortOf(c)))].sort();
  const hpWidth = p.busBits >= 64 ? 64 : 32;
  const zynqBoards = Object.entries(ZYNQ_BOARDS).map(([b, v]) => `  ${b} {${v.part} ${v.boardPattern}}`).join('\n');
  const zynqBd = refusal
    ? `${hash('#')}
#
# Example Zynq-7000 block design: not available for this configuration (see the error).
error "zynq_bd.tcl: ${refusal}"
`
    : `${hash('#')}
#
# Example Zynq-7000 block design with the accelerator IP (fpga/package_ip.tcl, run first if
# OUT/ip_repo has no ${IP_NAME}): the PS's M_AXI_GP0 drives the IP's registers through a
# SmartConnect, the IP's AXI4 memory master${nc > 1 ? 's reach' : ' reaches'} DDR through ${hpUsed.map((k) => `S_AXI_HP${k}`).join(', ')}, its
# interrupt goes to IRQ_F2P, and FCLK_CLK0 at ${cfg.clockMhz} MHz with a proc_sys_reset clocks and resets
# everything. Then addresses are assigned, the design validated and its HDL wrapper made top.
#
#   cd BUILD_DIR && vivado -mode batch -source GEN_DIR/fpga/zynq_bd.tcl \\
#       [-tclargs [-board ${Object.keys(ZYNQ_BOARDS).join('|')}] [-out DIR] [-bitstream]]
#
# -board: default ${DEFAULT_ZYNQ_BOARD} (its board files come with Vivado; PYNQ-Z2's must be
# installed, else the part alone is used and the PS's DDR and MIO settings are left for you).
# -out: where the project sf_zynq and the IP repository go (default: the current folder; never
# GEN_DIR or a folder inside it, which synergyflow replaces as a whole: refused).
# -bitstream: also run synthesis and implementation to a bitstream.
#
${commentBlock('#', `Widths: the IP's memory data is ${p.busBits} bits a channel and the AXI_HP ports take 32 or 64 bits, so the ports are set to ${hpWidth} bits and each SmartConnect converts ${p.busBits === hpWidth ? "the protocol (AXI4 to the ports' AXI3: bursts, IDs)" : `the width (${p.busBits} to ${hpWidth} bits${p.busBits > hpWidth ? `: a channel moves at most ${hpWidth} bits a cycle, not ${p.busBits}` : ''}) and the protocol (AXI4 to the ports' AXI3: bursts, IDs)`}. ${nc} memory channel${nc > 1 ? 's' : ''} on ${hpUsed.length} HP port${hpUsed.length > 1 ? 's' : ''}${nc > ZYNQ_HP_PORTS ? ` (channel c on S_AXI_HP(c mod ${ZYNQ_HP_PORTS}))` : ''}. Addresses are ${p.addrBits}-bit, as the PS's.`)}
${here}
set board ${DEFAULT_ZYNQ_BOARD}
set out [pwd]
set bitstream 0
${tclArgs('zynq_bd.tcl', [
  { name: 'board', var: 'board', doc: `${Object.keys(ZYNQ_BOARDS).join('|')}` },
  { name: 'out', var: 'out', doc: 'DIR' },
  { name: 'bitstream', var: 'bitstream', value: false, doc: '' },
])}
set out [file normalize $out]
${tclOutsideRoot('zynq_bd.tcl')}
array set boards {
${zynqBoards}
}
if {![info exists boards($board)]} {
  error "zynq_bd.tcl: unknown board '$board' (expected one of [lsort [array names boards]])"
}
lassign $boards($board) part board_pattern

if {![file exists [file join $out ip_repo ${IP_NAME} component.xml]]} {
  set argv [list -part $part -out $out]
  source [file join $root fpga/package_ip.tcl]
}

# The newest version of a Xilinx IP in this Vivado's catalog.
proc sf_vlnv {name} {
  set defs [lsort [get_ipdefs -all xilinx.com:ip:$name:*]]
  if {[llength $defs] == 0} { error "zynq_bd.tcl: IP xilinx.com:ip:$name not in the catalog" }
  return [lindex $defs end]
}

create_project -force sf_zynq [file join $out sf_zynq] -part $part
set board_part [lindex [lsort [get_board_parts -quiet -latest_file_version $board_pattern]] end]
if {$board_part ne ""} {
  set_property board_part $board_part [current_project]
} else {
  puts "WARNING: zynq_bd.tcl: no board files for $board ($board_pattern): using the part $part alone; set the PS's DDR and MIO for your board"
}
set_property ip_repo_paths [file join $out ip_repo] [current_project]
update_ip_catalog

create_bd_design sf_zynq
set ps [create_bd_cell -type ip -vlnv [sf_vlnv processing_system7] ps7]
apply_bd_automation -rule xilinx.com:bd_rule:processing_system7 \\
  -config [list make_external {FIXED_IO, DDR} apply_board_preset [expr {$board_part ne "" ? 1 : 0}] Master Disable Slave Disable] $ps
set_property -dict ${tclCommand('[list', [
  `CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ ${cfg.clockMhz}`,
  'CONFIG.PCW_USE_M_AXI_GP0 1',
  ...hpUsed.flatMap((k) => [`CONFIG.PCW_USE_S_AXI_HP${k} 1`, `CONFIG.PCW_S_AXI_HP${k}_DATA_WIDTH ${hpWidth}`]),
  'CONFIG.PCW_USE_FABRIC_INTERRUPT 1',
  'CONFIG.PCW_IRQ_F2P_INTR 1',
])}] $ps

set sf [create_bd_cell -type ip -vlnv ${vlnv} sf]
set rst [create_bd_cell -type ip -vlnv [sf_vlnv proc_sys_reset] rst_fclk0]
set ctrl_sc [create_bd_cell -type ip -vlnv [sf_vlnv smartconnect] ctrl_sc]
set_property -dict [list CONFIG.NUM_SI 1 CONFIG.NUM_MI 1] $ctrl_sc
${hpUsed.map((k) => {
  const chans = Array.from({ length: nc }, (_, c) => c).filter((c) => hpPortOf(c) === k);
  return `set mem_sc${k} [create_bd_cell -type ip -vlnv [sf_vlnv smartconnect] mem_sc${k}]
set_property -dict [list CONFIG.NUM_SI ${chans.length} CONFIG.NUM_MI 1] $mem_sc${k}`;
}).join('\n')}

# Control: PS M_AXI_GP0 -> SmartConnect -> the IP's registers.
connect_bd_intf_net [get_bd_intf_pins ps7/M_AXI_GP0] [get_bd_intf_pins ctrl_sc/S00_AXI]
connect_bd_intf_net [get_bd_intf_pins ctrl_sc/M00_AXI] [get_bd_intf_pins sf/${CTRL_INTERFACE}]
# Memory: each channel -> its HP port's SmartConnect -> S_AXI_HPk -> DDR.
${Array.from({ length: nc }, (_, c) => {
  const k = hpPortOf(c);
  const si = Array.from({ length: c }, (_, d) => d).filter((d) => hpPortOf(d) === k).length;
  return `connect_bd_intf_net [get_bd_intf_pins sf/${memInterfaceName(nc, c)}] [get_bd_intf_pins mem_sc${k}/S${String(si).padStart(2, '0')}_AXI]`;
}).join('\n')}
${hpUsed.map((k) => `connect_bd_intf_net [get_bd_intf_pins mem_sc${k}/M00_AXI] [get_bd_intf_pins ps7/S_AXI_HP${k}]`).join('\n')}
# Interrupt: the IP's level interrupt on the PS's first fabric interrupt.
connect_bd_net [get_bd_pins sf/interrupt] [get_bd_pins ps7/IRQ_F2P]
# One clock, FCLK_CLK0, for the IP, the SmartConnects and the PS's AXI ports.
${tclCommand('connect_bd_net', [
  'ps7/FCLK_CLK0', 'ps7/M_AXI_GP0_ACLK', ...hpUsed.map((k) => `ps7/S_AXI_HP${k}_ACLK`), 'rst_fclk0/slowest_sync_clk', 'sf/aclk', 'ctrl_sc/aclk', ...hpUsed.map((k) => `mem_sc${k}/aclk`),
].map((pin) => `[get_bd_pins ${pin}]`))}

# Reset: the PS's FCLK_RESET0_N, synchronized by proc_sys_reset, active low.
connect_bd_net [get_bd_pins ps7/FCLK_RESET0_N] [get_bd_pins rst_fclk0/ext_reset_in]
${tclCommand('connect_bd_net', ['rst_fclk0/peripheral_aresetn', 'sf/aresetn', 'ctrl_sc/aresetn', ...hpUsed.map((k) => `mem_sc${k}/aresetn`)].map((pin) => `[get_bd_pins ${pin}]`))}

# The registers get 4 KiB in GP0's range (0x4000_0000 up: the Address Editor shows where; the
# host driver needs it), the memory masters the whole DDR.
assign_bd_address
validate_bd_design
save_bd_design
set bd_wrapper [make_wrapper -files [get_files sf_zynq.bd] -top]
add_files -norecurse $bd_wrapper
set_property top sf_zynq_wrapper [current_fileset]
update_compile_order -fileset sources_1

if {$bitstream} {
  launch_runs impl_1 -to_step write_bitstream -jobs 2
  wait_on_run impl_1
}
`;

  const sdc = `${hash('#')}
# sf_top's clock at clockMhz = ${cfg.clockMhz} MHz; the asynchronous reset is not a timed path.
create_clock -period ${period} -name clk [get_ports clk_i]
set_false_path -from [get_ports rst_ni]
`;

  const virtualPins = ['rst_ni', 's_axil_*', 'm_axi_*', 'irq_o'];
  const quartus = `${hash('#')}
#
# Quartus project for sf_top: analysis and synthesis by default, the full compile with -fit.
# sf_top is a block for a larger design: every port but the clock is a virtual pin (its
# ${top.ports.reduce((n, q) => n + q.width, 0)} port bits would not fit a package), so the fitter places the logic without pins.
#
#   cd BUILD_DIR && quartus_sh -t GEN_DIR/fpga/quartus.tcl [-fit] [-out DIR]
#
# -out: where the project goes (default: the current folder; never GEN_DIR or a folder inside it,
# which synergyflow replaces as a whole: refused).
package require ::quartus::project
package require ::quartus::flow
${here}
set fit 0
set out [pwd]
# quartus_sh -t passes the script's arguments in quartus(args).
set sf_args [expr {[info exists quartus(args)] ? $quartus(args) : $argv}]
${tclArgs('quartus.tcl', [
  { name: 'fit', var: 'fit', value: false, doc: '' },
  { name: 'out', var: 'out', doc: 'DIR' },
], '$sf_args')}
set out [file normalize $out]
${tclOutsideRoot('quartus.tcl')}
file mkdir $out

project_new -overwrite -revision sf_top [file join $out sf_top]
set_global_assignment -name FAMILY "${DEFAULT_INTEL_FAMILY}"
set_global_assignment -name DEVICE ${DEFAULT_INTEL_DEVICE}
set_global_assignment -name TOP_LEVEL_ENTITY sf_top
# The sources are SystemVerilog (SYSTEMVERILOG_FILE), written in the IEEE 1800-2005 subset
# (always_ff, logic, size casts) that Quartus Standard and Lite read.
set_global_assignment -name VERILOG_INPUT_VERSION SYSTEMVERILOG_2005
${sources.map((s) => `set_global_assignment -name SYSTEMVERILOG_FILE [file join $root ${s}]`).join('\n')}
set_global_assignment -name SDC_FILE [file join $root fpga/sf_top.sdc]
${virtualPins.map((v) => `set_instance_assignment -name VIRTUAL_PIN ON -to ${v}`).join('\n')}
if {$fit} {
  execute_flow -compile
} else {
  execute_module -tool map
}
project_close
`;

  // FuseSoC: the testbench is the project's (tb/, copied next to the sources), with the design's
  // parameters; without +image it runs an all-zero memory, an empty task list.
  const tbParams: [string, number, string][] = [
    ['BUS_BITS', p.busBits, 'memory data bits a channel'],
    ['IDW', p.idBits, 'AXI ID bits'],
    ['ENGINES', cfg.engines, 'engines'],
    ['CHANNELS', nc, 'memory channels'],
    ['ADDR_BITS', p.addrBits, 'memory address bits'],
  ];
  const core = `CAPI=2:
${hash('#')}
name: synergyflow:accelerator:sf_top_${cfg.name}:${version}
description: SynergyFlow accelerator (${cfg.engines} engines, ${cfg.macs} MACs, config hash ${cfg.hash})

filesets:
  rtl:
    files:
${sources.map((s) => `      - ${s}`).join('\n')}
    file_type: systemVerilogSource
  ip_wrapper:
    files:
      - ${wrapper}
    file_type: verilogSource
  regs_include:
    files:
      - sf_regs.vh: {is_include_file: true}
    file_type: verilogSource
  tb:
    files:
${TB_FILES.map((f) => `      - tb/${f}`).join('\n')}
    file_type: systemVerilogSource
  xdc:
    files:
      - fpga/sf_top.xdc
    file_type: xdc
  sdc:
    files:
      - fpga/sf_top.sdc
    file_type: SDC

parameters:
${tbParams.map(([n, v, d]) => `  ${n}:\n    datatype: int\n    default: ${v}\n    description: ${d}\n    paramtype: vlogparam`).join('\n')}

targets:
  default:
    filesets: [rtl]
    toplevel: sf_top
  lint:
    description: verilator --lint-only -Wall on sf_top and the IP wrapper
    default_tool: verilator
    filesets: [rtl, ip_wrapper]
    toplevel: ${IP_NAME}
    tools:
      verilator:
        mode: lint-only
        verilator_options: [-Wall]
  # The simulation targets run the project's testbench (tb/sf_tb.v: host driver, AXI4 memory
  # model, protocol monitors). Without +image=FILE the memory is all zeros: the run checks
  # reset, the register block's magic, one task-list fetch over AXI4 and the done interrupt
  # (STATUS 2, no task), and prints the counters (SF_ lines). Workloads need a compiled memory
  # image and the plusargs 'synergyflow run' passes (see tb/sf_tb.v's header).
  sim_icarus:
    description: the testbench on Icarus Verilog (an empty task list without +image)
    default_tool: icarus
    filesets: [rtl, regs_include, tb]
    toplevel: sf_tb
    parameters: [${tbParams.map(([n]) => n).join(', ')}]
    tools:
      icarus:
        iverilog_options: [-g2012]
  sim_verilator:
    description: the testbench on Verilator 5 (an empty task list without +image)
    default_tool: verilator
    filesets: [rtl, regs_include, tb]
    toplevel: sf_tb
    parameters: [${tbParams.map(([n]) => n).join(', ')}]
    tools:
      verilator:
        mode: cc
        verilator_options: [--main, --timing, -Wno-fatal, -Wno-lint, -Wno-style, -Wno-TIMESCALEMOD]
  synth:
    description: Vivado synthesis only (pnr none) of sf_top
    default_tool: vivado
    filesets: [rtl, xdc]
    toplevel: sf_top
    tools:
      vivado:
        part: ${DEFAULT_XILINX_PART}
        pnr: none
  synth_quartus:
    description: Quartus compile of sf_top
    default_tool: quartus
    filesets: [rtl, sdc]
    toplevel: sf_top
    tools:
      quartus:
        family: ${DEFAULT_INTEL_FAMILY}
        device: ${DEFAULT_INTEL_DEVICE}
`;

  const files: VendorFiles = {
    'fpga/sf_top.xdc': xdc,
    'fpga/vivado.tcl': vivado,
    [wrapper]: wrapperSource(top, p, hash),
    'fpga/package_ip.tcl': packageIp,
    'fpga/zynq_bd.tcl': zynqBd,
    'fpga/sf_top.sdc': sdc,
    'fpga/quartus.tcl': quartus,
    'synergyflow.core': core,
  };
  // The project's testbench, for the FuseSoC simulation targets.
  for (const f of TB_FILES) {
    files[`tb/${f}`] = `// Copied by synergyflow ${version} from the project's tb/${f} for synergyflow.core's simulation targets.\n${readFileSync(join(TB_DIR, f), 'utf8')}`;
  }
  return files;
}

/** The file list's header: the exact commands (Icarus Verilog 11 takes no -g option in a
 * command file, so -g2012 goes on its command line). Both tools read // comments there. */
export function fileListHeader(headerLines: string[]): string {
  return `${headerLines.map((l) => `// ${l}`).join('\n')}
// The accelerator's sources, children first; paths are relative to this folder (run from here,
// writing nothing here: synergyflow replaces this folder as a whole, and a file it did not write
// blocks regenerating it):
//   iverilog -g2012 -c sf_top.f -s sf_top -o ../sf_top.vvp
//   verilator --lint-only -Wall -f sf_top.f --top-module sf_top
`;
}
