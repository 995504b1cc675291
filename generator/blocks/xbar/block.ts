// The memory crossbar, composed in the DSL: read requesters (the controller, then each
// engine's load ports) and write requesters (the controller, then each engine) onto NC AXI4
// channels by a fixed map (params.ts crossbarMap): each requester owns a slot of one channel,
// and the slot number is its AXI ID. The map is wiring, done here by slicing; each channel's
// arbiter (sf_xbar_channel) is a leaf. An engine reaches several channels through its several
// load ports, so its bandwidth does not depend on the channel it was given.
import { axiRead, axiWrite, inp, out, type LeafModule } from '../../arch/leaves.ts';
import { clog2, crossbarMap, type HwParams } from '../../arch/params.ts';
import { ModuleBuilder, bit, cat, lit, ref, slice, type Expr, type PortDef, type StructuralModule } from '../../dsl/module.ts';
import { siblingTemplate } from '../../emit/templates.ts';

const vector = (d: PortDef): PortDef => ({ ...d, vector: true });

function channelArbiter(p: HwParams): LeafModule {
  const ns = p.channelSlots;
  const ab = p.addrBits;
  const bb = p.busBits;
  return {
    name: 'sf_xbar_channel',
    synthInline: true,
    doc: 'One channel of the memory crossbar: round-robin over its slots, bulk transfers last.',
    template: siblingTemplate(import.meta.url, 'sf_xbar_channel.sv.hbs'),
    localparams: [
      // Slots per channel for reads and for writes: a power of two, so a slot number (the AXI
      // ID) indexes them exactly.
      ['NS', ns],
      ['SW', p.idBits],
      ['BULK_BURSTS', p.bulkBursts],
      ['BW', clog2(p.bulkBursts * 2 + 1)],
      ['IDW', p.idBits],
      ['AW', ab],
      ['BUS_BITS', bb],
    ],
    ports: [
      inp('clk_i'),
      inp('rst_ni'),
      ...[
        inp('ar_req_i', ns), inp('ar_bulk_i', ns), inp('ar_addr_i', ns * ab), inp('ar_len_i', ns * 8), out('ar_ready_o', ns),
        out('r_valid_o', ns), inp('r_ready_i', ns),
        inp('aw_req_i', ns), inp('aw_bulk_i', ns), inp('aw_addr_i', ns * ab), inp('aw_len_i', ns * 8), out('aw_ready_o', ns),
        inp('w_data_i', ns * bb), inp('w_last_i', ns), inp('w_valid_i', ns), out('w_ready_o', ns),
        out('b_valid_o', ns), inp('b_ready_i', ns),
      ].map(vector),
      out('ch_ar_addr_o', ab), out('ch_ar_len_o', 8), out('ch_ar_id_o', p.idBits), out('ch_ar_valid_o'), inp('ch_ar_ready_i'),
      inp('ch_r_id_i', p.idBits), inp('ch_r_last_i'), inp('ch_r_valid_i'), out('ch_r_ready_o'),
      out('ch_aw_addr_o', ab), out('ch_aw_len_o', 8), out('ch_aw_id_o', p.idBits), out('ch_aw_valid_o'), inp('ch_aw_ready_i'),
      out('ch_w_data_o', bb), out('ch_w_last_o'), out('ch_w_valid_o'), inp('ch_w_ready_i'),
      inp('ch_b_id_i', p.idBits), inp('ch_b_valid_i'), out('ch_b_ready_o'),
    ],
  };
}

export interface XbarBlock {
  leaves: LeafModule[];
  xbar: StructuralModule;
}

export function buildXbar(p: HwParams): XbarBlock {
  const arbiter = channelArbiter(p);
  const { readRequesters: nrr, writeRequesters: nwr, channels: nc, channelSlots: ns, addrBits: ab, busBits: bb, idBits: idw } = p;
  const x = new ModuleBuilder('sf_mem_xbar', 'Memory interconnect: each requester on its own channel, round-robin per channel with bulk transfers last.');
  x.addPorts([
    inp('clk_i'), inp('rst_ni'),
    vector(inp('rd_bulk_i', nrr)), vector(inp('wr_bulk_i', nwr)),
    // The requesters' side, one bundle each; the memory channels' side, with AXI IDs.
    ...axiRead(p).ports('slave', { count: nrr, vector: true }),
    ...axiWrite(p).ports('slave', { count: nwr, vector: true }),
    ...axiRead(p, idw).ports('master', { prefix: 'ch_', count: nc, vector: true }),
    ...axiWrite(p, idw).ports('master', { prefix: 'ch_', count: nc, vector: true }),
  ]);

  const map = crossbarMap(p);
  for (let c = 0; c < nc; c++) {
    const reads = map.read[c];
    const writes = map.write[c];
    // Per slot (slot 0 lowest): the requester's signal; the empty slots above them all take one
    // constant (`empty` repeated).
    const slots = (requesters: number[], signal: string, width: number, empty: bigint): Expr => {
      const used = requesters.map((r) => slice(signal, r * width, width)).reverse();
      const emptySlots = ns - requesters.length;
      let fill = 0n;
      for (let k = 0; k < emptySlots; k++) fill = (fill << BigInt(width)) | empty;
      return emptySlots > 0 ? cat(lit(fill, emptySlots * width), ...used) : cat(...used);
    };
    const back = (name: string) => x.wire(`ch${c}_${name}`, ns, `channel ${c}: ${name.replace('_', ' ')} per slot`);
    const arReady = back('ar_ready');
    const rValid = back('r_valid');
    const awReady = back('aw_ready');
    const wReady = back('w_ready');
    const bValid = back('b_valid');
    // Empty slots' handshakes answer nobody.
    const emptyOf = (signal: string, used: number) => slice(`ch${c}_${signal}`, used, ns - used);
    x.instance(arbiter, `u_channel${c}`, {
      clk_i: ref('clk_i'),
      rst_ni: ref('rst_ni'),
      ar_req_i: slots(reads, 'ar_valid_i', 1, 0n),
      ar_bulk_i: slots(reads, 'rd_bulk_i', 1, 0n),
      ar_addr_i: slots(reads, 'ar_addr_i', ab, 0n),
      ar_len_i: slots(reads, 'ar_len_i', 8, 0n),
      ar_ready_o: arReady,
      r_valid_o: rValid,
      r_ready_i: slots(reads, 'r_ready_i', 1, 1n),
      aw_req_i: slots(writes, 'aw_valid_i', 1, 0n),
      aw_bulk_i: slots(writes, 'wr_bulk_i', 1, 0n),
      aw_addr_i: slots(writes, 'aw_addr_i', ab, 0n),
      aw_len_i: slots(writes, 'aw_len_i', 8, 0n),
      aw_ready_o: awReady,
      w_data_i: slots(writes, 'w_data_i', bb, 0n),
      w_last_i: slots(writes, 'w_last_i', 1, 0n),
      w_valid_i: slots(writes, 'w_valid_i', 1, 0n),
      w_ready_o: wReady,
      b_valid_o: bValid,
      b_ready_i: slots(writes, 'b_ready_i', 1, 1n),
      ch_ar_addr_o: slice('ch_ar_addr_o', c * ab, ab), ch_ar_len_o: slice('ch_ar_len_o', c * 8, 8), ch_ar_id_o: slice('ch_ar_id_o', c * idw, idw),
      ch_ar_valid_o: bit('ch_ar_valid_o', c), ch_ar_ready_i: bit('ch_ar_ready_i', c),
      ch_r_id_i: slice('ch_r_id_i', c * idw, idw), ch_r_last_i: bit('ch_r_last_i', c), ch_r_valid_i: bit('ch_r_valid_i', c), ch_r_ready_o: bit('ch_r_ready_o', c),
      ch_aw_addr_o: slice('ch_aw_addr_o', c * ab, ab), ch_aw_len_o: slice('ch_aw_len_o', c * 8, 8), ch_aw_id_o: slice('ch_aw_id_o', c * idw, idw),
      ch_aw_valid_o: bit('ch_aw_valid_o', c), ch_aw_ready_i: bit('ch_aw_ready_i', c),
      ch_w_data_o: slice('ch_w_data_o', c * bb, bb), ch_w_last_o: bit('ch_w_last_o', c), ch_w_valid_o: bit('ch_w_valid_o', c), ch_w_ready_i: bit('ch_w_ready_i', c),
      ch_b_id_i: slice('ch_b_id_i', c * idw, idw), ch_b_valid_i: bit('ch_b_valid_i', c), ch_b_ready_o: bit('ch_b_ready_o', c),
    });
    // Back to the requesters: handshakes from their slots, data straight from the channel.
    reads.forEach((req, k) => {
      x.assign(bit('ar_ready_o', req), bit(`ch${c}_ar_ready`, k));
      x.assign(bit('r_valid_o', req), bit(`ch${c}_r_valid`, k));
      x.assign(slice('r_data_o', req * bb, bb), slice('ch_r_data_i', c * bb, bb));
      x.assign(slice('r_resp_o', req * 2, 2), slice('ch_r_resp_i', c * 2, 2));
      x.assign(bit('r_last_o', req), bit('ch_r_last_i', c));
    });
    writes.forEach((req, k) => {
      x.assign(bit('aw_ready_o', req), bit(`ch${c}_aw_ready`, k));
      x.assign(bit('w_ready_o', req), bit(`ch${c}_w_ready`, k));
      x.assign(bit('b_valid_o', req), bit(`ch${c}_b_valid`, k));
      x.assign(slice('b_resp_o', req * 2, 2), slice('ch_b_resp_i', c * 2, 2));
    });
    const unread: Expr[] = [];
    if (reads.length < ns) unread.push(emptyOf('ar_ready', reads.length), emptyOf('r_valid', reads.length));
    if (writes.length < ns) unread.push(emptyOf('aw_ready', writes.length), emptyOf('w_ready', writes.length), emptyOf('b_valid', writes.length));
    if (reads.length === 0) unread.push(slice('ch_r_data_i', c * bb, bb), slice('ch_r_resp_i', c * 2, 2));
    if (writes.length === 0) unread.push(slice('ch_b_resp_i', c * 2, 2));
    if (unread.length > 0) x.unused(`channel${c}`, `channel ${c}'s empty slots: no requester to answer`, ...unread);
  }
  return { leaves: [arbiter], xbar: x.build() };
}
