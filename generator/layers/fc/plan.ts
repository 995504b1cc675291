// How the compiler runs a fc layer: the stored input vector of each image (all c-blocks, rows,
// columns) is reduced as input channels; images are the rows of a 1-column "image", and a 1 x Q
// kernel reduces Q consecutive c-blocks per buffer fill (long bursts, so one engine can keep a
// channel busy). A task covers as many images as the buffers hold.
import type { DescriptorValues } from '../../arch/descriptor.ts';
import { hwParams } from '../../arch/params.ts';
import type { MemImage } from '../../compiler/layout.ts';
import { baseDescriptor, FC_GROUP_MAX, producersOf, residentInput, weightBlocks, type LayerContext, type PlannedTask } from '../../compiler/tasks.ts';
import type { EngineGeometry } from '../../compiler/tiling.ts';
import { MIN_PIXEL_SLOTS, type ResolvedConfig } from '../../config/resolve.ts';
import { taskCost } from '../../estimate/cost.ts';
import type { LayerShape } from '../../model/model.ts';
import { chwWeights, type FcLayer } from './model.ts';

export function fcGeometry(layer: FcLayer, shape: LayerShape, batch: number, cfg: ResolvedConfig): EngineGeometry {
  const [cin, h, w] = shape.inShape;
  const blocks = Math.ceil(cin / cfg.pe.tn) * h * w;
  const q = fcGroupSize(blocks, Math.min(batch, fcGroup(cfg)), cfg);
  return {
    cinBlocks: Math.ceil(blocks / q),
    mBlocks: Math.ceil(layer.out / cfg.pe.tm),
    kernelH: 1,
    kernelW: q,
    stride: 1,
    pad: 0,
    inH: batch,
    inW: 1,
    convH: batch,
    convW: 1,
    poolK: 1,
    poolS: 1,
    outH: batch,
    outW: 1,
  };
}

/** The stored input vector (every c-block, row and column) is the reduced dimension. */
export function fcWeightBeats(_layer: FcLayer, shape: LayerShape, tn: number): number {
  const [cin, h, w] = shape.inShape;
  return Math.ceil(cin / tn) * h * w;
}

/** Images per fc task: as many as the accumulator and input buffers hold. */
function fcGroup(cfg: ResolvedConfig): number {
  return Math.min(cfg.buffers.accWords, cfg.buffers.inputWords, 0xffff);
}

/** C-blocks an fc task reduces per buffer fill: a divisor of the block count when a large one exists. */
function fcGroupSize(blocks: number, images: number, cfg: ResolvedConfig): number {
  const limit = Math.max(1, Math.min(FC_GROUP_MAX, cfg.buffers.weightWords, Math.floor(cfg.buffers.inputWords / images), blocks));
  for (let q = limit; q >= 1; q--) if (blocks % q === 0 && q * 2 > limit) return q;
  return limit;
}

export function countFcTasks(_g: EngineGeometry, batch: number, cfg: ResolvedConfig): number {
  return Math.ceil(batch / fcGroup(cfg));
}

export function planFcTasks(ctx: LayerContext<FcLayer>, firstIndex: number, cfg: ResolvedConfig): PlannedTask[] {
  const { g, input, output, shape } = ctx;
  const batch = input.batch;
  const group = fcGroup(cfg);
  const tasks: PlannedTask[] = [];
  for (let n0 = 0; n0 < batch; n0 += group) {
    const images = Math.min(group, batch - n0);
    const index = firstIndex + tasks.length;
    const desc: DescriptorValues = {
      ...baseDescriptor(ctx, index, cfg),
      in_addr: input.base + n0 * input.imgStride,
      in_cstride: g.kernelW * cfg.busBytes,
      in_ystride: input.imgStride,
      tile_rows: images,
      tile_cols: 1,
      in_tile_rows: images,
      in_tile_cols: g.kernelW,
      load_row_first: 0,
      load_rows: images,
      load_col_first: 0,
      load_cols: g.kernelW,
      out_addr: output.base + n0 * output.imgStride,
      out_cstride: cfg.busBytes,
      out_ystride: output.imgStride,
      out_mstride: (cfg.pe.tm / cfg.pe.tn) * cfg.busBytes,
      pool_rows: images,
      pool_cols: 1,
      in_row_step: g.kernelW,
      pool_row_step: 1,
      in_dst_first: 0,
      pixels: images,
      ...residentInput(images * g.kernelW, g.cinBlocks, g.mBlocks, cfg),
    };
    Object.assign(desc, fcDemand(desc, cfg));
    const compute = g.mBlocks * g.cinBlocks * g.kernelW * Math.max(images, MIN_PIXEL_SLOTS);
    const load = g.mBlocks * g.cinBlocks * g.kernelW * (images + cfg.pe.tm);
    tasks.push({
      info: {
        index, job: ctx.job, layer: ctx.layerIndex, firstImage: n0, images, macs: shape.macsPerImage * images,
        // Every image of the group needs its previous-layer output.
        deps: producersOf(ctx.prevTasks, n0, images),
        estimatedCycles: Math.max(compute, load),
      },
      desc,
    });
  }
  return tasks;
}

/**
 * Engines and arbitration class of a fc task. A bandwidth-bound one (a big layer: its weights
 * stream once for the batch) gets one engine, whose load ports take every channel, and yields
 * to compute-bound tasks for the memory: more engines would only wait for data. A small layer
 * that one engine computes slower than the memory delivers gets as many as keep up, at normal
 * priority.
 */
function fcDemand(desc: DescriptorValues, cfg: ResolvedConfig): DescriptorValues {
  const p = hwParams(cfg);
  const beatsPerCycle = Math.min(1, (cfg.testbench.bytesPerCycle ?? cfg.busBytes) / cfg.busBytes);
  const cost = taskCost(desc, p, 1, cfg.testbench.latency, beatsPerCycle);
  const bandwidthCycles = (cost.readBeats + cost.writeBeats) / (cfg.memory.channels * beatsPerCycle);
  const engines = Math.min(cfg.engines, desc.m_count, Math.ceil(cost.cycles / bandwidthCycles / 1.25));
  return engines <= 1 ? { pref_engines: 1, bulk: 1 } : { pref_engines: engines, bulk: 0 };
}

/**
 * Weights [out][fanIn] into the engines' weight blocks: stored input element
 * e = ((cb * h + y) * w + x) * tn + lane holds channel cb * tn + lane at (y, x), which is
 * flattened (C, H, W) index c * h * w + y * w + x; stored block sb is kernel position sb % Q of
 * fill sb / Q.
 */
export function writeFcWeights(image: MemImage, base: number, layer: FcLayer, shape: LayerShape, g: EngineGeometry, w: ArrayLike<number>, cfg: ResolvedConfig): void {
  const { tn, tm } = cfg.pe;
  const { blockBytes, laneAt } = weightBlocks(g, cfg);
  const [cin, h, wd] = shape.inShape;
  const fanIn = cin * h * wd;
  const wChw = chwWeights(layer, shape.inShape, w);
  for (let o = 0; o < layer.out; o++) {
    const mb = Math.floor(o / tm);
    for (let c = 0; c < cin; c++) {
      const cb = Math.floor(c / tn);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < wd; x++) {
          const storedBlock = (cb * h + y) * wd + x;
          const fill = Math.floor(storedBlock / g.kernelW);
          const addr = base + (mb * g.cinBlocks + fill) * blockBytes + laneAt(o % tm, storedBlock % g.kernelW) + (c % tn) * image.laneBytes;
          image.writeLane(addr, wChw[o * fanIn + c * h * wd + y * wd + x]);
        }
      }
    }
  }
}
