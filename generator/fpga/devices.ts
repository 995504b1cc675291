// FPGA devices the synthesis flow knows the capacity of.
import type { SYNTH_TARGETS } from '../config/ranges.ts';

export type Target = (typeof SYNTH_TARGETS)[number];

export interface Device {
  name: string;
  description: string;
  target: Target;
  luts: number;
  ffs: number;
  dsps: number;
  /** Block RAM tiles: 36 Kbit RAMB36 on 7-series, 4 Kbit SB_RAM40_4K on iCE40. */
  brams: number;
  /** nextpnr-ice40 device and package options. */
  nextpnr?: { device: string; package: string };
}

export const DEVICES: Device[] = [
  { name: 'xc7vx690t', description: 'Xilinx Virtex-7 690T', target: 'xc7', luts: 433_200, ffs: 866_400, dsps: 3_600, brams: 1_470 },
  { name: 'xc7z020', description: 'Xilinx Zynq-7020', target: 'xc7', luts: 53_200, ffs: 106_400, dsps: 220, brams: 140 },
  { name: 'xc7a100t', description: 'Xilinx Artix-7 100T', target: 'xc7', luts: 63_400, ffs: 126_800, dsps: 240, brams: 135 },
  { name: 'ice40up5k', description: 'Lattice iCE40 UltraPlus 5K', target: 'ice40', luts: 5_280, ffs: 5_280, dsps: 8, brams: 30, nextpnr: { device: '--up5k', package: 'sg48' } },
  { name: 'ice40hx8k', description: 'Lattice iCE40 HX8K', target: 'ice40', luts: 7_680, ffs: 7_680, dsps: 0, brams: 32, nextpnr: { device: '--hx8k', package: 'ct256' } },
];

export const DEFAULT_DEVICE: Record<Target, string | undefined> = {
  xc7: 'xc7vx690t',
  ice40: 'ice40up5k',
  generic: undefined,
};

export function findDevice(name: string): Device | undefined {
  return DEVICES.find((d) => d.name === name.toLowerCase());
}
