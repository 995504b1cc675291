// What every block shares: the leaf module (a small template whose port list and localparams
// its block.ts declares, so the DSL checks every instance against exactly what the module
// declares), the port constructors and the AXI4 port bundles.
import { Bundle } from '../dsl/bundle.ts';
import type { ModuleInterface, PortDef } from '../dsl/module.ts';
import { clog2, type HwParams } from './params.ts';

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

/** An AXI4 read channel pair as the accelerator's units use it (INCR bursts of full beats); with
 * `idBits`, the IDs the memory channels carry. */
export function axiRead(p: HwParams, idBits = 0): Bundle {
  const id = (name: string, flip: boolean) => (idBits > 0 ? [{ name, width: idBits, flip }] : []);
  return new Bundle('axi4_read', [
    { name: 'ar_addr', width: p.addrBits },
    { name: 'ar_len', width: 8 },
    ...id('ar_id', false),
    { name: 'ar_valid', width: 1 },
    { name: 'ar_ready', width: 1, flip: true },
    { name: 'r_data', width: p.busBits, flip: true },
    { name: 'r_resp', width: 2, flip: true },
    { name: 'r_last', width: 1, flip: true },
    ...id('r_id', true),
    { name: 'r_valid', width: 1, flip: true },
    { name: 'r_ready', width: 1 },
  ]);
}

/** An AXI4 write channel triple as the units use it (all byte lanes written). */
export function axiWrite(p: HwParams, idBits = 0): Bundle {
  const id = (name: string, flip: boolean) => (idBits > 0 ? [{ name, width: idBits, flip }] : []);
  return new Bundle('axi4_write', [
    { name: 'aw_addr', width: p.addrBits },
    { name: 'aw_len', width: 8 },
    ...id('aw_id', false),
    { name: 'aw_valid', width: 1 },
    { name: 'aw_ready', width: 1, flip: true },
    { name: 'w_data', width: p.busBits },
    { name: 'w_last', width: 1 },
    { name: 'w_valid', width: 1 },
    { name: 'w_ready', width: 1, flip: true },
    { name: 'b_resp', width: 2, flip: true },
    ...id('b_id', true),
    { name: 'b_valid', width: 1, flip: true },
    { name: 'b_ready', width: 1 },
  ]);
}

/** A unit's read port (the master side). */
export const readPorts = (p: HwParams, prefix = ''): PortDef[] => axiRead(p).ports('master', { prefix });

/** n read ports side by side, each signal packed port by port (port 0 lowest). */
export const readPortsN = (p: HwParams, n: number): PortDef[] => axiRead(p).ports('master', { count: n, vector: true });

/** A unit's write port (the master side). */
export const writePorts = (p: HwParams, prefix = ''): PortDef[] => axiWrite(p).ports('master', { prefix });
