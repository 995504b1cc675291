// The writer: post-processing (bias, rounding shift half up or half to even, saturation, ReLU),
// max-pooling and AXI4 write bursts of one m-block of outputs (sf_writer), with its FIFOs of burst
// lengths and of output vectors (the latter in block RAM).
import { CHAN_BIAS_BITS, CHAN_SHIFT_LSB } from '../../arch/bias-word.ts';
import { inp, out, writePorts, type LeafModule } from '../../arch/leaves.ts';
import { clog2, type HwParams } from '../../arch/params.ts';
import { siblingTemplate } from '../../emit/templates.ts';
import { fifo } from '../fifo/block.ts';
import { ram } from '../ram/block.ts';

export function writerLeaves(p: HwParams) {
  const writeFifoRam = ram('sf_sdp_ram_wfifo', 'Writer FIFO: output vectors waiting for their write burst.', p.busBits, p.writeDataDepth);
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
    template: siblingTemplate(import.meta.url, 'sf_writer.sv.hbs'),
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
      ['CHAN_BIAS_BITS', CHAN_BIAS_BITS],
      ['CHAN_SHIFT_LSB', CHAN_SHIFT_LSB],
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
      inp('chan_shift_i'),
      inp('sat_bits_i', 5),
      inp('relu_i'),
      inp('round_even_i'),
      inp('leak_i', 5),
      inp('bias_i', p.tm * 32),
      out('acc_re_o'),
      out('acc_raddr_o', p.accAddrBits),
      inp('acc_rdata_i', p.tm * 32),
      ...writePorts(p),
      out('busy_o'),
      out('error_o'),
    ],
  };

  return { writeFifoRam, writeLenFifo, writeDataFifo, writer };
}
