// Leaf modules: hand-written Verilog bodies (templates/rtl/*.sv.hbs) whose port lists and
// localparams are declared here, from the config. The emitter renders the port list from these
// declarations, so the DSL checks every instance against exactly what the module declares.
import type { ModuleInterface, PortDef } from '../dsl/module.ts';
import { InternalError } from '../errors.ts';
import { addressFields, descriptorFields, fieldBitOffset, loopFields, OPCODE_END, OPCODE_LAYER } from './descriptor.ts';
import type { CsrContext } from './csr.ts';
import { FAULT_CODES, faultParamName } from './faults.ts';
import { FALLBACK_POLICY, POLICY_BITS, POLICY_TABLE, policyParamName } from './policies.ts';
import { TRACE_FIELDS, traceSignalName, traceUnitPort } from './trace-record.ts';
import { clog2, type HwParams } from './params.ts';
import { fifo } from '../blocks/fifo/block.ts';

export interface LeafModule extends ModuleInterface {
  ports: PortDef[];
  doc: string;
  /** Template file under templates/rtl/, or the absolute path of a block's own template (siblingTemplate). */
  template: string;
  localparams: [string, number][];
  /** Extra values for the template (lists it loops over). */
  context?: Record<string, unknown>;
}

export const inp = (name: string, width = 1): PortDef => ({ name, dir: 'input', width });
export const out = (name: string, width = 1): PortDef => ({ name, dir: 'output', width });
/** A port the body indexes bit by bit, declared with a range even when one bit wide. */
export const inpVec = (name: string, width: number): PortDef => ({ name, dir: 'input', width, vector: true });
export const outVec = (name: string, width: number): PortDef => ({ name, dir: 'output', width, vector: true });

/** A simple dual-port RAM module (sf_sdp_ram.sv.hbs) of depth words of width bits. */
export function ram(name: string, doc: string, width: number, depth: number): LeafModule {
  return {
    name,
    doc,
    template: 'sf_sdp_ram.sv.hbs',
    localparams: [
      ['WIDTH', width],
      ['DEPTH', depth],
    ],
    ports: [
      inp('clk_i'),
      inp('we_i'),
      inp('waddr_i', clog2(depth)),
      inp('wdata_i', width),
      inp('re_i'),
      inp('raddr_i', clog2(depth)),
      out('rdata_o', width),
    ],
  };
}

/** A load port's entry per burst in flight: kind 2, first destination 16, beats 9, slot, the
 * command's end, the input tile's end. */
const LOAD_QUEUE_BITS = 2 + 16 + 9 + 1 + 1 + 1;

export const readPorts = (p: HwParams, prefix = ''): PortDef[] => [
  out(`${prefix}ar_addr_o`, p.addrBits),
  out(`${prefix}ar_len_o`, 8),
  out(`${prefix}ar_valid_o`),
  inp(`${prefix}ar_ready_i`),
  inp(`${prefix}r_data_i`, p.busBits),
  inp(`${prefix}r_resp_i`, 2),
  inp(`${prefix}r_last_i`),
  inp(`${prefix}r_valid_i`),
  out(`${prefix}r_ready_o`),
];

/** n read ports side by side, each signal packed port by port (port 0 lowest). */
export const readPortsN = (p: HwParams, n: number): PortDef[] => [
  outVec('ar_addr_o', n * p.addrBits),
  outVec('ar_len_o', n * 8),
  outVec('ar_valid_o', n),
  inpVec('ar_ready_i', n),
  inpVec('r_data_i', n * p.busBits),
  inpVec('r_resp_i', n * 2),
  inpVec('r_last_i', n),
  inpVec('r_valid_i', n),
  outVec('r_ready_o', n),
];

export const writePorts = (p: HwParams, prefix = ''): PortDef[] => [
  out(`${prefix}aw_addr_o`, p.addrBits),
  out(`${prefix}aw_len_o`, 8),
  out(`${prefix}aw_valid_o`),
  inp(`${prefix}aw_ready_i`),
  out(`${prefix}w_data_o`, p.busBits),
  out(`${prefix}w_last_o`),
  out(`${prefix}w_valid_o`),
  inp(`${prefix}w_ready_i`),
  inp(`${prefix}b_resp_i`, 2),
  inp(`${prefix}b_valid_i`),
  out(`${prefix}b_ready_o`),
];

/**
 * The link between the controller and its dependency counters, each signal once: requests toward
 * the counters (the controller's outputs) and results back. The two modules' ports and the top
 * level's wires are all made from it.
 */
export interface DepLinkSignal {
  name: string;
  width: number;
  toCounters: boolean;
  doc?: string;
}

export function depLink(p: HwParams): DepLinkSignal[] {
  const cntW = p.counterBits;
  const slotW = p.windowBits;
  const req = (name: string, width = 1, doc?: string) => ({ name, width, toCounters: true, doc });
  const res = (name: string, width = 1, doc?: string) => ({ name, width, toCounters: false, doc });
  return [
    req('clear', 1, 'a run starts: every counter reads zero again'), req('run'),
    req('inc', 1, 'a completion increments its counter'), req('inc_counter', cntW),
    req('lookup', 1, 'a fetched window entry looks its counter up'), req('lookup_counter', cntW), req('lookup_slot', slotW),
    res('written', 1, 'an increment is written back this cycle'), res('written_counter', cntW), res('written_value', 16),
    res('found', 1, 'a lookup\'s value is ready this cycle'), res('found_slot', slotW), res('found_value', 16),
  ];
}

/** The controller's port of a link signal (dep_inc_o, dep_written_i). */
export function depControllerPort(l: DepLinkSignal): string {
  return `dep_${l.name}_${l.toCounters ? 'o' : 'i'}`;
}

/** The counters' port of a link signal (inc_i, written_o). */
export function depCountersPort(l: DepLinkSignal): string {
  return `${l.name}_${l.toCounters ? 'i' : 'o'}`;
}

export function leafModules(p: HwParams, engines: number, regContext: CsrContext) {
  const inRam = ram('sf_sdp_ram_in', 'Input buffer: two slots of input vectors.', p.busBits, 2 * p.inDepth);
  const wRam = ram('sf_sdp_ram_w', 'Weight buffer bank: two slots of one output lane\'s weights, and above them its bias for each slot.', p.busBits, 4 * p.wDepth);
  const accRam = ram('sf_sdp_ram_acc', 'Accumulator buffer: TM 32-bit sums per output pixel.', p.tm * 32, p.accDepth);
  const writeFifoRam = ram('sf_sdp_ram_wfifo', 'Writer FIFO: output vectors waiting for their write burst.', p.busBits, p.writeDataDepth);
  const depRam = ram('sf_sdp_ram_dep', 'Dependency counters of the controller.', 16, p.counters);
  const descRam = ram('sf_sdp_ram_desc', 'Descriptor store: the controller\'s window of task descriptors, one bus beat a word.', p.busBits, p.windowSlots * p.descBeats);
  const descBeatBits = p.descBeatBits;
  // Where a descriptor field arrives: the bus beat of the descriptor and the bit within it.
  const fieldPlace = (f: (typeof descriptorFields)[number]) => ({
    name: f.name,
    width: f.width,
    beat: Math.floor(fieldBitOffset(f) / p.busBits),
    bit: fieldBitOffset(f) % p.busBits,
  });

  const burstCap: LeafModule = {
    name: 'sf_burst_cap',
    doc: 'Length of the next burst of a segment.',
    template: 'sf_burst_cap.sv.hbs',
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
    template: 'sf_load_port.sv.hbs',
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
    template: 'sf_loader.sv.hbs',
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

  const writeLenFifo = fifo({ name: 'sf_fifo_wlen', doc: 'Writer: the lengths of its write bursts issued, for its sender.', width: 8, depth: p.writeLenDepth });
  const writeDataFifo = fifo({
    name: 'sf_fifo_wdata',
    doc: 'Writer: output vectors waiting for their write burst.',
    width: p.busBits,
    depth: p.writeDataDepth,
    ram: writeFifoRam,
  });
  const writer: LeafModule = {
    name: 'sf_writer',
    doc: 'Post-processing, max-pooling and AXI4 write bursts of one m-block of outputs.',
    template: 'sf_writer.sv.hbs',
    localparams: [
      ['AW', p.addrBits],
      ['BUS_BITS', p.busBits],
      ['BUS_BYTES', p.busBytes],
      ['LOG_BUS_BYTES', p.logBusBytes],
      ['TN', p.tn],
      ['NJ', p.tm / p.tn],
      ['J_W', Math.max(1, clog2(p.tm / p.tn))],
      ['PL', p.postLanes],
      ['PH', p.tn / p.postLanes],
      ['PH_W', Math.max(1, clog2(p.tn / p.postLanes))],
      ['DATA_BITS', p.dataBits],
      ['ACC_AW', p.accAddrBits],
      ['LEN_AW', clog2(p.writeLenDepth)],
      ['DATA_DEPTH', p.writeDataDepth],
      ['DATA_AW', clog2(p.writeDataDepth)],
    ],
    ports: [
      inp('clk_i'),
      inp('rst_ni'),
      inp('clear_i'),
      inp('start_i'),
      inp('out_addr_i', p.addrBits),
      inp('nj_i', 8),
      inp('pool_rows_i', p.loopBits),
      inp('pool_cols_i', p.loopBits),
      inp('pool_kernel_i', 8),
      inp('pool_stride_i', 8),
      inp('pool_row_step_i', p.loopBits),
      inp('tile_cols_i', p.loopBits),
      inp('out_cstride_i', p.addrBits),
      inp('out_ystride_i', p.addrBits),
      inp('shift_i', 5),
      inp('sat_bits_i', 5),
      inp('relu_i'),
      inp('bias_i', p.tm * 32),
      out('acc_re_o'),
      out('acc_raddr_o', p.accAddrBits),
      inp('acc_rdata_i', p.tm * 32),
      ...writePorts(p),
      out('busy_o'),
      out('error_o'),
    ],
  };

  const depCounters: LeafModule = {
    name: 'sf_dep_counters',
    doc: 'Dependency counters of the controller: increments and lookups through one RAM read port.',
    template: 'sf_dep_counters.sv.hbs',
    localparams: [
      ['NCNT', p.counters],
      ['CNT_W', p.counterBits],
      ['WIN_W', p.windowBits],
    ],
    ports: [inp('clk_i'), inp('rst_ni'), ...depLink(p).map((l) => (l.toCounters ? inp : out)(depCountersPort(l), l.width))],
  };

  const traceQueue = fifo({ name: 'sf_fifo_trace', doc: 'Trace unit: completion records waiting to be written.', width: p.traceBits, depth: p.traceQueue });
  const traceUnit: LeafModule = {
    name: 'sf_trace_unit',
    doc: 'Trace unit: queues the controller\'s completion records and writes them to TRACE_BASE.',
    template: 'sf_trace_unit.sv.hbs',
    localparams: [
      ['AW', p.addrBits],
      ['BUS_BITS', p.busBits],
      ['TRACE_BITS', p.traceBits],
      ['TRACE_BYTES', p.traceBytes],
      ['TRACE_BEATS', p.traceBeats],
      ['TRACE_BEAT_W', Math.max(1, clog2(p.traceBeats))],
      ['TQ_W', clog2(p.traceQueue)],
    ],
    context: {
      // The record's words, last first (a Verilog concatenation puts its first part on top).
      fieldsMsbFirst: [...TRACE_FIELDS].reverse().map((f) => ({ port: traceUnitPort(f) })),
    },
    ports: [
      inp('clk_i'),
      inp('rst_ni'),
      inp('clear_i'),
      inp('trace_base_i', p.addrBits),
      inp('push_i'),
      ...TRACE_FIELDS.map((f) => inp(traceUnitPort(f), 32)),
      out('full_o'),
      out('idle_o'),
      out('fault_o'),
      ...writePorts(p),
    ],
  };

  const csr: LeafModule = {
    name: 'sf_csr',
    doc: 'AXI4-Lite control and status registers, performance counters and the configuration block.',
    template: 'sf_csr.sv.hbs',
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

  return { inRam, wRam, accRam, descRam, depRam, writeFifoRam, burstCap, loadQueue, loadPort, loader, writeLenFifo, writeDataFifo, writer, depCounters, ...(p.trace ? { traceQueue, traceUnit } : {}), csr };
}
