// What the compiler shares with every layer type's task planner (layers/<type>/plan.ts): the
// planned task, the context a layer is planned in, the descriptor fields every layer sets the
// same way, and the block layout of weights in memory.
import { OPCODE_LAYER, type DescriptorValues } from '../arch/descriptor.ts';
import { loadPorts } from '../arch/params.ts';
import type { ResolvedConfig } from '../config/resolve.ts';
import type { Rounding } from '../layers/layer-type.ts';
import type { LayerShape } from '../model/model.ts';
import type { ActLayout } from './layout.ts';
import type { EngineGeometry } from './tiling.ts';

export interface TaskInfo {
  index: number;
  job: number;
  layer: number;
  /** Images the task covers. */
  firstImage: number;
  images: number;
  macs: number;
  /** Tasks that must finish first (their outputs are this task's inputs). */
  deps: number[];
  estimatedCycles: number;
}

export interface PlannedTask {
  info: TaskInfo;
  desc: DescriptorValues;
}

/** Where one layer of one job is in memory, and what came before it. */
export interface LayerContext<L> {
  job: number;
  layerIndex: number;
  layer: L;
  shape: LayerShape;
  g: EngineGeometry;
  input: ActLayout;
  output: ActLayout;
  weights: number;
  biases: number;
  bits: number;
  /** Tasks of the previous layer. */
  prevTasks: TaskInfo[];
}

/** An fc task reads whole groups of c-blocks; the last group may run past the stored vector into
 * this slack (its weights are zero, and the slack is zero-filled memory). */
export const FC_GROUP_MAX = 64;

/** The tasks of the previous layer that produce images [first, first + count). */
export function producersOf(prev: TaskInfo[], first: number, count: number): number[] {
  return prev.filter((t) => t.firstImage < first + count && first < t.firstImage + t.images).map((t) => t.index);
}

/** The descriptor fields of a layer's task that do not depend on which part of it the task is. */
export function baseDescriptor(ctx: LayerContext<{ out: number; shift: number; shifts?: number[]; relu: boolean; leak?: number; rounding?: Rounding }>, index: number, cfg: ResolvedConfig): DescriptorValues {
  const { g, layer } = ctx;
  const { tn, tm } = cfg.pe;
  const busBytes = cfg.busBytes;
  return {
    opcode: OPCODE_LAYER,
    relu: layer.relu ? 1 : 0,
    round_even: layer.rounding === 'half-even' ? 1 : 0,
    leak: layer.leak ?? 0,
    // Per-channel shifts travel in the bias words (bias-word.ts).
    chan_shift: layer.shifts ? 1 : 0,
    shift: layer.shifts ? 0 : layer.shift,
    sat_bits: ctx.bits,
    task_id: index,
    job_id: ctx.job & 0xff,
    layer_id: ctx.layerIndex & 0xff,
    cin_blocks: g.cinBlocks,
    kernel_h: g.kernelH,
    kernel_w: g.kernelW,
    conv_stride: g.stride,
    w_addr: ctx.weights,
    w_mstride: g.cinBlocks * g.kernelH * g.kernelW * tm * busBytes,
    w_cstride: g.kernelH * g.kernelW * tm * busBytes,
    bias_addr: ctx.biases,
    bias_mstride: tm * 4,
    m_count: g.mBlocks,
    out_cblocks: Math.ceil(layer.out / tn),
    w_beats: g.kernelH * g.kernelW * tm,
    kk: g.kernelH * g.kernelW,
    pool_kernel: g.poolK,
    pool_stride: g.poolS,
  };
}

/**
 * Keeps a task's input tiles in the input buffer across its m-blocks when all its c-blocks'
 * tiles fit the buffer's two slots: each is then read from memory once instead of once per
 * m-block (a batch's fc input fits; so do the tiles of deep conv layers).
 */
export function residentInput(tileWords: number, cinBlocks: number, mBlocks: number, cfg: ResolvedConfig): DescriptorValues {
  const fits = cinBlocks * tileWords <= 2 * cfg.buffers.inputWords;
  return { in_region: tileWords, in_resident: fits && mBlocks > 1 ? 1 : 0 };
}

/**
 * Weights in memory are blocks of [m-block][c-block][port][kernel position][tm / ports lanes]
 * [tn lanes]: each (m-block, c-block) block holds the weights of load port c's banks (output
 * lanes [c * tm / ports, (c + 1) * tm / ports)) as one contiguous run.
 */
export interface WeightBlocks {
  blockBytes: number;
  /** Byte offset, within its block, of output lane m's beat at kernel position kpos. */
  laneAt(m: number, kpos: number): number;
}

export function weightBlocks(g: EngineGeometry, cfg: ResolvedConfig): WeightBlocks {
  const beat = cfg.busBytes;
  const kk = g.kernelH * g.kernelW;
  const banks = cfg.pe.tm / loadPorts(cfg);
  return {
    blockBytes: kk * cfg.pe.tm * beat,
    laneAt: (m, kpos) => ((Math.floor(m / banks) * kk + kpos) * banks + (m % banks)) * beat,
  };
}
