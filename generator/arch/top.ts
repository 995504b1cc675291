// The accelerator top level, built with the elaboration DSL: register block, controller,
// engines, and the arbiters that put the internal masters onto the AXI4 memory port.
import { ModuleBuilder, and, bit, cat, lit, ref, slice, type Expr, type ModuleInterface, type StructuralModule } from '../dsl/module.ts';
import { depControllerPort, depCountersPort, depLink } from '../blocks/dep-counters/block.ts';
import type { BundleSignal } from '../dsl/bundle.ts';
import { axiRead, axiWrite } from './leaves.ts';
import type { HwParams } from './params.ts';
import { POLICY_BITS } from './policies.ts';
import { TRACE_FIELDS, traceSignalName, traceUnitPort } from './trace-record.ts';

type Leaves = Record<string, ModuleInterface>;


export function buildTop(p: HwParams, engines: number, leaves: Leaves): StructuralModule {
  const top = new ModuleBuilder('sf_top', 'SynergyFlow accelerator: AXI4-Lite control slave, AXI4 memory master.');

  top.input('clk_i', 1, 'clock');
  top.input('rst_ni', 1, 'asynchronous reset, active low');
  // AXI4-Lite control slave.
  const axil = {
    awaddr: top.input('s_axil_awaddr_i', 12),
    awvalid: top.input('s_axil_awvalid_i'),
    awready: top.output('s_axil_awready_o'),
    wdata: top.input('s_axil_wdata_i', 32),
    wstrb: top.input('s_axil_wstrb_i', 4),
    wvalid: top.input('s_axil_wvalid_i'),
    wready: top.output('s_axil_wready_o'),
    bresp: top.output('s_axil_bresp_o', 2),
    bvalid: top.output('s_axil_bvalid_o'),
    bready: top.input('s_axil_bready_i'),
    araddr: top.input('s_axil_araddr_i', 12),
    arvalid: top.input('s_axil_arvalid_i'),
    arready: top.output('s_axil_arready_o'),
    rdata: top.output('s_axil_rdata_o', 32),
    rresp: top.output('s_axil_rresp_o', 2),
    rvalid: top.output('s_axil_rvalid_o'),
    rready: top.input('s_axil_rready_i'),
  };
  // AXI4 memory masters: NC channels, each signal packed channel by channel (channel 0 lowest).
  const nc = p.channels;
  const ne = engines;
  const m = {
    araddr: top.output('m_axi_araddr_o', nc * p.addrBits),
    arlen: top.output('m_axi_arlen_o', nc * 8),
    arsize: top.output('m_axi_arsize_o', nc * 3),
    arburst: top.output('m_axi_arburst_o', nc * 2),
    arid: top.output('m_axi_arid_o', nc * p.idBits),
    arvalid: top.output('m_axi_arvalid_o', nc),
    arready: top.input('m_axi_arready_i', nc),
    rdata: top.input('m_axi_rdata_i', nc * p.busBits),
    rresp: top.input('m_axi_rresp_i', nc * 2),
    rlast: top.input('m_axi_rlast_i', nc),
    rid: top.input('m_axi_rid_i', nc * p.idBits),
    rvalid: top.input('m_axi_rvalid_i', nc),
    rready: top.output('m_axi_rready_o', nc),
    awaddr: top.output('m_axi_awaddr_o', nc * p.addrBits),
    awlen: top.output('m_axi_awlen_o', nc * 8),
    awsize: top.output('m_axi_awsize_o', nc * 3),
    awburst: top.output('m_axi_awburst_o', nc * 2),
    awid: top.output('m_axi_awid_o', nc * p.idBits),
    awvalid: top.output('m_axi_awvalid_o', nc),
    awready: top.input('m_axi_awready_i', nc),
    wdata: top.output('m_axi_wdata_o', nc * p.busBits),
    wstrb: top.output('m_axi_wstrb_o', nc * p.busBytes),
    wlast: top.output('m_axi_wlast_o', nc),
    wvalid: top.output('m_axi_wvalid_o', nc),
    wready: top.input('m_axi_wready_i', nc),
    bresp: top.input('m_axi_bresp_i', nc * 2),
    bid: top.input('m_axi_bid_i', nc * p.idBits),
    bvalid: top.input('m_axi_bvalid_i', nc),
    bready: top.output('m_axi_bready_o', nc),
  };
  const irq = top.output('irq_o', 1, 'run finished (when CTRL.IRQ_EN is set)');

  // Fixed burst attributes on every channel: full-width INCR bursts, all byte lanes written.
  const repeat = (value: bigint, width: number, times: number) => {
    let v = 0n;
    for (let i = 0; i < times; i++) v = (v << BigInt(width)) | value;
    return lit(v, width * times);
  };
  top.assign(m.arsize, repeat(BigInt(p.logBusBytes), 3, nc));
  top.assign(m.arburst, repeat(1n, 2, nc));
  top.assign(m.awsize, repeat(BigInt(p.logBusBytes), 3, nc));
  top.assign(m.awburst, repeat(1n, 2, nc));
  top.assign(m.wstrb, repeat((1n << BigInt(p.busBytes)) - 1n, p.busBytes, nc));

  // Memory requesters: read requester 0 is the controller and 1 + e * P + c engine e's load
  // port c; write requester 0 is the controller and 1 + e engine e.
  const np = p.loadPorts;
  const nrr = p.readRequesters;
  const nwr = p.writeRequesters;
  const rd = axiRead(p);
  const wr = axiWrite(p);
  const rqWire = (sig: BundleSignal) => `rq_${sig.name}`;
  for (const sig of rd.signals) top.wire(rqWire(sig), nrr * sig.width);
  for (const sig of wr.signals) top.wire(rqWire(sig), nwr * sig.width);
  /** Read requesters first .. first + n - 1, as one requester's packed ports. */
  const readRequesterPorts = (first: number, n: number): Record<string, Expr> => rd.elements('master', rqWire, first, n);
  const writeRequesterPorts = (i: number): Record<string, Expr> => wr.elements('master', rqWire, i);

  const clk = ref('clk_i');
  const rstN = ref('rst_ni');
  const start = top.wire('start', 1, 'pulse: CTRL.START written while idle');
  const policy = top.wire('policy', POLICY_BITS);
  const staticLog = top.wire('static_log', 3);
  const taskBase = top.wire('task_base', p.addrBits);
  const traceBase = top.wire('trace_base', p.addrBits);
  const cycle = top.wire('cycle', 32);
  const busy = top.wire('busy');
  const errorCode = top.wire('error_code', 8);
  const tasksDone = top.wire('tasks_done', 32);
  // The controller's link to its dependency counters: one wire per signal.
  for (const l of depLink(p)) top.wire(`dep_${l.name}`, l.width, l.doc);
  if (p.trace) {
    top.wire('trace_push', 1, 'a task completed: its record goes to the trace unit');
    for (const f of TRACE_FIELDS) top.wire(traceSignalName(f), 32, `trace record: ${f.doc}`);
    top.wire('trace_full', 1, 'the trace queue is full: completions wait');
    top.wire('trace_idle', 1, 'every trace record is written');
    top.wire('trace_fault', 1, 'a trace record write failed');
  }
  const engStart = top.wire('eng_start', ne);
  // Descriptor stream: the controller sends the dispatched task's descriptor, one bus beat a
  // cycle, to the engines of the group (write enable per engine, index and data shared).
  const engDescWe = top.wire('eng_desc_we', ne);
  const engDescIdx = top.wire('eng_desc_idx', p.descBeatBits);
  const engDescData = top.wire('eng_desc_data', p.busBits);
  const engGroupSize = top.wire('eng_group_size', 8);
  const engMember = top.wire('eng_member', ne * 8);
  const engLeader = top.wire('eng_leader', ne * p.engineBits);
  const engBulk = top.wire('eng_bulk', ne, 'the engine\'s task is bandwidth-bound: its memory requests yield');
  const engBusy = top.wire('eng_busy', ne);
  const engComputing = top.wire('eng_computing', ne);
  const engBadDesc = top.wire('eng_bad_desc', ne, 'engine found its descriptor out of range');
  const engBusError = top.wire('eng_bus_error', ne, 'engine saw a bus error');
  const engAbort = top.wire('eng_abort', 1, 'a fault stopped the run: running engines wind down');
  // Engine-to-engine broadcast: what each engine sends as a leader, and what it receives.
  top.wire('in_ready', ne * 2);
  top.wire('group_in_ready', ne * 2);
  top.wire('bc_we_out', ne);
  top.wire('bc_waddr_out', ne * p.inAddrBits);
  top.wire('bc_wdata_out', ne * p.busBits);
  top.wire('bc_in_filled_out', ne * 2, 'per engine and slot: its input tile arrived');
  top.wire('bc_we_in', ne);
  top.wire('bc_waddr_in', ne * p.inAddrBits);
  top.wire('bc_wdata_in', ne * p.busBits);
  top.wire('bc_in_filled_in', ne * 2);

  top.instance(leaves.csr, 'u_csr', {
    clk_i: clk,
    rst_ni: rstN,
    s_awaddr_i: axil.awaddr,
    s_awvalid_i: axil.awvalid,
    s_awready_o: axil.awready,
    s_wdata_i: axil.wdata,
    s_wstrb_i: axil.wstrb,
    s_wvalid_i: axil.wvalid,
    s_wready_o: axil.wready,
    s_bresp_o: axil.bresp,
    s_bvalid_o: axil.bvalid,
    s_bready_i: axil.bready,
    s_araddr_i: axil.araddr,
    s_arvalid_i: axil.arvalid,
    s_arready_o: axil.arready,
    s_rdata_o: axil.rdata,
    s_rresp_o: axil.rresp,
    s_rvalid_o: axil.rvalid,
    s_rready_i: axil.rready,
    busy_i: busy,
    error_code_i: errorCode,
    tasks_done_i: tasksDone,
    ch_rd_beat_i: and(m.rvalid, m.rready),
    ch_wr_beat_i: and(m.wvalid, m.wready),
    eng_busy_i: engBusy,
    eng_compute_i: engComputing,
    start_o: start,
    policy_o: policy,
    static_log_o: staticLog,
    task_base_o: taskBase,
    trace_base_o: traceBase,
    cycle_o: cycle,
    irq_o: irq,
  });

  top.instance(leaves.controller, 'u_controller', {
    clk_i: clk,
    rst_ni: rstN,
    start_i: start,
    policy_i: policy,
    static_log_i: staticLog,
    task_base_i: taskBase,
    busy_o: busy,
    error_code_o: errorCode,
    tasks_done_o: tasksDone,
    eng_start_o: engStart,
    eng_desc_we_o: engDescWe,
    eng_desc_idx_o: engDescIdx,
    eng_desc_data_o: engDescData,
    eng_group_size_o: engGroupSize,
    eng_member_o: engMember,
    eng_leader_o: engLeader,
    eng_bulk_o: engBulk,
    eng_abort_o: engAbort,
    eng_busy_i: engBusy,
    eng_bad_desc_i: engBadDesc,
    eng_bus_error_i: engBusError,
    ...readRequesterPorts(0, 1),
    ...Object.fromEntries(depLink(p).map((l) => [depControllerPort(l), ref(`dep_${l.name}`)])),
    ...(p.trace
      ? {
          cycle_i: cycle,
          trace_push_o: ref('trace_push'),
          ...Object.fromEntries(TRACE_FIELDS.map((f) => [`${traceSignalName(f)}_o`, ref(traceSignalName(f))])),
          trace_full_i: ref('trace_full'),
          trace_idle_i: ref('trace_idle'),
          trace_fault_i: ref('trace_fault'),
        }
      : {}),
  });

  // The controller's dependency counters.
  top.instance(leaves.depCounters, 'u_dep', {
    clk_i: clk,
    rst_ni: rstN,
    ...Object.fromEntries(depLink(p).map((l) => [depCountersPort(l), ref(`dep_${l.name}`)])),
  });

  // The trace unit writes the controller's completion records as write requester 0; built
  // without it, that requester stays idle.
  const traceWrites = writeRequesterPorts(0);
  if (p.trace) {
    top.instance(leaves.traceUnit, 'u_trace', {
      clk_i: clk,
      rst_ni: rstN,
      clear_i: start,
      trace_base_i: traceBase,
      push_i: ref('trace_push'),
      ...Object.fromEntries(TRACE_FIELDS.map((f) => [traceUnitPort(f), ref(traceSignalName(f))])),
      full_o: ref('trace_full'),
      idle_o: ref('trace_idle'),
      fault_o: ref('trace_fault'),
      ...traceWrites,
    });
  } else {
    for (const port of ['aw_addr_o', 'aw_len_o', 'aw_valid_o', 'w_data_o', 'w_last_o', 'w_valid_o'] as const) {
      const target = traceWrites[port];
      top.assign(target, lit(0, target.kind === 'ref' ? target.width! : 1));
    }
    top.assign(traceWrites.b_ready_o, lit(1, 1));
    top.unused('trace', 'Built without the trace unit: nothing writes records, so nothing reads these.', traceBase, cycle, traceWrites.aw_ready_i, traceWrites.w_ready_i, traceWrites.b_resp_i, traceWrites.b_valid_i);
  }

  for (let e = 0; e < ne; e++) {
    top.instance(leaves.engine, `u_engine${e}`, {
      clk_i: clk,
      rst_ni: rstN,
      start_i: slice('eng_start', e, 1),
      desc_we_i: slice('eng_desc_we', e, 1),
      desc_idx_i: engDescIdx,
      desc_data_i: engDescData,
      group_size_i: engGroupSize,
      member_i: slice('eng_member', e * 8, 8),
      abort_i: engAbort,
      busy_o: slice('eng_busy', e, 1),
      computing_o: slice('eng_computing', e, 1),
      bad_desc_o: slice('eng_bad_desc', e, 1),
      bus_error_o: slice('eng_bus_error', e, 1),
      group_in_ready_i: slice('group_in_ready', e * 2, 2),
      in_ready_o: slice('in_ready', e * 2, 2),
      bc_we_o: slice('bc_we_out', e, 1),
      bc_waddr_o: slice('bc_waddr_out', e * p.inAddrBits, p.inAddrBits),
      bc_wdata_o: slice('bc_wdata_out', e * p.busBits, p.busBits),
      bc_in_filled_o: slice('bc_in_filled_out', e * 2, 2),
      bc_we_i: slice('bc_we_in', e, 1),
      bc_waddr_i: slice('bc_waddr_in', e * p.inAddrBits, p.inAddrBits),
      bc_wdata_i: slice('bc_wdata_in', e * p.busBits, p.busBits),
      bc_in_filled_i: slice('bc_in_filled_in', e * 2, 2),
      ...readRequesterPorts(1 + e * np, np),
      ...writeRequesterPorts(1 + e),
    });
  }

  top.instance(leaves.groupBus, 'u_group_bus', {
    leader_i: engLeader,
    busy_i: engBusy,
    in_ready_i: ref('in_ready'),
    bc_we_i: ref('bc_we_out'),
    bc_waddr_i: ref('bc_waddr_out'),
    bc_wdata_i: ref('bc_wdata_out'),
    bc_in_filled_i: ref('bc_in_filled_out'),
    bc_we_o: ref('bc_we_in'),
    bc_waddr_o: ref('bc_waddr_in'),
    bc_wdata_o: ref('bc_wdata_in'),
    bc_in_filled_o: ref('bc_in_filled_in'),
    group_in_ready_o: ref('group_in_ready'),
  });

  top.instance(leaves.xbar, 'u_mem_xbar', {
    clk_i: clk,
    rst_ni: rstN,
    // The controller's requests never yield; each engine's port yields while its task is bulk.
    rd_bulk_i: cat(...Array.from({ length: ne * np }, (_, i) => bit('eng_bulk', ne - 1 - Math.floor(i / np))), lit(0, 1)),
    wr_bulk_i: cat(engBulk, lit(0, 1)),
    ...rd.connect('slave', (sig) => ref(rqWire(sig))),
    ...wr.connect('slave', (sig) => ref(rqWire(sig))),
    // The memory channels, packed channel by channel: the top's AXI4 master ports.
    ...axiRead(p, p.idBits).connect('master', (sig) => m[sig.name.replace('_', '') as keyof typeof m], 'ch_'),
    ...axiWrite(p, p.idBits).connect('master', (sig) => m[sig.name.replace('_', '') as keyof typeof m], 'ch_'),
  });

  return top.build();
}
