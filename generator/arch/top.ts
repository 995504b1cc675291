// The accelerator top level, built with the elaboration DSL: register block, controller,
// engines, and the arbiters that put the internal masters onto the AXI4 memory port.
import { ModuleBuilder, cat, lit, raw, ref, slice, type Expr, type StructuralModule } from '../dsl/module.ts';
import type { LeafModule } from './leaves.ts';
import type { HwParams } from './params.ts';

type Leaves = Record<string, LeafModule>;

export function buildTop(p: HwParams, engines: number, leaves: Leaves): StructuralModule {
  const top = new ModuleBuilder('sf_top', 'SynergyFlow accelerator: AXI4-Lite control slave, AXI4 memory master.');
  const nm = p.masters;

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
  // AXI4 memory master.
  const m = {
    araddr: top.output('m_axi_araddr_o', p.addrBits),
    arlen: top.output('m_axi_arlen_o', 8),
    arsize: top.output('m_axi_arsize_o', 3),
    arburst: top.output('m_axi_arburst_o', 2),
    arid: top.output('m_axi_arid_o', p.idBits),
    arvalid: top.output('m_axi_arvalid_o'),
    arready: top.input('m_axi_arready_i'),
    rdata: top.input('m_axi_rdata_i', p.busBits),
    rresp: top.input('m_axi_rresp_i', 2),
    rlast: top.input('m_axi_rlast_i'),
    rid: top.input('m_axi_rid_i', p.idBits),
    rvalid: top.input('m_axi_rvalid_i'),
    rready: top.output('m_axi_rready_o'),
    awaddr: top.output('m_axi_awaddr_o', p.addrBits),
    awlen: top.output('m_axi_awlen_o', 8),
    awsize: top.output('m_axi_awsize_o', 3),
    awburst: top.output('m_axi_awburst_o', 2),
    awid: top.output('m_axi_awid_o', p.idBits),
    awvalid: top.output('m_axi_awvalid_o'),
    awready: top.input('m_axi_awready_i'),
    wdata: top.output('m_axi_wdata_o', p.busBits),
    wstrb: top.output('m_axi_wstrb_o', p.busBytes),
    wlast: top.output('m_axi_wlast_o'),
    wvalid: top.output('m_axi_wvalid_o'),
    wready: top.input('m_axi_wready_i'),
    bresp: top.input('m_axi_bresp_i', 2),
    bid: top.input('m_axi_bid_i', p.idBits),
    bvalid: top.input('m_axi_bvalid_i'),
    bready: top.output('m_axi_bready_o'),
  };
  const irq = top.output('irq_o', 1, 'run finished (when CTRL.IRQ_EN is set)');

  // Fixed burst attributes: full-width INCR bursts, all byte lanes written.
  top.assign(m.arsize, lit(p.logBusBytes, 3));
  top.assign(m.arburst, lit(1, 2));
  top.assign(m.awsize, lit(p.logBusBytes, 3));
  top.assign(m.awburst, lit(1, 2));
  top.assign(m.wstrb, lit((1n << BigInt(p.busBytes)) - 1n, p.busBytes));

  // Internal masters: index 0 is the controller, 1 + e is engine e.
  const rd = {
    araddr: top.wire('rd_ar_addr', nm * p.addrBits),
    arlen: top.wire('rd_ar_len', nm * 8),
    arvalid: top.wire('rd_ar_valid', nm),
    arready: top.wire('rd_ar_ready', nm),
    rdata: top.wire('rd_r_data', p.busBits),
    rresp: top.wire('rd_r_resp', 2),
    rlast: top.wire('rd_r_last'),
    rvalid: top.wire('rd_r_valid', nm),
    rready: top.wire('rd_r_ready', nm),
  };
  const wr = {
    awaddr: top.wire('wr_aw_addr', nm * p.addrBits),
    awlen: top.wire('wr_aw_len', nm * 8),
    awvalid: top.wire('wr_aw_valid', nm),
    awready: top.wire('wr_aw_ready', nm),
    wdata: top.wire('wr_w_data', nm * p.busBits),
    wlast: top.wire('wr_w_last', nm),
    wvalid: top.wire('wr_w_valid', nm),
    wready: top.wire('wr_w_ready', nm),
    bresp: top.wire('wr_b_resp', 2),
    bvalid: top.wire('wr_b_valid', nm),
    bready: top.wire('wr_b_ready', nm),
  };
  const masterPorts = (i: number): Record<string, Expr> => ({
    ar_addr_o: slice('rd_ar_addr', i * p.addrBits, p.addrBits),
    ar_len_o: slice('rd_ar_len', i * 8, 8),
    ar_valid_o: slice('rd_ar_valid', i, 1),
    ar_ready_i: slice('rd_ar_ready', i, 1),
    r_data_i: rd.rdata,
    r_resp_i: rd.rresp,
    r_last_i: rd.rlast,
    r_valid_i: slice('rd_r_valid', i, 1),
    r_ready_o: slice('rd_r_ready', i, 1),
    aw_addr_o: slice('wr_aw_addr', i * p.addrBits, p.addrBits),
    aw_len_o: slice('wr_aw_len', i * 8, 8),
    aw_valid_o: slice('wr_aw_valid', i, 1),
    aw_ready_i: slice('wr_aw_ready', i, 1),
    w_data_o: slice('wr_w_data', i * p.busBits, p.busBits),
    w_last_o: slice('wr_w_last', i, 1),
    w_valid_o: slice('wr_w_valid', i, 1),
    w_ready_i: slice('wr_w_ready', i, 1),
    b_resp_i: wr.bresp,
    b_valid_i: slice('wr_b_valid', i, 1),
    b_ready_o: slice('wr_b_ready', i, 1),
  });

  const clk = ref('clk_i');
  const rstN = ref('rst_ni');
  const start = top.wire('start', 1, 'pulse: CTRL.START written while idle');
  const taskBase = top.wire('task_base', p.addrBits);
  const traceBase = top.wire('trace_base', p.addrBits);
  const cycle = top.wire('cycle', 32);
  const busy = top.wire('busy');
  const errorCode = top.wire('error_code', 8);
  const tasksDone = top.wire('tasks_done', 32);
  const engStart = top.wire('eng_start');
  const engDesc = top.wire('eng_desc', p.descBits);
  const engBusy = top.wire('eng_busy', engines);
  const engComputing = top.wire('eng_computing', engines);
  const engError = top.wire('eng_error', engines);

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
    rd_beat_i: raw('m_axi_rvalid_i & m_axi_rready_o', 1, [m.rvalid, m.rready]),
    wr_beat_i: raw('m_axi_wvalid_o & m_axi_wready_i', 1, [m.wvalid, m.wready]),
    eng_busy_i: engBusy,
    eng_compute_i: engComputing,
    start_o: start,
    task_base_o: taskBase,
    trace_base_o: traceBase,
    cycle_o: cycle,
    irq_o: irq,
  });

  top.instance(leaves.controller, 'u_controller', {
    clk_i: clk,
    rst_ni: rstN,
    start_i: start,
    task_base_i: taskBase,
    trace_base_i: traceBase,
    cycle_i: cycle,
    busy_o: busy,
    error_code_o: errorCode,
    tasks_done_o: tasksDone,
    eng_start_o: engStart,
    eng_desc_o: engDesc,
    eng_busy_i: engines === 1 ? engBusy : raw('|eng_busy', 1, [engBusy]),
    eng_error_i: engines === 1 ? engError : raw('|eng_error', 1, [engError]),
    ...masterPorts(0),
  });

  for (let e = 0; e < engines; e++) {
    top.instance(leaves.engine, `u_engine${e}`, {
      clk_i: clk,
      rst_ni: rstN,
      start_i: engStart,
      desc_i: engDesc,
      busy_o: slice('eng_busy', e, 1),
      computing_o: slice('eng_computing', e, 1),
      error_o: slice('eng_error', e, 1),
      ...masterPorts(1 + e),
    });
  }

  top.instance(leaves.rdArb, 'u_rd_arb', {
    clk_i: clk,
    rst_ni: rstN,
    m_ar_addr_i: rd.araddr,
    m_ar_len_i: rd.arlen,
    m_ar_valid_i: rd.arvalid,
    m_ar_ready_o: rd.arready,
    m_r_data_o: rd.rdata,
    m_r_resp_o: rd.rresp,
    m_r_last_o: rd.rlast,
    m_r_valid_o: rd.rvalid,
    m_r_ready_i: rd.rready,
    s_ar_addr_o: m.araddr,
    s_ar_len_o: m.arlen,
    s_ar_id_o: m.arid,
    s_ar_valid_o: m.arvalid,
    s_ar_ready_i: m.arready,
    s_r_data_i: m.rdata,
    s_r_resp_i: m.rresp,
    s_r_last_i: m.rlast,
    s_r_id_i: m.rid,
    s_r_valid_i: m.rvalid,
    s_r_ready_o: m.rready,
  });

  top.instance(leaves.wrArb, 'u_wr_arb', {
    clk_i: clk,
    rst_ni: rstN,
    m_aw_addr_i: wr.awaddr,
    m_aw_len_i: wr.awlen,
    m_aw_valid_i: wr.awvalid,
    m_aw_ready_o: wr.awready,
    m_w_data_i: wr.wdata,
    m_w_last_i: wr.wlast,
    m_w_valid_i: wr.wvalid,
    m_w_ready_o: wr.wready,
    m_b_resp_o: wr.bresp,
    m_b_valid_o: wr.bvalid,
    m_b_ready_i: wr.bready,
    s_aw_addr_o: m.awaddr,
    s_aw_len_o: m.awlen,
    s_aw_id_o: m.awid,
    s_aw_valid_o: m.awvalid,
    s_aw_ready_i: m.awready,
    s_w_data_o: m.wdata,
    s_w_last_o: m.wlast,
    s_w_valid_o: m.wvalid,
    s_w_ready_i: m.wready,
    s_b_resp_i: m.bresp,
    s_b_id_i: m.bid,
    s_b_valid_i: m.bvalid,
    s_b_ready_o: m.bready,
  });

  void cat;
  return top.build();
}
