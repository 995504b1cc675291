# Runs a generated vendor script (Vivado, Quartus) under plain tclsh, for vendor.test.ts: no
# vendor tool runs in this project. Every command tclsh does not know is a vendor command: it
# is written to LOG as one Tcl list (the command and its arguments) and returns a placeholder.
#
#   tclsh vendor-stub.tcl LOG SCRIPT [ARGS...]
#
# Environment: SF_STUB_BOARD_PARTS, what get_board_parts returns (default: none);
# SF_STUB_MISSING_BUSIF, interfaces ipx::get_bus_interfaces reports missing even after
# ipx::infer_bus_interface; SF_STUB_QUARTUS, when set, ARGS go to quartus(args) as quartus_sh -t
# passes them.
set sf_stub_log [open [lindex $argv 0] w]
set sf_stub_script [lindex $argv 1]
set argv [lrange $argv 2 end]
set argc [llength $argv]
if {[info exists env(SF_STUB_QUARTUS)]} {
  set quartus(args) $argv
  set argv {}
  set argc 0
}
package provide ::quartus::project 1.0
package provide ::quartus::flow 1.0

proc unknown {cmd args} {
  puts $::sf_stub_log [list $cmd {*}$args]
  flush $::sf_stub_log
  switch -exact -- $cmd {
    get_board_parts {
      return [expr {[info exists ::env(SF_STUB_BOARD_PARTS)] ? $::env(SF_STUB_BOARD_PARTS) : ""}]
    }
    get_ipdefs {
      # The catalog has version 9.9 of every Xilinx IP asked for.
      return [string map {* 9.9} [lindex $args end]]
    }
    make_wrapper { return sf_zynq/sf_zynq.gen/sources_1/bd/sf_zynq/hdl/sf_zynq_wrapper.v }
    ipx::current_core { return core }
    ipx::get_bus_interfaces {
      set name [lindex $args 0]
      set missing [expr {[info exists ::env(SF_STUB_MISSING_BUSIF)] ? $::env(SF_STUB_MISSING_BUSIF) : ""}]
      return [expr {$name in $missing ? "" : "busif:$name"}]
    }
    ipx::get_bus_parameters { return "param:[lindex $args 0]@[lindex $args end]" }
    default { return "<$cmd>" }
  }
}

source $sf_stub_script
close $sf_stub_log
