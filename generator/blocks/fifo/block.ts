// The FIFO primitive (sf_fifo.sv.hbs, next to this file): one module per use, since leaves carry
// localparams rather than parameters, each named by its role (sf_fifo_ldq, sf_fifo_trace, ...).
// Storage is either registers, read combinationally (the head shows in the cycle after its push),
// or a simple dual-port RAM read one cycle ahead into the RAM's output register (two cycles).
import type { PortDef } from '../../dsl/module.ts';
import type { LeafModule } from '../../arch/leaves.ts';
import { clog2 } from '../../arch/params.ts';
import { siblingTemplate } from '../../emit/templates.ts';

export interface FifoSpec {
  /** Module name: sf_fifo_<role>. */
  name: string;
  doc: string;
  width: number;
  /** Entries: a power of two, at least 2 (the pointers wrap by themselves). */
  depth: number;
  /** Store the entries in this sf_sdp_ram_* module (its WIDTH and DEPTH those of the FIFO)
   * instead of registers. */
  ram?: LeafModule;
}

const port = (dir: PortDef['dir'], name: string, width = 1): PortDef => ({ name, dir, width });

/**
 * A FIFO of `depth` entries of `width` bits. push_i is taken unless the FIFO is full (full and
 * popped in the same cycle, it is taken); pop_i removes the head while valid_o; clear_i empties it,
 * dropping a push of the same cycle. count_o counts the entries, the head's included.
 */
export function fifo({ name, doc, width, depth, ram }: FifoSpec): LeafModule {
  if (!Number.isInteger(depth) || depth < 2 || 2 ** clog2(depth) !== depth) {
    throw new Error(`${name}: a FIFO's depth must be a power of two of at least 2, not ${depth}`);
  }
  if (!Number.isInteger(width) || width < 1) throw new Error(`${name}: a FIFO's width must be a positive integer, not ${width}`);
  if (ram) {
    const param = (key: string) => ram.localparams.find(([k]) => k === key)?.[1];
    if (!ram.name.startsWith('sf_sdp_ram_') || param('WIDTH') !== width || param('DEPTH') !== depth) {
      throw new Error(`${name}: its RAM must be an sf_sdp_ram_* of ${width} x ${depth}, not ${ram.name} (${param('WIDTH')} x ${param('DEPTH')})`);
    }
  }
  const aw = clog2(depth);
  return {
    name,
    doc,
    template: siblingTemplate(import.meta.url, 'sf_fifo.sv.hbs'),
    // In a RAM, the data path is the RAM's: the body needs no WIDTH of its own.
    localparams: [...(ram ? [] : [['WIDTH', width] as [string, number]]), ['DEPTH', depth], ['AW', aw]],
    context: { ram: ram?.name ?? false },
    ports: [
      port('input', 'clk_i'),
      port('input', 'rst_ni'),
      port('input', 'clear_i'),
      port('input', 'push_i'),
      port('input', 'wdata_i', width),
      port('input', 'pop_i'),
      port('output', 'rdata_o', width),
      port('output', 'valid_o'),
      port('output', 'empty_o'),
      port('output', 'full_o'),
      port('output', 'count_o', aw + 1),
    ],
  };
}
