// The engine, composed in the DSL: a descriptor latch, the sequencer, the loader, the compute
// unit, the writer, and the buffers between them (input buffer, one weight bank per output
// lane, accumulators). The latch keeps exactly the descriptor fields the units are connected
// to here: the list is learned from the connections below, and the DSL refuses a latched field
// nobody reads.
import { addressFields, descriptorFields, fieldBitOffset, loopFields } from '../../arch/descriptor.ts';
import { axiRead, axiWrite, inp, inpVec, out, outVec, readPortsN, writePorts, type LeafModule } from '../../arch/leaves.ts';
import { clog2, type HwParams } from '../../arch/params.ts';
import { ModuleBuilder, and, bit, cat, eq, lit, mux, or, ref, slice, type Expr, type StructuralModule } from '../../dsl/module.ts';
import { InternalError } from '../../errors.ts';
import { siblingTemplate } from '../../emit/templates.ts';
import { buildCompute } from '../compute/block.ts';
import { loaderLeaves } from '../loader/block.ts';
import { ram } from '../ram/block.ts';
import { writerLeaves } from '../writer/block.ts';

/** A descriptor field as the engine keeps it: its width in hardware, and where it arrives. */
export interface EngineField {
  name: string;
  width: number;
  /** Bus beat of the descriptor and bit within it. */
  beat: number;
  bit: number;
  /** A loop field's bits above the hardware width, which must be zero. */
  upperBit?: number;
  upperWidth?: number;
}

/** Address fields keep the address width, loop fields the loop width (their upper bits must be zero). */
export function engineField(p: HwParams, name: string): EngineField {
  const f = descriptorFields.find((x) => x.name === name);
  if (!f) throw new InternalError(`engine: no descriptor field "${name}"`);
  const place = { name, width: f.width, beat: Math.floor(fieldBitOffset(f) / p.busBits), bit: fieldBitOffset(f) % p.busBits };
  if (addressFields.has(name)) return { ...place, width: Math.min(f.width, p.addrBits) };
  // An input-buffer word count: the buffer's address width (both slots).
  const width = name === 'in_region' ? p.inAddrBits : p.loopBits;
  if (loopFields.has(name)) return { ...place, width, upperBit: place.bit + width, upperWidth: f.width - width };
  return place;
}

/** The fields the sequencer reads: loop counts, addresses and strides, and the ones it range-checks. */
const SEQUENCER_FIELDS = [
  'images', 'm_count', 'cin_blocks', 'out_cblocks', 'in_resident', 'in_region',
  'w_addr', 'w_mstride', 'w_cstride', 'bias_addr', 'bias_mstride',
  'in_addr', 'in_cstride', 'in_istride', 'out_addr', 'out_mstride', 'out_istride',
  'kernel_h', 'kernel_w', 'pool_kernel', 'pixels', 'kk', 'load_rows', 'load_cols', 'w_beats',
  'tile_cols', 'pool_rows', 'pool_cols',
];

function descriptorLatch(p: HwParams, fields: EngineField[]): LeafModule {
  return {
    name: 'sf_engine_desc',
    synthInline: true,
    doc: 'The descriptor fields an engine uses, latched as the controller streams the descriptor.',
    template: siblingTemplate(import.meta.url, 'sf_engine_desc.sv.hbs'),
    localparams: [
      ['DESC_BEAT_W', p.descBeatBits],
      ['LOG_BUS_BYTES', p.logBusBytes],
    ],
    context: { fields, alignedFields: fields.filter((f) => addressFields.has(f.name)) },
    ports: [
      inp('clk_i'),
      inp('rst_ni'),
      inp('desc_we_i'),
      inp('desc_idx_i', p.descBeatBits),
      inp('desc_data_i', p.busBits),
      ...fields.map((f) => out(`${f.name}_o`, f.width)),
      out('malformed_o'),
    ],
  };
}

function sequencer(p: HwParams, engines: number): LeafModule {
  const fields = SEQUENCER_FIELDS.map((name) => engineField(p, name));
  return {
    name: 'sf_engine_seq',
    synthInline: true,
    doc: 'Engine sequencer: walks a task\'s (m-block, c-block) pairs, commanding loader, compute unit and writer.',
    template: siblingTemplate(import.meta.url, 'sf_engine_seq.sv.hbs'),
    localparams: [
      ['AW', p.addrBits],
      ['TM', p.tm],
      ['TN', p.tn],
      ['IN_AW', p.inAddrBits],
      ['ACC_DEPTH', p.accDepth],
      ['W_DEPTH', p.wDepth],
      ['P', p.loadPorts],
      ['LOG_NJ', clog2(p.tm / p.tn)],
      // Tasks over several images: only a multi-engine build can use them.
      ['UNITS', engines > 1 ? 1 : 0],
      // Member indices stay below the engine count and group sizes at or below it: masks that
      // let synthesis drop the shift-add terms of bits that are always zero.
      ['MEMBER_MASK', 2 ** clog2(engines) - 1],
      ['GROUP_MASK', 2 ** clog2(engines + 1) - 1],
    ],
    ports: [
      inp('clk_i'),
      inp('rst_ni'),
      inp('start_i'),
      inp('desc_clear_i'),
      inp('desc_malformed_i'),
      ...fields.map((f) => inp(`d_${f.name}_i`, f.width)),
      inp('group_size_i', 8),
      inp('member_i', 8),
      inp('abort_i'),
      inpVec('group_in_ready_i', 2),
      inpVec('bc_in_filled_i', 2),
      inp('ld_ready_i'),
      inp('ld_idle_i'),
      inp('ld_error_i'),
      inpVec('ld_filled_i', 2),
      inpVec('ld_in_filled_i', 2),
      inp('cp_busy_i'),
      inp('wr_busy_i'),
      inp('wr_error_i'),
      out('busy_o'),
      out('computing_o'),
      out('bad_desc_o'),
      outVec('in_ready_o', 2),
      out('stop_o'),
      out('own_input_o'),
      out('broadcast_o'),
      out('ld_issue_o'),
      out('ld_slot_o'),
      out('ld_last_o'),
      out('ld_input_o'),
      out('ld_w_addr_o', p.addrBits),
      out('ld_in_addr_o', p.addrBits),
      out('ld_in_base_o', p.inAddrBits),
      out('ld_bias_addr_o', p.addrBits),
      out('cp_go_o'),
      out('cp_slot_o'),
      out('cp_in_base_o', p.inAddrBits),
      out('cp_first_o'),
      out('wr_start_o'),
      out('wr_out_addr_o', p.addrBits),
      out('wr_nj_o', 8),
    ],
  };
}

export interface EngineBlock {
  /** Every leaf below the engine: its own (latch, sequencer, buffers) and its units'. */
  leaves: LeafModule[];
  /** The DSL-built modules below the engine, children first. */
  modules: StructuralModule[];
  engine: StructuralModule;
}

/** The engine's own ports (the top level connects these). */
export function enginePorts(p: HwParams) {
  return [
    inp('clk_i'),
    inp('rst_ni'),
    inp('start_i'),
    inp('desc_we_i'),
    inp('desc_idx_i', p.descBeatBits),
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
  ];
}

export function buildEngine(p: HwParams, engines: number): EngineBlock {
  const loader = loaderLeaves(p);
  const writer = writerLeaves(p);
  const compute = buildCompute(p);
  const inRam = ram('sf_sdp_ram_in', 'Input buffer: two slots of input vectors.', p.busBits, 2 * p.inDepth);
  const wRam = ram('sf_sdp_ram_w', 'Weight buffer bank: two slots of one output lane\'s weights, and above them its bias for each slot.', p.busBits, 4 * p.wDepth);
  const accRam = ram('sf_sdp_ram_acc', 'Accumulator buffer: TM 32-bit sums per output pixel.', p.tm * 32, p.accDepth);
  const units = { loader: loader.loader, writer: writer.writer, compute: compute.compute, inRam, wRam, accRam };
  const e = new ModuleBuilder('sf_engine', 'One engine: PE array, double-buffered input and weight buffers, accumulators, loader and writer.');
  const port = e.addPorts(enginePorts(p));
  const seq = sequencer(p, engines);

  // Descriptor fields by name: each use records the field, and the latch keeps exactly those.
  const used = new Set<string>();
  const d = (name: string): Expr => {
    used.add(name);
    return ref(`d_${name}`);
  };

  const w = (name: string, width = 1, doc?: string) => e.wire(name, width, doc);
  const np = p.loadPorts;
  const bankBits = Math.max(1, clog2(p.portBanks));
  const biasIdxBits = Math.max(1, clog2(p.biasBeats / np));
  // Sequencer outputs.
  const s = Object.fromEntries(
    seq.ports.filter((x) => x.dir === 'output' && !['busy_o', 'computing_o', 'bad_desc_o', 'in_ready_o'].includes(x.name))
      .map((x) => [x.name.replace(/_o$/, ''), w(`seq_${x.name.replace(/_o$/, '')}`, x.width)]),
  );
  const descClear = w('desc_clear', 1, 'beat 0 of a descriptor: the previous task\'s fault flags clear');
  const malformed = w('desc_malformed');
  // Loader outputs.
  const ld = {
    ready: w('ld_ready'), idle: w('ld_idle'), error: w('ld_error'),
    filled: w('ld_filled', 2), inFilled: w('ld_in_filled', 2),
    inWe: w('in_we'), inWaddr: w('in_waddr', p.inAddrBits), inWdata: w('in_wdata', p.busBits),
    wWe: w('w_we', np), wBank: w('w_bank', np * bankBits), wWaddr: w('w_waddr', np * p.wAddrBits), wWdata: w('w_wdata', np * p.busBits),
    biasWe: w('bias_we', np), biasSlot: w('bias_slot', np), biasIdx: w('bias_idx', np * biasIdxBits), biasWdata: w('bias_wdata', np * p.busBits),
  };
  // Compute unit and writer outputs; buffer read data.
  const cp = {
    busy: w('cp_busy'), inRe: w('in_re'), inRaddr: w('in_raddr', p.inAddrBits), wRe: w('w_re'), wRaddr: w('w_raddr', p.wAddrBits),
    accRe: w('cp_acc_re'), accRaddr: w('cp_acc_raddr', p.accAddrBits),
    accWe: w('acc_we'), accWaddr: w('acc_waddr', p.accAddrBits), accWdata: w('acc_wdata', p.tm * 32),
  };
  const wr = { busy: w('wr_busy'), error: w('wr_error'), accRe: w('wr_acc_re'), accRaddr: w('wr_acc_raddr', p.accAddrBits) };
  const inRdata = w('in_rdata', p.busBits);
  const wRdata = w('w_rdata', p.tm * p.busBits);
  const accRdata = w('acc_rdata', p.tm * 32);

  e.assign(descClear, and(port.desc_we_i, eq(port.desc_idx_i, lit(0, p.descBeatBits))));
  e.assign(port.bus_error_o, or(ld.error, wr.error));

  const seqFields = Object.fromEntries(SEQUENCER_FIELDS.map((name) => [`d_${name}_i`, d(name)]));
  e.instance(seq, 'u_seq', {
    clk_i: port.clk_i, rst_ni: port.rst_ni, start_i: port.start_i, desc_clear_i: descClear, desc_malformed_i: malformed,
    ...seqFields,
    group_size_i: port.group_size_i, member_i: port.member_i, abort_i: port.abort_i,
    group_in_ready_i: port.group_in_ready_i, bc_in_filled_i: port.bc_in_filled_i,
    ld_ready_i: ld.ready, ld_idle_i: ld.idle, ld_error_i: ld.error, ld_filled_i: ld.filled, ld_in_filled_i: ld.inFilled,
    cp_busy_i: cp.busy, wr_busy_i: wr.busy, wr_error_i: wr.error,
    busy_o: port.busy_o, computing_o: port.computing_o, bad_desc_o: port.bad_desc_o, in_ready_o: port.in_ready_o,
    ...Object.fromEntries(Object.entries(s).map(([k, v]) => [`${k}_o`, v])),
  });

  // Buffers. The input buffer takes the engine's own loader's tiles, or its leader's broadcast.
  const own = s.own_input;
  e.instance(units.inRam, 'u_in_buf', {
    clk_i: port.clk_i,
    we_i: mux(own, ld.inWe, port.bc_we_i),
    waddr_i: mux(own, ld.inWaddr, port.bc_waddr_i),
    wdata_i: mux(own, ld.inWdata, port.bc_wdata_i),
    re_i: cp.inRe,
    raddr_i: cp.inRaddr,
    rdata_o: inRdata,
  });

  // Weight banks, one per output lane, written by load port lane / G only: a weight beat for
  // the bank, or the bias beat holding its bias. Biases live one word per slot above the
  // weights; bank m holds lane m's bias in the beat the loader delivered it in (BIAS_PER_BEAT
  // biases a beat). The writer has every bank read that word when it starts, and the banks'
  // outputs hold it while it runs: the compute unit, their only other reader, is idle until the
  // writer is done.
  const lanesPerPort = p.portBanks;
  const biasPerBeat = p.busBits / 32;
  const wAw = p.wAddrBits;
  if (wAw < 2) throw new InternalError('engine: the weight buffer needs at least 2 address bits');
  w('bank_bias_we', p.tm, 'per bank: a bias beat for it');
  w('bank_weight_we', p.tm, 'per bank: a weight beat for it');
  const biasVec = w('bias_vec', p.tm * 32, 'lane m\'s bias, read from bank m');
  const bankRe = w('bank_re');
  const bankRaddr = w('bank_raddr', wAw + 1);
  e.assign(bankRe, or(cp.wRe, s.wr_start));
  e.assign(bankRaddr, mux(s.wr_start, cat(lit(1, 1), s.cp_slot, lit(0, wAw - 1)), cat(lit(0, 1), cp.wRaddr)));
  for (let lane = 0; lane < p.tm; lane++) {
    const lp = Math.floor(lane / lanesPerPort);
    const biasHere = bit('bank_bias_we', lane);
    const weightHere = bit('bank_weight_we', lane);
    e.assign(biasHere, and(bit('bias_we', lp), eq(slice('bias_idx', lp * biasIdxBits, biasIdxBits), lit(Math.floor((lane % lanesPerPort) / biasPerBeat), biasIdxBits))));
    e.assign(weightHere, and(bit('w_we', lp), eq(slice('w_bank', lp * bankBits, bankBits), lit(lane % lanesPerPort, bankBits))));
    e.instance(units.wRam, `u_w_bank${lane}`, {
      clk_i: port.clk_i,
      we_i: or(biasHere, weightHere),
      waddr_i: mux(biasHere, cat(lit(1, 1), bit('bias_slot', lp), lit(0, wAw - 1)), cat(lit(0, 1), slice('w_waddr', lp * wAw, wAw))),
      wdata_i: mux(biasHere, slice('bias_wdata', lp * p.busBits, p.busBits), slice('w_wdata', lp * p.busBits, p.busBits)),
      re_i: bankRe,
      raddr_i: bankRaddr,
      rdata_o: slice('w_rdata', lane * p.busBits, p.busBits),
    });
    e.assign(slice('bias_vec', lane * 32, 32), slice('w_rdata', lane * p.busBits + (lane % biasPerBeat) * 32, 32));
  }

  e.instance(units.accRam, 'u_acc_buf', {
    clk_i: port.clk_i,
    we_i: cp.accWe,
    waddr_i: cp.accWaddr,
    wdata_i: cp.accWdata,
    re_i: or(cp.accRe, wr.accRe),
    raddr_i: mux(cp.accRe, cp.accRaddr, wr.accRaddr),
    rdata_o: accRdata,
  });

  // Broadcast of the leader's input-buffer writes and input arrivals to its members.
  e.assign(port.bc_we_o, and(s.broadcast, ld.inWe));
  e.assign(port.bc_waddr_o, ld.inWaddr);
  e.assign(port.bc_wdata_o, ld.inWdata);
  e.assign(port.bc_in_filled_o, mux(s.broadcast, ld.inFilled, lit(0, 2)));

  // Units.
  // The units' memory ports are the engine's own, passed straight through.
  const readBundle = axiRead(p).connect('master', (sig) => ref(axiRead(p).portName(sig, 'master')));
  const writeBundle = axiWrite(p).connect('master', (sig) => ref(axiWrite(p).portName(sig, 'master')));
  e.instance(units.loader, 'u_loader', {
    clk_i: port.clk_i, rst_ni: port.rst_ni, clear_i: descClear, abort_i: s.stop,
    cmd_valid_i: s.ld_issue, cmd_ready_o: ld.ready, cmd_slot_i: s.ld_slot, cmd_last_i: s.ld_last, cmd_input_i: s.ld_input,
    cmd_w_addr_i: s.ld_w_addr, cmd_in_addr_i: s.ld_in_addr, cmd_in_base_i: s.ld_in_base, cmd_bias_addr_i: s.ld_bias_addr,
    w_beats_i: d('w_beats'), in_ystride_i: d('in_ystride'), load_rows_i: d('load_rows'), load_cols_i: d('load_cols'),
    in_dst_first_i: d('in_dst_first'), in_tile_cols_i: d('in_tile_cols'),
    ...readBundle,
    in_we_o: ld.inWe, in_waddr_o: ld.inWaddr, in_wdata_o: ld.inWdata,
    w_we_o: ld.wWe, w_waddr_o: ld.wWaddr, w_wdata_o: ld.wWdata,
    bias_we_o: ld.biasWe, bias_slot_o: ld.biasSlot, bias_idx_o: ld.biasIdx, bias_wdata_o: ld.biasWdata, w_bank_o: ld.wBank,
    filled_o: ld.filled, in_filled_o: ld.inFilled, idle_o: ld.idle, error_o: ld.error,
  });
  e.instance(units.compute, 'u_compute', {
    clk_i: port.clk_i, rst_ni: port.rst_ni, start_i: s.cp_go, slot_i: s.cp_slot, in_base_i: s.cp_in_base, first_i: s.cp_first,
    kernel_w_i: d('kernel_w'), conv_stride_i: d('conv_stride'), kk_i: d('kk'), tile_cols_i: d('tile_cols'), pixels_i: d('pixels'),
    in_tile_cols_i: d('in_tile_cols'), in_row_step_i: d('in_row_step'), load_row_first_i: d('load_row_first'),
    load_rows_i: d('load_rows'), load_col_first_i: d('load_col_first'), load_cols_i: d('load_cols'),
    in_re_o: cp.inRe, in_raddr_o: cp.inRaddr, in_rdata_i: inRdata, w_re_o: cp.wRe, w_raddr_o: cp.wRaddr, w_rdata_i: wRdata,
    acc_re_o: cp.accRe, acc_raddr_o: cp.accRaddr, acc_rdata_i: accRdata, acc_we_o: cp.accWe, acc_waddr_o: cp.accWaddr, acc_wdata_o: cp.accWdata,
    busy_o: cp.busy,
  });
  e.instance(units.writer, 'u_writer', {
    clk_i: port.clk_i, rst_ni: port.rst_ni, clear_i: descClear, start_i: s.wr_start, out_addr_i: s.wr_out_addr, nj_i: s.wr_nj,
    pool_rows_i: d('pool_rows'), pool_cols_i: d('pool_cols'), pool_kernel_i: d('pool_kernel'), pool_stride_i: d('pool_stride'),
    pool_row_step_i: d('pool_row_step'), tile_cols_i: d('tile_cols'), out_cstride_i: d('out_cstride'), out_ystride_i: d('out_ystride'),
    shift_i: d('shift'), chan_shift_i: d('chan_shift'), sat_bits_i: d('sat_bits'), relu_i: d('relu'), round_even_i: d('round_even'), leak_i: d('leak'), bias_i: biasVec,
    acc_re_o: wr.accRe, acc_raddr_o: wr.accRaddr, acc_rdata_i: accRdata,
    ...writeBundle,
    busy_o: wr.busy, error_o: wr.error,
  });

  // The latch: the fields used above, in descriptor-table order.
  const fields = descriptorFields.filter((f) => used.has(f.name)).map((f) => engineField(p, f.name));
  for (const f of fields) e.wire(`d_${f.name}`, f.width);
  const latch = descriptorLatch(p, fields);
  e.instance(latch, 'u_desc', {
    clk_i: port.clk_i, rst_ni: port.rst_ni, desc_we_i: port.desc_we_i, desc_idx_i: port.desc_idx_i, desc_data_i: port.desc_data_i,
    ...Object.fromEntries(fields.map((f) => [`${f.name}_o`, ref(`d_${f.name}`)])),
    malformed_o: malformed,
  });

  return {
    leaves: [inRam, wRam, accRam, ...Object.values(loader), ...Object.values(writer), ...compute.leaves, latch, seq],
    modules: [...compute.modules, compute.compute],
    engine: e.build(),
  };
}
