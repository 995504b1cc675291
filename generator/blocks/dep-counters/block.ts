// The controller's dependency counters (sf_dep_counters): a RAM of counters with one read port
// shared by increments (read, then written back plus one) and lookups of newly fetched window
// entries. The link to the controller is declared once here (depLink): both modules' ports and
// the top level's wires are made from it.
import { inp, out, type LeafModule } from '../../arch/leaves.ts';
import type { HwParams } from '../../arch/params.ts';
import { siblingTemplate } from '../../emit/templates.ts';
import { ram } from '../ram/block.ts';

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

export function depCountersLeaves(p: HwParams) {
  const depRam = ram('sf_sdp_ram_dep', 'Dependency counters of the controller.', 16, p.counters);
  const depCounters: LeafModule = {
    name: 'sf_dep_counters',
    doc: 'Dependency counters of the controller: increments and lookups through one RAM read port.',
    template: siblingTemplate(import.meta.url, 'sf_dep_counters.sv.hbs'),
    localparams: [
      ['NCNT', p.counters],
      ['CNT_W', p.counterBits],
      ['WIN_W', p.windowBits],
    ],
    ports: [inp('clk_i'), inp('rst_ni'), ...depLink(p).map((l) => (l.toCounters ? inp : out)(depCountersPort(l), l.width))],
  };

  return { depRam, depCounters };
}
