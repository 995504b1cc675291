// What every block shares: the leaf module (a small template whose port list and localparams
// its block.ts declares, so the DSL checks every instance against exactly what the module
// declares), the port constructors and the AXI4 port bundles.
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
