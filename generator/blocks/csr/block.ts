// The register block (sf_csr), composed in the DSL: the AXI4-Lite slave (sf_axil_slave), the
// register file (sf_csr_regs: control and status registers and the configuration block, whose
// storage, write decode, strobes and read-back are derived from the register-map table by
// ./csr.ts) and the performance counters (sf_perf_counters) it reads.
import { inp, inpVec, out, type LeafModule } from '../../arch/leaves.ts';
import { clog2, type HwParams } from '../../arch/params.ts';
import { POLICY_BITS } from '../../arch/policies.ts';
import type { RegisterMap } from '../../arch/regmap.ts';
import { ModuleBuilder, slice, type PortDef, type StructuralModule } from '../../dsl/module.ts';
import { siblingTemplate } from '../../emit/templates.ts';
import { csrContext } from './csr.ts';

/** The AXI4-Lite slave's ports as the top level sees them. */
const axiLitePorts: PortDef[] = [
  inp('s_awaddr_i', 12),
  inp('s_awvalid_i'),
  out('s_awready_o'),
  inp('s_wdata_i', 32),
  inp('s_wstrb_i', 4),
  inp('s_wvalid_i'),
  out('s_wready_o'),
  out('s_bresp_o', 2),
  out('s_bvalid_o'),
  inp('s_bready_i'),
  inp('s_araddr_i', 12),
  inp('s_arvalid_i'),
  out('s_arready_o'),
  out('s_rdata_o', 32),
  out('s_rresp_o', 2),
  out('s_rvalid_o'),
  inp('s_rready_i'),
];

/** The register file's side of the slave: full-word writes and read addresses. */
const regAccess = {
  writes: [inp('wr_en_i'), inp('wr_addr_i', 12), inp('wr_data_i', 32)],
  reads: [inp('rd_addr_i', 12), out('rd_data_o', 32)],
};

/** The counters' values, as the register map's read sources name them. */
function counterPorts(p: HwParams, engines: number, dir: 'input' | 'output'): PortDef[] {
  const port = dir === 'input' ? (n: string, w: number) => inp(`${n}_i`, w) : (n: string, w: number) => out(`${n}_o`, w);
  return [
    port('cycles', 64),
    port('eng_busy_cycles', engines * 32),
    port('eng_compute_cycles', engines * 32),
    port('ch_rd_beats', p.channels * 32),
    port('ch_wr_beats', p.channels * 32),
  ];
}

export interface CsrBlock {
  leaves: LeafModule[];
  csr: StructuralModule;
}

export function buildCsr(p: HwParams, engines: number, regmap: RegisterMap): CsrBlock {
  const slave: LeafModule = {
    name: 'sf_axil_slave',
    synthInline: true,
    doc: 'AXI4-Lite slave, one transaction at a time: full-word writes and registered reads.',
    template: siblingTemplate(import.meta.url, 'sf_axil_slave.sv.hbs'),
    localparams: [],
    ports: [
      inp('clk_i'),
      inp('rst_ni'),
      ...axiLitePorts,
      ...regAccess.writes.map((x) => ({ ...x, dir: 'output' as const, name: x.name.replace(/_i$/, '_o') })),
      out('rd_addr_o', 12),
      inp('rd_data_i', 32),
    ],
  };
  const regs: LeafModule = {
    name: 'sf_csr_regs',
    synthInline: true,
    doc: 'Register file: control and status registers and the configuration block, from the register map table.',
    template: siblingTemplate(import.meta.url, 'sf_csr_regs.sv.hbs'),
    localparams: [
      ['AW', p.addrBits],
      ['LOG_DESC_BYTES', clog2(p.descBits / 8)],
      ['LOG_TRACE_BYTES', clog2(p.traceBytes)],
    ],
    context: { ...csrContext(regmap) },
    ports: [
      inp('clk_i'),
      inp('rst_ni'),
      ...regAccess.writes,
      ...regAccess.reads,
      inp('busy_i'),
      inp('error_code_i', 8),
      inp('tasks_done_i', 32),
      ...counterPorts(p, engines, 'input'),
      out('start_o'),
      out('policy_o', POLICY_BITS),
      out('static_log_o', 3),
      out('task_base_o', p.addrBits),
      out('trace_base_o', p.addrBits),
      out('irq_o'),
    ],
  };
  const counters: LeafModule = {
    name: 'sf_perf_counters',
    synthInline: true,
    doc: 'Performance counters of a run: cycles, per-engine busy and computing cycles, per-channel beats.',
    template: siblingTemplate(import.meta.url, 'sf_perf_counters.sv.hbs'),
    localparams: [
      ['ENGINES', engines],
      ['CHANNELS', p.channels],
    ],
    ports: [
      inp('clk_i'),
      inp('rst_ni'),
      inp('start_i'),
      inp('busy_i'),
      inpVec('eng_busy_i', engines),
      inpVec('eng_compute_i', engines),
      inpVec('ch_rd_beat_i', p.channels),
      inpVec('ch_wr_beat_i', p.channels),
      ...counterPorts(p, engines, 'output'),
    ],
  };

  const c = new ModuleBuilder('sf_csr', 'AXI4-Lite control and status registers, performance counters and the configuration block.');
  const port = c.addPorts([
    inp('clk_i'),
    inp('rst_ni'),
    ...axiLitePorts,
    inp('busy_i'),
    inp('error_code_i', 8),
    inp('tasks_done_i', 32),
    inpVec('ch_rd_beat_i', p.channels),
    inpVec('ch_wr_beat_i', p.channels),
    inpVec('eng_busy_i', engines),
    inpVec('eng_compute_i', engines),
    out('start_o'),
    out('policy_o', POLICY_BITS),
    out('static_log_o', 3),
    out('task_base_o', p.addrBits),
    out('trace_base_o', p.addrBits),
    out('cycle_o', 32),
    out('irq_o'),
  ]);
  const wrEn = c.wire('wr_en', 1, 'a full-word write');
  const wrAddr = c.wire('wr_addr', 12);
  const wrData = c.wire('wr_data', 32);
  const rdAddr = c.wire('rd_addr', 12);
  const rdData = c.wire('rd_data', 32);
  const counts = Object.fromEntries(counterPorts(p, engines, 'output').map((x) => {
    const name = x.name.replace(/_o$/, '');
    return [name, c.wire(name, x.width)];
  }));

  c.instance(slave, 'u_slave', {
    clk_i: port.clk_i,
    rst_ni: port.rst_ni,
    ...Object.fromEntries(axiLitePorts.map((x) => [x.name, port[x.name]])),
    wr_en_o: wrEn,
    wr_addr_o: wrAddr,
    wr_data_o: wrData,
    rd_addr_o: rdAddr,
    rd_data_i: rdData,
  });
  c.instance(regs, 'u_regs', {
    clk_i: port.clk_i,
    rst_ni: port.rst_ni,
    wr_en_i: wrEn,
    wr_addr_i: wrAddr,
    wr_data_i: wrData,
    rd_addr_i: rdAddr,
    rd_data_o: rdData,
    busy_i: port.busy_i,
    error_code_i: port.error_code_i,
    tasks_done_i: port.tasks_done_i,
    ...Object.fromEntries(Object.entries(counts).map(([n, e]) => [`${n}_i`, e])),
    start_o: port.start_o,
    policy_o: port.policy_o,
    static_log_o: port.static_log_o,
    task_base_o: port.task_base_o,
    trace_base_o: port.trace_base_o,
    irq_o: port.irq_o,
  });
  c.instance(counters, 'u_counters', {
    clk_i: port.clk_i,
    rst_ni: port.rst_ni,
    start_i: port.start_o,
    busy_i: port.busy_i,
    eng_busy_i: port.eng_busy_i,
    eng_compute_i: port.eng_compute_i,
    ch_rd_beat_i: port.ch_rd_beat_i,
    ch_wr_beat_i: port.ch_wr_beat_i,
    ...Object.fromEntries(Object.entries(counts).map(([n, e]) => [`${n}_o`, e])),
  });
  c.assign(port.cycle_o, slice('cycles', 0, 32));
  return { leaves: [slave, regs, counters], csr: c.build() };
}
