// Project files for continuing in vendor tools, generated with every design: a Vivado
// non-project Tcl script with an XDC clock constraint, a FuseSoC core, and a Quartus Tcl script
// with an SDC constraint. Each names exactly the generated sources.
import type { ResolvedConfig } from '../config/resolve.ts';

export interface VendorFiles {
  [path: string]: string;
}

const DEFAULT_XILINX_PART = 'xc7vx690tffg1761-2';
const DEFAULT_INTEL_FAMILY = 'Cyclone V';
const DEFAULT_INTEL_DEVICE = '5CGXFC7C7F23C8';

export function vendorFiles(cfg: ResolvedConfig, sources: string[], headerLines: string[], version: string): VendorFiles {
  const period = (1000 / cfg.clockMhz).toFixed(3);
  const hash = (prefix: string) => headerLines.map((l) => `${prefix} ${l}`).join('\n');
  const tclList = sources.map((s) => `  [file join $root ${s}]`).join(' \\\n');

  const xdc = `${hash('#')}
# Clock: ${cfg.clockMhz} MHz.
create_clock -period ${period} -name clk [get_ports clk_i]
set_false_path -from [get_ports rst_ni]
`;

  const vivado = `${hash('#')}
# Vivado non-project flow: vivado -mode batch -source fpga/vivado.tcl [-tclargs PART]
set root [file normalize [file join [file dirname [info script]] ..]]
set part [expr {[llength $argv] > 0 ? [lindex $argv 0] : "${DEFAULT_XILINX_PART}"}]
read_verilog -sv [list \\
${tclList}]
read_xdc [file join $root fpga/sf_top.xdc]
synth_design -top sf_top -part $part
opt_design
place_design
route_design
report_utilization -hierarchical -file [file join $root fpga/utilization.rpt]
report_timing_summary -file [file join $root fpga/timing.rpt]
write_checkpoint -force [file join $root fpga/sf_top.dcp]
`;

  const sdc = `${hash('#')}
create_clock -period ${period} -name clk [get_ports clk_i]
set_false_path -from [get_ports rst_ni]
`;

  const quartus = `${hash('#')}
# Quartus flow: quartus_sh -t fpga/quartus.tcl
package require ::quartus::project
package require ::quartus::flow
set root [file normalize [file join [file dirname [info script]] ..]]
project_new -overwrite -revision sf_top [file join $root fpga/sf_top]
set_global_assignment -name FAMILY "${DEFAULT_INTEL_FAMILY}"
set_global_assignment -name DEVICE ${DEFAULT_INTEL_DEVICE}
set_global_assignment -name TOP_LEVEL_ENTITY sf_top
${sources.map((s) => `set_global_assignment -name SYSTEMVERILOG_FILE [file join $root ${s}]`).join('\n')}
set_global_assignment -name SDC_FILE [file join $root fpga/sf_top.sdc]
execute_flow -compile
project_close
`;

  const core = `CAPI=2:
${hash('#')}
name: synergyflow:accelerator:sf_top_${cfg.name}:${version}
description: SynergyFlow accelerator (${cfg.engines} engines, ${cfg.macs} MACs, config hash ${cfg.hash})

filesets:
  rtl:
    files:
${sources.map((s) => `      - ${s}`).join('\n')}
    file_type: systemVerilogSource
  xdc:
    files:
      - fpga/sf_top.xdc
    file_type: xdc

targets:
  default:
    filesets: [rtl]
    toplevel: sf_top
  synth:
    default_tool: vivado
    filesets: [rtl, xdc]
    toplevel: sf_top
    tools:
      vivado:
        part: ${DEFAULT_XILINX_PART}
  lint:
    default_tool: verilator
    filesets: [rtl]
    toplevel: sf_top
    tools:
      verilator:
        mode: lint-only
        verilator_options: [-Wall]
`;

  return {
    'fpga/sf_top.xdc': xdc,
    'fpga/vivado.tcl': vivado,
    'fpga/sf_top.sdc': sdc,
    'fpga/quartus.tcl': quartus,
    'synergyflow.core': core,
  };
}
