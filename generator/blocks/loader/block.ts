// The loader: fills an engine's buffer slots with weights, input tiles and biases over several
// AXI4 read ports at once (sf_loader, one sf_load_port per memory channel it reaches, each with
// its queue of bursts in flight and the burst-length helper sf_burst_cap).
import { inp, out, outVec, readPorts, readPortsN, type LeafModule } from '../../arch/leaves.ts';
import { clog2, type HwParams } from '../../arch/params.ts';
import type { PortDef } from '../../dsl/module.ts';
import { siblingTemplate } from '../../emit/templates.ts';
import { fifo } from '../fifo/block.ts';

/** A load port's entry per burst in flight: kind 2, first destination 16, beats 9, slot, the
 * command's end, the input tile's end. */
const LOAD_QUEUE_BITS = 2 + 16 + 9 + 1 + 1 + 1;

/** The load command and the task's load fields: the loader takes them, and passes them to each
 * of its ports unchanged. */
function commandPorts(p: HwParams): PortDef[] {
  return [
    inp('clk_i'),
    inp('rst_ni'),
    inp('clear_i'),
    inp('abort_i'),
    inp('cmd_valid_i'),
    out('cmd_ready_o'),
    inp('cmd_slot_i'),
    inp('cmd_last_i'),
    inp('cmd_input_i'),
    inp('cmd_w_addr_i', p.addrBits),
    inp('cmd_in_addr_i', p.addrBits),
    inp('cmd_in_base_i', p.inAddrBits),
    inp('cmd_bias_addr_i', p.addrBits),
    inp('w_beats_i', p.loopBits),
    inp('in_ystride_i', p.addrBits),
    inp('load_rows_i', p.loopBits),
    inp('load_cols_i', p.loopBits),
    inp('in_dst_first_i', p.loopBits),
    inp('in_tile_cols_i', p.loopBits),
  ];
}

export function loaderLeaves(p: HwParams) {
  const burstCap: LeafModule = {
    name: 'sf_burst_cap',
    doc: 'Length of the next burst of a segment.',
    template: siblingTemplate(import.meta.url, 'sf_burst_cap.sv.hbs'),
    localparams: [
      ['MAX_BURST', p.maxBurst],
      ['LOG_BUS_BYTES', p.logBusBytes],
    ],
    ports: [inp('addr_low_i', 12), inp('beats_left_i', 16), out('beats_o', 16)],
  };

  const portBankBits = Math.max(1, clog2(p.portBanks));
  const biasPortBeats = p.biasBeats / p.loadPorts;
  const biasPortIdxBits = Math.max(1, clog2(biasPortBeats));
  const loadPort: LeafModule = {
    name: 'sf_load_port',
    doc: 'One read port of the loader: its share of the weights and biases, and input tiles, over one memory channel.',
    template: siblingTemplate(import.meta.url, 'sf_load_port.sv.hbs'),
    localparams: [
      ['AW', p.addrBits],
      ['BUS_BYTES', p.busBytes],
      ['LOG_BUS_BYTES', p.logBusBytes],
      ['G', p.portBanks],
      ['BANK_W', portBankBits],
      ['IN_AW', p.inAddrBits],
      ['W_AW', p.wAddrBits],
      ['BIAS_BEATS', biasPortBeats],
      ['BIAS_IDX_W', biasPortIdxBits],
      ['FIFO_AW', clog2(p.loadFifoDepth)],
      ['LDQ_W', LOAD_QUEUE_BITS],
    ],
    ports: [
      ...commandPorts(p),
      ...readPorts(p),
      out('in_we_o'),
      out('in_waddr_o', p.inAddrBits),
      out('in_wdata_o', p.busBits),
      out('w_we_o'),
      out('w_bank_o', portBankBits),
      out('w_waddr_o', p.wAddrBits),
      out('w_wdata_o', p.busBits),
      out('bias_we_o'),
      out('bias_slot_o'),
      out('bias_idx_o', biasPortIdxBits),
      out('bias_wdata_o', p.busBits),
      out('done_o'),
      out('done_slot_o'),
      out('in_done_o'),
      out('in_done_slot_o'),
      out('idle_o'),
      out('error_o'),
    ],
  };

  const loadQueue = fifo({
    name: 'sf_fifo_ldq',
    doc: 'Load port: its read bursts in flight, each with where its data goes.',
    width: LOAD_QUEUE_BITS,
    depth: p.loadFifoDepth,
  });

  const np = p.loadPorts;
  const loader: LeafModule = {
    name: 'sf_loader',
    doc: 'Fills buffer slots with weights, input tiles and biases over several AXI4 read ports.',
    template: siblingTemplate(import.meta.url, 'sf_loader.sv.hbs'),
    localparams: [
      ['AW', p.addrBits],
      ['BUS_BITS', p.busBits],
      ['BUS_BYTES', p.busBytes],
      ['LOG_BUS_BYTES', p.logBusBytes],
      ['P', np],
      ['LOG_P', clog2(np)],
      ['BANK_W', portBankBits],
      ['IN_AW', p.inAddrBits],
      ['W_AW', p.wAddrBits],
      ['BIAS_PORT_BEATS', biasPortBeats],
      ['BIAS_IDX_W', biasPortIdxBits],
    ],
    context: { multiPort: np > 1 },
    ports: [
      ...commandPorts(p),
      ...readPortsN(p, np),
      out('in_we_o'),
      out('in_waddr_o', p.inAddrBits),
      out('in_wdata_o', p.busBits),
      outVec('w_we_o', np),
      outVec('w_bank_o', np * portBankBits),
      outVec('w_waddr_o', np * p.wAddrBits),
      outVec('w_wdata_o', np * p.busBits),
      outVec('bias_we_o', np),
      outVec('bias_slot_o', np),
      outVec('bias_idx_o', np * biasPortIdxBits),
      outVec('bias_wdata_o', np * p.busBits),
      outVec('filled_o', 2),
      outVec('in_filled_o', 2),
      out('idle_o'),
      out('error_o'),
    ],
  };

  return { burstCap, loadQueue, loadPort, loader };
}
