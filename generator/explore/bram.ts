// Block RAMs of a configuration on xc7, counted structurally: every sf_sdp_ram_* memory of the
// design (width x depth, instances) mapped to RAMB18/RAMB36 tiles the way Yosys's memory_libmap
// maps it with synth_xilinx's library (techlibs/xilinx/brams_xc4v.txt with HAS_SIZE_36 and
// HAS_CASCADE): each candidate tile shape is scored by its cost times the tiles it needs, plus the
// read multiplexers and write decoders of a memory split in depth, and the cheapest wins.
import type { HwParams } from '../arch/params.ts';

/** A block RAM mode of the library: address bits at width 1, the data widths it offers (9-bit
 * bytes, so 9/18/36/72), the widths its ports take, its cost and its size in RAMB36 tiles. */
interface BramMode {
  name: string;
  abits: number;
  widths: readonly number[];
  /** Range of port widths (indices into widths); the SDP modes have one fixed port width. */
  minPort: number;
  maxPort: number;
  cost: number;
  tiles: number;
}

// In the library's order: on equal cost the first one wins, as in memory_libmap.
const XC7_BRAM_MODES: readonly BramMode[] = [
  { name: 'RAMB18 TDP', abits: 14, widths: [1, 2, 4, 9, 18], minPort: 0, maxPort: 4, cost: 129, tiles: 0.5 },
  { name: 'RAMB36 TDP', abits: 15, widths: [1, 2, 4, 9, 18, 36], minPort: 0, maxPort: 5, cost: 257, tiles: 1 },
  // Two cascaded RAMB36 as 64K x 1 (its ports are 1 bit wide).
  { name: 'RAMB36 cascade', abits: 16, widths: [1, 2, 4, 9], minPort: 0, maxPort: 0, cost: 513, tiles: 2 },
  { name: 'RAMB18 SDP', abits: 14, widths: [1, 2, 4, 9, 18, 36], minPort: 5, maxPort: 5, cost: 129, tiles: 0.5 },
  { name: 'RAMB36 SDP', abits: 15, widths: [1, 2, 4, 9, 18, 36, 72], minPort: 6, maxPort: 6, cost: 257, tiles: 1 },
];

/** Width of a byte lane (write-enable granularity) in the library. */
const BYTE_BITS = 9;
/** memory_libmap's weights of the soft logic around a memory split in depth. */
const FACTOR_MUX = 0.5;
const FACTOR_DEMUX = 0.5;

export interface BramMapping {
  mode: string;
  /** Unit data width chosen, and the number of tiles of that mode. */
  unitWidth: number;
  count: number;
  /** RAMB36 equivalents (a RAMB18 is half). */
  tiles: number;
}

/**
 * The cheapest mapping of a simple dual-port memory (one write port with one enable for the whole
 * word, one registered read port with an enable, no collision logic) of `depth` words of `width`
 * bits, per memory_libmap's geometry search for that case.
 */
export function mapBram(width: number, depth: number): BramMapping {
  let best: (BramMapping & { cost: number }) | undefined;
  for (const mode of XC7_BRAM_MODES) {
    let found = false;
    for (let base = 0; base < mode.widths.length; base++) {
      const unit = Math.min(base, mode.maxPort);
      if (unit !== base && found) break;
      // A port narrower than its fixed width is emulated with byte enables, down to a byte.
      const byteIndex = mode.widths.filter((w) => w <= BYTE_BITS).length - 1;
      if (base < mode.minPort && base < byteIndex) continue;
      const unitWidth = mode.widths[unit];
      const byte = Math.min(BYTE_BITS, unitWidth);
      const paddedWidth = Math.ceil(width / byte) * byte;
      const words = 2 ** (mode.abits - base);
      const splits = Math.ceil(depth / words);
      const count = Math.ceil((splits * paddedWidth) / unitWidth);
      const mux = (splits - 1) * width;
      const demux = splits !== 1 ? splits : 0;
      const cost = mode.cost * count + FACTOR_MUX * mux + FACTOR_DEMUX * demux;
      found = true;
      if (!best || cost < best.cost) best = { mode: mode.name, unitWidth, count, tiles: count * mode.tiles, cost };
    }
  }
  const { cost: _cost, ...mapping } = best!;
  return mapping;
}

/** A memory of the design: its module, shape and instances per engine or in the controller. */
export interface DesignMemory {
  module: string;
  width: number;
  depth: number;
  instances: number;
  part: 'engine' | 'controller';
}

/** Every block RAM memory of the design (the sf_sdp_ram_* leaves of blocks/engine, writer,
 * controller and dep-counters), with the shapes those blocks give them. */
export function designMemories(p: HwParams): DesignMemory[] {
  return [
    { module: 'sf_sdp_ram_in', width: p.busBits, depth: 2 * p.inDepth, instances: 1, part: 'engine' },
    { module: 'sf_sdp_ram_w', width: p.busBits, depth: 4 * p.wDepth, instances: p.tm, part: 'engine' },
    { module: 'sf_sdp_ram_acc', width: p.tm * 32, depth: p.accDepth, instances: 1, part: 'engine' },
    { module: 'sf_sdp_ram_wfifo', width: p.busBits, depth: p.writeDataDepth, instances: 1, part: 'engine' },
    { module: 'sf_sdp_ram_desc', width: p.busBits, depth: p.windowSlots * p.descBeats, instances: 1, part: 'controller' },
    { module: 'sf_sdp_ram_dep', width: 16, depth: p.counters, instances: 1, part: 'controller' },
  ];
}

/** RAMB36 equivalents of one engine and of the controller. */
export function bramTiles(p: HwParams): { engine: number; controller: number } {
  const tiles = { engine: 0, controller: 0 };
  for (const m of designMemories(p)) tiles[m.part] += m.instances * mapBram(m.width, m.depth).tiles;
  return tiles;
}
