// Chooses how a layer is cut into tasks that fit the engine's buffers, using a small cost model
// (per tile and block pair, the longer of compute and load time, since loads are double-buffered).
import type { ResolvedConfig } from '../config/resolve.ts';
import { MIN_PIXEL_SLOTS } from '../config/resolve.ts';
import { loadPorts } from '../arch/params.ts';

/** Geometry of a layer as the engine sees it: a conv (an fc is a 1x1 conv over images as rows). */
export interface EngineGeometry {
  cinBlocks: number;
  mBlocks: number;
  /** Kernel rows and columns (square for conv; 1 x Q for fc, Q c-blocks per buffer fill). */
  kernelH: number;
  kernelW: number;
  stride: number;
  pad: number;
  inH: number;
  inW: number;
  /** Conv output size before pooling, and the pool. */
  convH: number;
  convW: number;
  poolK: number;
  poolS: number;
  outH: number;
  outW: number;
}

export interface Tile {
  /** Pooled-output rows and columns per tile (the last tile of a row or column may be smaller). */
  rows: number;
  cols: number;
  estimatedCycles: number;
}

/** Memory latency and per-burst overhead the cost model charges for each buffer fill. */
const LOAD_OVERHEAD_CYCLES = 40;
const FIELD_LIMIT = 0xffff;

export function tileCost(g: EngineGeometry, rows: number, cols: number, cfg: ResolvedConfig): number | undefined {
  const R = (rows - 1) * g.poolS + g.poolK;
  const C = (cols - 1) * g.poolS + g.poolK;
  const IR = (R - 1) * g.stride + g.kernelH;
  const IC = (C - 1) * g.stride + g.kernelW;
  if (R * C > cfg.buffers.accWords || IR * IC > cfg.buffers.inputWords) return undefined;
  if (IR > FIELD_LIMIT || IC > FIELD_LIMIT || R * C > FIELD_LIMIT) return undefined;
  const tiles = Math.ceil(g.outH / rows) * Math.ceil(g.outW / cols);
  const kk = g.kernelH * g.kernelW;
  const compute = kk * Math.max(R * C, MIN_PIXEL_SLOTS);
  // Weights arrive over every load port, the input tile over port 0 after its share of them.
  const load = Math.min(IR, g.inH) * Math.min(IC, g.inW) + (kk * cfg.pe.tm) / loadPorts(cfg) + LOAD_OVERHEAD_CYCLES;
  const write = rows * cols * g.poolK * g.poolK * (cfg.pe.tm / cfg.pe.tn);
  return tiles * g.mBlocks * (g.cinBlocks * Math.max(compute, load) + write);
}

/** Candidate tile sizes along one axis: the sizes that split `n` into k nearly equal parts. */
function balancedSizes(n: number): number[] {
  const sizes = new Set<number>();
  for (let parts = 1; parts <= n; parts++) sizes.add(Math.ceil(n / parts));
  return [...sizes];
}

/** The cheapest tile that fits, or undefined when even a 1x1 tile does not fit the buffers. */
export function chooseTile(g: EngineGeometry, cfg: ResolvedConfig): Tile | undefined {
  let best: Tile | undefined;
  for (const cols of balancedSizes(g.outW)) {
    for (const rows of balancedSizes(g.outH)) {
      const cost = tileCost(g, rows, cols, cfg);
      if (cost === undefined) continue;
      if (!best || cost < best.estimatedCycles || (cost === best.estimatedCycles && cols > best.cols)) {
        best = { rows, cols, estimatedCycles: cost };
      }
    }
  }
  return best;
}

/** Smallest buffer sizes a layer needs (a 1x1 output tile), for error messages. */
export function minimumBuffers(g: EngineGeometry): { inputWords: number; accWords: number } {
  const R = g.poolK;
  const IR = (R - 1) * g.stride + g.kernelH;
  const IC = (R - 1) * g.stride + g.kernelW;
  return { inputWords: IR * IC, accWords: R * R };
}
