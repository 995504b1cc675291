// Leaf modules: hand-written Verilog bodies (templates/rtl/*.sv.hbs) whose port lists and
// localparams are declared here, from the config. The emitter renders the port list from these
// declarations, so the DSL checks every instance against exactly what the module declares.
import type { ModuleInterface, PortDef } from '../dsl/module.ts';
import { addressFields, descriptorFields, fieldBitOffset, loopFields, OPCODE_END, OPCODE_LAYER } from './descriptor.ts';
import type { CsrContext } from './csr.ts';
import { FAULT_CODES, faultParamName } from './faults.ts';
import { FALLBACK_POLICY, POLICY_BITS, POLICY_TABLE, policyParamName } from './policies.ts';
import { TRACE_FIELDS, traceSignalName, traceUnitPort } from './trace-record.ts';
import { clog2, crossbarMap, type HwParams } from './params.ts';
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

const inp = (name: string, width = 1): PortDef => ({ name, dir: 'input', width });
const out = (name: string, width = 1): PortDef => ({ name, dir: 'output', width });
/** A port the body indexes bit by bit, declared with a range even when one bit wide. */
const inpVec = (name: string, width: number): PortDef => ({ name, dir: 'input', width, vector: true });
const outVec = (name: string, width: number): PortDef => ({ name, dir: 'output', width, vector: true });

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

const readPorts = (p: HwParams, prefix = ''): PortDef[] => [
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
const readPortsN = (p: HwParams, n: number): PortDef[] => [
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

const writePorts = (p: HwParams, prefix = ''): PortDef[] => [
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

export function leafModules(p: HwParams, engineTemplate: string, engines: number, regContext: CsrContext): Record<string, LeafModule> {
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

  const compute: LeafModule = {
    name: 'sf_compute',
    doc: 'TM x TN MAC array with its loop-nest address generator and accumulator update.',
    template: 'sf_compute.sv.hbs',
    localparams: [
      ['MIN_SLOTS', p.minSlots],
      ['LOOP_W', p.loopBits],
      ['IN_AW', p.inAddrBits],
      ['W_AW', p.wAddrBits],
      ['ACC_AW', p.accAddrBits],
      ['BUS_BITS', p.busBits],
      ['TM', p.tm],
      ['TN', p.tn],
      ['DATA_BITS', p.dataBits],
      ['PROD_BITS', p.prodBits],
      ['SUM_BITS', p.prodBits + clog2(p.tn)],
      ['BOOTH', p.boothMultipliers ? 1 : 0],
    ],
    ports: [
      inp('clk_i'),
      inp('rst_ni'),
      inp('start_i'),
      inp('slot_i'),
      inp('in_base_i', p.inAddrBits),
      inp('first_i'),
      inp('kernel_w_i', 8),
      inp('conv_stride_i', 8),
      inp('kk_i', p.loopBits),
      inp('tile_cols_i', p.loopBits),
      inp('pixels_i', p.loopBits),
      inp('in_tile_cols_i', p.loopBits),
      inp('in_row_step_i', p.loopBits),
      inp('load_row_first_i', p.loopBits),
      inp('load_rows_i', p.loopBits),
      inp('load_col_first_i', p.loopBits),
      inp('load_cols_i', p.loopBits),
      out('in_re_o'),
      out('in_raddr_o', p.inAddrBits),
      inp('in_rdata_i', p.busBits),
      out('w_re_o'),
      out('w_raddr_o', p.wAddrBits),
      inp('w_rdata_i', p.tm * p.busBits),
      out('acc_re_o'),
      out('acc_raddr_o', p.accAddrBits),
      inp('acc_rdata_i', p.tm * 32),
      out('acc_we_o'),
      out('acc_waddr_o', p.accAddrBits),
      out('acc_wdata_o', p.tm * 32),
      out('busy_o'),
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

  // The engine latches only the descriptor fields its template names (d_<field>) as the
  // controller streams the descriptor to it, one bus beat a cycle.
  const engineFieldNames = new Set([...engineTemplate.matchAll(/\bd_([a-z0-9_]+)/g)].map((m) => m[1]));
  // Address fields keep only the address width, tile and loop fields the loop width (the engine
  // flags a descriptor whose loop fields do not fit: its upper bits must be zero).
  const engineFields = descriptorFields
    .filter((f) => engineFieldNames.has(f.name))
    .map(fieldPlace)
    .map((f) => {
      if (addressFields.has(f.name)) return { ...f, width: Math.min(f.width, p.addrBits) };
      // An input-buffer word count: the buffer's address width (both slots).
      const width = f.name === 'in_region' ? p.inAddrBits : p.loopBits;
      if (loopFields.has(f.name)) return { ...f, width, upperBit: f.bit + width, upperWidth: f.width - width };
      return f;
    });
  const engine: LeafModule = {
    name: 'sf_engine',
    doc: 'One engine: PE array, double-buffered input and weight buffers, accumulators, loader and writer.',
    template: 'sf_engine.sv.hbs',
    localparams: [
      ['AW', p.addrBits],
      ['BUS_BITS', p.busBits],
      ['LOG_BUS_BYTES', p.logBusBytes],
      ['TM', p.tm],
      ['TN', p.tn],
      ['IN_AW', p.inAddrBits],
      ['W_AW', p.wAddrBits],
      ['ACC_AW', p.accAddrBits],
      ['BIAS_IDX_W', Math.max(1, clog2(p.biasBeats / p.loadPorts))],
      ['ACC_DEPTH', p.accDepth],
      ['W_DEPTH', p.wDepth],
      ['P', p.loadPorts],
      ['BANK_W', Math.max(1, clog2(p.portBanks))],
      ['LOG_NJ', clog2(p.tm / p.tn)],
      // Tasks over several images: only a multi-engine build can use them.
      ['UNITS', engines > 1 ? 1 : 0],
      ['DESC_BEAT_W', descBeatBits],
      // Member indices stay below the engine count and group sizes at or below it: masks that
      // let synthesis drop the shift-add terms of bits that are always zero.
      ['MEMBER_MASK', 2 ** clog2(engines) - 1],
      ['GROUP_MASK', 2 ** clog2(engines + 1) - 1],
    ],
    context: { descFields: engineFields, alignedFields: engineFields.filter((f) => addressFields.has(f.name)) },
    ports: [
      inp('clk_i'),
      inp('rst_ni'),
      inp('start_i'),
      inp('desc_we_i'),
      inp('desc_idx_i', descBeatBits),
      inp('desc_data_i', p.busBits),
      inp('group_size_i', 8),
      inp('member_i', 8),
      inp('abort_i'),
      out('busy_o'),
      out('computing_o'),
      out('bad_desc_o'),
      out('bus_error_o'),
      // Group broadcast: this engine's input writes (as leader) and its leader's (as member).
      inpVec('group_in_ready_i', 2),
      outVec('in_ready_o', 2),
      out('bc_we_o'),
      out('bc_waddr_o', p.inAddrBits),
      out('bc_wdata_o', p.busBits),
      outVec('bc_in_filled_o', 2),
      inp('bc_we_i'),
      inp('bc_waddr_i', p.inAddrBits),
      inp('bc_wdata_i', p.busBits),
      inpVec('bc_in_filled_i', 2),
      ...readPortsN(p, p.loadPorts),
      ...writePorts(p),
    ],
  };

  // Fields the controller keeps per window entry (the descriptors themselves stay in its RAM).
  // With several engines, `images` too: a task over several images spreads its (image, m-block)
  // units, so its m-block count does not cap its engines.
  const ctrlFieldNames = [...(p.trace ? ['task_id'] : []), 'signal_id', 'wait_id', 'wait_en', 'wait_count', 'pref_engines', 'bulk', 'm_count', ...(engines > 1 ? ['images'] : [])];
  const opcode = descriptorFields.find((f) => f.name === 'opcode');
  if (!opcode || fieldPlace(opcode).beat !== 0) throw new Error('the opcode must arrive in the first beat of a descriptor');
  const place = (name: string) => fieldPlace(descriptorFields.find((f) => f.name === name)!);
  // Fields the controller checks as a layer descriptor arrives: a task without m-blocks could
  // never be given an engine, and counter numbers must name one of its counters.
  const counterBits = p.counterBits;
  const fetchChecks = [{ beat: place('m_count').beat, bad: `r_data_i[${place('m_count').bit} +: ${place('m_count').width}] == '0` }];
  for (const name of ['signal_id', 'wait_id']) {
    const f = place(name);
    if (f.width > counterBits) fetchChecks.push({ beat: f.beat, bad: `r_data_i[${f.bit + counterBits} +: ${f.width - counterBits}] != '0` });
  }
  const controller: LeafModule = {
    name: 'sf_controller',
    doc: 'Dynamic reconfiguration controller: task window, dependencies, policies, engine groups, trace.',
    template: 'sf_controller.sv.hbs',
    localparams: [
      ['AW', p.addrBits],
      ['BUS_BITS', p.busBits],
      ['LOG_BUS_BYTES', p.logBusBytes],
      ['DESC_BYTES', p.descBits / 8],
      ['DESC_BEATS', p.descBeats],
      ['DESC_BEAT_W', descBeatBits],
      ['DESC_AW', clog2(p.windowSlots * p.descBeats)],
      ['OPCODE_BIT', fieldPlace(opcode).bit],
      ['OPCODE_W', opcode.width],
      ['DESC_BURST', p.descBurst],
      ['POLICY_BITS', POLICY_BITS],
      ['NE', engines],
      ['LOG_NE', Math.floor(Math.log2(engines))],
      ['LW', p.engineBits],
      ['WIN', p.window],
      ['WIN_W', p.windowBits],
      ['CNT_W', p.counterBits],
    ],
    context: {
      trace: p.trace,
      multiEngine: engines > 1,
      opcodeEnd: OPCODE_END,
      opcodeLayer: OPCODE_LAYER,
      ctrlFields: descriptorFields.filter((f) => ctrlFieldNames.includes(f.name)).map(fieldPlace),
      fetchChecks,
      faults: FAULT_CODES.map((f) => ({ param: faultParamName(f), code: f.code })),
      policies: POLICY_TABLE.map((x) => ({ param: policyParamName(x.name), code: x.code })),
      fallbackPolicy: policyParamName(FALLBACK_POLICY),
    },
    ports: [
      inp('clk_i'),
      inp('rst_ni'),
      inp('start_i'),
      inp('policy_i', POLICY_BITS),
      inp('static_log_i', 3),
      inp('task_base_i', p.addrBits),
      out('busy_o'),
      out('error_code_o', 8),
      out('tasks_done_o', 32),
      outVec('eng_start_o', engines),
      outVec('eng_desc_we_o', engines),
      out('eng_desc_idx_o', descBeatBits),
      out('eng_desc_data_o', p.busBits),
      out('eng_group_size_o', 8),
      out('eng_member_o', engines * 8),
      out('eng_leader_o', engines * p.engineBits),
      outVec('eng_bulk_o', engines),
      out('eng_abort_o'),
      inpVec('eng_busy_i', engines),
      inpVec('eng_bad_desc_i', engines),
      inpVec('eng_bus_error_i', engines),
      ...readPorts(p),
      // To the dependency counters (sf_dep_counters) and back.
      ...depLink(p).map((l) => (l.toCounters ? out : inp)(depControllerPort(l), l.width)),
      // To the trace unit, when it is built: each completed task's record, by the table.
      ...(p.trace
        ? [
            inp('cycle_i', 32),
            out('trace_push_o'),
            ...TRACE_FIELDS.map((f) => out(`${traceSignalName(f)}_o`, 32)),
            inp('trace_full_i'),
            inp('trace_idle_i'),
            inp('trace_fault_i'),
          ]
        : []),
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

  const nrr = p.readRequesters;
  const nwr = p.writeRequesters;
  const nc = p.channels;
  const map = crossbarMap(p);
  // Slot maps as Verilog constants: per channel and slot, requester + 1 (0: empty), channel 0 in
  // the lowest bits.
  const mapWidth = clog2(Math.max(nrr, nwr) + 1);
  const mapLiteral = (lists: number[][], slots: number) => {
    let value = 0n;
    for (let c = lists.length - 1; c >= 0; c--) {
      for (let k = slots - 1; k >= 0; k--) value = (value << BigInt(mapWidth)) | BigInt(k < lists[c].length ? lists[c][k] + 1 : 0);
    }
    return `${lists.length * slots * mapWidth}'h${value.toString(16)}`;
  };
  const xbar: LeafModule = {
    name: 'sf_mem_xbar',
    doc: 'Memory interconnect: each requester on its own channel, round-robin per channel with bulk transfers last.',
    template: 'sf_mem_xbar.sv.hbs',
    localparams: [
      ['NC', nc],
      // Slots per channel for reads and for writes: a power of two, so a slot number (the
      // AXI ID) indexes them exactly.
      ['NS', p.channelSlots],
      ['SW', p.idBits],
      ['MW', mapWidth],
      ['BULK_BURSTS', p.bulkBursts],
      ['BW', clog2(p.bulkBursts * 2 + 1)],
      ['IDW', p.idBits],
      ['AW', p.addrBits],
      ['BUS_BITS', p.busBits],
    ],
    context: { rdMap: mapLiteral(map.read, p.channelSlots), wrMap: mapLiteral(map.write, p.channelSlots) },
    ports: [
      inp('clk_i'),
      inp('rst_ni'),
      inp('rd_bulk_i', nrr),
      inp('wr_bulk_i', nwr),
      inp('ar_addr_i', nrr * p.addrBits),
      inp('ar_len_i', nrr * 8),
      inp('ar_valid_i', nrr),
      out('ar_ready_o', nrr),
      out('r_data_o', nrr * p.busBits),
      out('r_resp_o', nrr * 2),
      out('r_last_o', nrr),
      out('r_valid_o', nrr),
      inp('r_ready_i', nrr),
      inp('aw_addr_i', nwr * p.addrBits),
      inp('aw_len_i', nwr * 8),
      inp('aw_valid_i', nwr),
      out('aw_ready_o', nwr),
      inp('w_data_i', nwr * p.busBits),
      inp('w_last_i', nwr),
      inp('w_valid_i', nwr),
      out('w_ready_o', nwr),
      out('b_resp_o', nwr * 2),
      out('b_valid_o', nwr),
      inp('b_ready_i', nwr),
      out('ch_ar_addr_o', nc * p.addrBits),
      out('ch_ar_len_o', nc * 8),
      out('ch_ar_id_o', nc * p.idBits),
      out('ch_ar_valid_o', nc),
      inp('ch_ar_ready_i', nc),
      inp('ch_r_data_i', nc * p.busBits),
      inp('ch_r_resp_i', nc * 2),
      inp('ch_r_last_i', nc),
      inp('ch_r_id_i', nc * p.idBits),
      inp('ch_r_valid_i', nc),
      out('ch_r_ready_o', nc),
      out('ch_aw_addr_o', nc * p.addrBits),
      out('ch_aw_len_o', nc * 8),
      out('ch_aw_id_o', nc * p.idBits),
      out('ch_aw_valid_o', nc),
      inp('ch_aw_ready_i', nc),
      out('ch_w_data_o', nc * p.busBits),
      out('ch_w_last_o', nc),
      out('ch_w_valid_o', nc),
      inp('ch_w_ready_i', nc),
      inp('ch_b_resp_i', nc * 2),
      inp('ch_b_id_i', nc * p.idBits),
      inp('ch_b_valid_i', nc),
      out('ch_b_ready_o', nc),
    ],
  };

  const ne = engines;
  const groupBus: LeafModule = {
    name: 'sf_group_bus',
    doc: 'Engine-to-engine interconnect: input broadcast from each group leader to its members.',
    template: 'sf_group_bus.sv.hbs',
    localparams: [
      ['NE', ne],
      ['LW', p.engineBits],
      ['IN_AW', p.inAddrBits],
      ['BUS_BITS', p.busBits],
    ],
    ports: [
      inp('leader_i', ne * p.engineBits),
      inpVec('busy_i', ne),
      inp('in_ready_i', ne * 2),
      inpVec('bc_we_i', ne),
      inp('bc_waddr_i', ne * p.inAddrBits),
      inp('bc_wdata_i', ne * p.busBits),
      inp('bc_in_filled_i', ne * 2),
      outVec('bc_we_o', ne),
      out('bc_waddr_o', ne * p.inAddrBits),
      out('bc_wdata_o', ne * p.busBits),
      out('bc_in_filled_o', ne * 2),
      out('group_in_ready_o', ne * 2),
    ],
  };

  // The interconnects slice every port per requester, channel or engine: declare them all with
  // a range, even when a configuration makes one a single bit wide.
  for (const m of [xbar, groupBus]) m.ports = m.ports.map((port) => ({ ...port, vector: true }));
  return { inRam, wRam, accRam, descRam, depRam, writeFifoRam, burstCap, loadQueue, loadPort, loader, compute, writeLenFifo, writeDataFifo, writer, engine, controller, depCounters, ...(p.trace ? { traceQueue, traceUnit } : {}), csr, xbar, groupBus };
}
