// The register block (sf_csr): the AXI4-Lite slave, the control and status registers, the
// performance counters and the configuration block. Its storage, write decode, strobes and
// read-back are derived from the register-map table (./csr.ts from arch/regmap.ts).
import { inp, inpVec, out, type LeafModule } from '../../arch/leaves.ts';
import { clog2, type HwParams } from '../../arch/params.ts';
import { POLICY_BITS } from '../../arch/policies.ts';
import type { RegisterMap } from '../../arch/regmap.ts';
import { siblingTemplate } from '../../emit/templates.ts';
import { csrContext } from './csr.ts';

export function csrLeaf(p: HwParams, engines: number, regmap: RegisterMap): LeafModule {
  const regContext = csrContext(regmap);
  return {
    name: 'sf_csr',
    doc: 'AXI4-Lite control and status registers, performance counters and the configuration block.',
    template: siblingTemplate(import.meta.url, 'sf_csr.sv.hbs'),
    localparams: [
      ['ENGINES', engines],
      ['CHANNELS', p.channels],
      ['AW', p.addrBits],
      ['LOG_DESC_BYTES', clog2(p.descBits / 8)],
      ['LOG_TRACE_BYTES', clog2(p.traceBytes)],
    ],
    context: { ...regContext },
    ports: [
      inp('clk_i'),
      inp('rst_ni'),
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
    ],
  };
}
