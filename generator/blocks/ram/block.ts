// The simple dual-port RAM (sf_sdp_ram.sv.hbs, next to this file): one write port, one read port
// with a registered output, the form FPGA block RAMs take. One module per use (sf_sdp_ram_<role>),
// since leaves carry localparams; the synthesis gate checks that each maps to block RAM.
import { inp, out, type LeafModule } from '../../arch/leaves.ts';
import { clog2 } from '../../arch/params.ts';
import { siblingTemplate } from '../../emit/templates.ts';

/** A simple dual-port RAM module (sf_sdp_ram.sv.hbs) of depth words of width bits. */
export function ram(name: string, doc: string, width: number, depth: number): LeafModule {
  return {
    name,
    doc,
    template: siblingTemplate(import.meta.url, 'sf_sdp_ram.sv.hbs'),
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
