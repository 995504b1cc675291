// The trace unit (sf_trace_unit): queues the controller's completion records, by the trace-record
// table, and writes them to TRACE_BASE in completion order.
import { inp, out, writePorts, type LeafModule } from '../../arch/leaves.ts';
import { clog2, type HwParams } from '../../arch/params.ts';
import { TRACE_FIELDS, traceUnitPort } from '../../arch/trace-record.ts';
import { siblingTemplate } from '../../emit/templates.ts';
import { fifo } from '../fifo/block.ts';

export function traceUnitLeaves(p: HwParams) {
  const traceQueue = fifo({ name: 'sf_fifo_trace', doc: 'Trace unit: completion records waiting to be written.', width: p.traceBits, depth: p.traceQueue });
  const traceUnit: LeafModule = {
    name: 'sf_trace_unit',
    doc: 'Trace unit: queues the controller\'s completion records and writes them to TRACE_BASE.',
    template: siblingTemplate(import.meta.url, 'sf_trace_unit.sv.hbs'),
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

  return { traceQueue, traceUnit };
}
