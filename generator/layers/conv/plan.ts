// How the compiler runs a conv layer: output tiles that fit the engine's buffers, each task a
// tile's m-blocks (all of them, or a power-of-two share when split) for one or more images.
import type { DescriptorValues } from '../../arch/descriptor.ts';
import type { MemImage } from '../../compiler/layout.ts';
import { baseDescriptor, producersOf, residentInput, weightBlocks, type LayerContext, type PlannedTask } from '../../compiler/tasks.ts';
import { chooseTile, minimumBuffers, type EngineGeometry } from '../../compiler/tiling.ts';
import type { ResolvedConfig } from '../../config/resolve.ts';
import type { LayerShape } from '../../model/model.ts';
import type { ConvLayer } from './model.ts';

export function convGeometry(layer: ConvLayer, shape: LayerShape, _batch: number, cfg: ResolvedConfig): EngineGeometry {
  const { tn, tm } = cfg.pe;
  const [cin, h, w] = shape.inShape;
  const pool = layer.pool ?? { kernel: 1, stride: 1 };
  return {
    cinBlocks: Math.ceil(cin / tn),
    mBlocks: Math.ceil(layer.out / tm),
    kernelH: layer.kernel,
    kernelW: layer.kernel,
    stride: layer.stride,
    pad: layer.pad,
    inH: h,
    inW: w,
    convH: shape.convShape[1],
    convW: shape.convShape[2],
    poolK: pool.kernel,
    poolS: pool.stride,
    outH: shape.outShape[1],
    outW: shape.outShape[2],
  };
}

export function convWeightBeats(layer: ConvLayer, shape: LayerShape, tn: number): number {
  return Math.ceil(shape.inShape[0] / tn) * layer.kernel * layer.kernel;
}

export function convFitProblem(g: EngineGeometry, cfg: ResolvedConfig): string | undefined {
  if (chooseTile(g, cfg)) return undefined;
  const need = minimumBuffers(g);
  return `buffers of at least ${need.inputWords} input words and ${need.accWords} accumulator words (${cfg.source} has ${cfg.buffers.inputWords} and ${cfg.buffers.accWords})`;
}

export function countConvTasks(g: EngineGeometry, batch: number, cfg: ResolvedConfig, split: boolean): number {
  const tiles = tilesOf(g, cfg);
  const imageGroups = Math.ceil(batch / (split ? 1 : imagesToFillEngines(g.mBlocks, batch, cfg.engines)));
  return imageGroups * tiles * Math.ceil(g.mBlocks / mBlocksPerTask(g, tiles, batch, cfg, split));
}

function tilesOf(g: EngineGeometry, cfg: ResolvedConfig): number {
  const tile = chooseTile(g, cfg)!;
  return Math.ceil(g.outH / tile.rows) * Math.ceil(g.outW / tile.cols);
}

/**
 * Images a monolithic conv task covers: when a layer has fewer m-blocks than engines, or a count
 * that leaves some idle in its last round, its tasks take several images, so that (image,
 * m-block) units keep every engine busy. The fewest images that give the best use of the engines.
 */
function imagesToFillEngines(mBlocks: number, batch: number, engines: number): number {
  let best = 1;
  const use = (i: number) => (mBlocks * i) / (engines * Math.ceil((mBlocks * i) / engines));
  for (let i = 2; i <= batch; i++) if (use(i) > use(best) + 1e-9) best = i;
  return best;
}

/** M-blocks per task of a conv tile (see CompileOptions.policy): all of them, or when split, a
 * power of two (which the elastic controller's power-of-two groups divide evenly). */
function mBlocksPerTask(g: EngineGeometry, tiles: number, batch: number, cfg: ResolvedConfig, split: boolean): number {
  if (!split) return g.mBlocks;
  const wanted = Math.max(1, Math.min(g.mBlocks, Math.ceil((2 * cfg.engines) / (batch * tiles))));
  return 2 ** Math.floor(Math.log2(Math.ceil(g.mBlocks / wanted)));
}

export function planConvTasks(ctx: LayerContext<ConvLayer>, firstIndex: number, cfg: ResolvedConfig, split: boolean): PlannedTask[] {
  const { g, input, output, shape } = ctx;
  const tile = chooseTile(g, cfg)!;
  const busBytes = cfg.busBytes;
  const tasks: PlannedTask[] = [];
  const tilesPerImage = tilesOf(g, cfg);
  const perChunk = mBlocksPerTask(g, tilesPerImage, input.batch, cfg, split);
  const imagesPerTask = split ? 1 : imagesToFillEngines(g.mBlocks, input.batch, cfg.engines);
  const cblocksPerM = cfg.pe.tm / cfg.pe.tn;
  const outCblocks = Math.ceil(ctx.layer.out / cfg.pe.tn);
  for (let n = 0; n < input.batch; n += imagesPerTask) {
    const images = Math.min(imagesPerTask, input.batch - n);
    for (let py0 = 0; py0 < g.outH; py0 += tile.rows) {
      for (let px0 = 0; px0 < g.outW; px0 += tile.cols) {
        for (let m0 = 0; m0 < g.mBlocks; m0 += perChunk) {
          const mCount = Math.min(perChunk, g.mBlocks - m0);
          const pr = Math.min(tile.rows, g.outH - py0);
          const pc = Math.min(tile.cols, g.outW - px0);
          const R = (pr - 1) * g.poolS + g.poolK;
          const C = (pc - 1) * g.poolS + g.poolK;
          const IR = (R - 1) * g.stride + g.kernelH;
          const IC = (C - 1) * g.stride + g.kernelW;
          const iy0 = py0 * g.poolS * g.stride - g.pad;
          const ix0 = px0 * g.poolS * g.stride - g.pad;
          const rowFirst = Math.max(0, -iy0);
          const rowEnd = Math.min(IR, g.inH - iy0);
          const colFirst = Math.max(0, -ix0);
          const colEnd = Math.min(IC, g.inW - ix0);
          const index = firstIndex + tasks.length;
          const base = baseDescriptor(ctx, index, cfg);
          const desc: DescriptorValues = {
            ...base,
            // This task's m-blocks [m0, m0 + mCount): their weights, biases and output planes.
            w_addr: base.w_addr + m0 * base.w_mstride,
            bias_addr: base.bias_addr + m0 * base.bias_mstride,
            m_count: mCount,
            out_cblocks: Math.min(mCount * cblocksPerM, outCblocks - m0 * cblocksPerM),
            in_addr: input.base + n * input.imgStride + (iy0 + rowFirst) * input.ystride + (ix0 + colFirst) * busBytes,
            in_cstride: input.cstride,
            in_ystride: input.ystride,
            tile_rows: R,
            tile_cols: C,
            in_tile_rows: IR,
            in_tile_cols: IC,
            load_row_first: rowFirst,
            load_rows: rowEnd - rowFirst,
            load_col_first: colFirst,
            load_cols: colEnd - colFirst,
            out_addr: output.base + n * output.imgStride + m0 * cblocksPerM * output.cstride + py0 * output.ystride + px0 * busBytes,
            out_cstride: output.cstride,
            out_ystride: output.ystride,
            out_mstride: (cfg.pe.tm / cfg.pe.tn) * output.cstride,
            pool_rows: pr,
            pool_cols: pc,
            in_row_step: g.stride * IC,
            pool_row_step: g.poolS * C,
            in_dst_first: rowFirst * IC + colFirst,
            pixels: R * C,
            // Each member of a task over several images loads its own input tiles (of its image).
            ...(images > 1 ? { in_resident: 0, in_region: IR * IC } : residentInput(IR * IC, g.cinBlocks, mCount, cfg)),
            images,
            in_istride: images > 1 ? input.imgStride : 0,
            out_istride: images > 1 ? output.imgStride : 0,
            // Compute-bound: as many engines as keep two (m-block, c-block) steps each, so every
            // member overlaps its loads with compute; light on the memory channels.
            pref_engines: Math.max(1, Math.min(cfg.engines, Math.floor((mCount * images * g.cinBlocks) / 2))),
            bulk: 0,
          };
          tasks.push({
            info: {
              index,
              job: ctx.job,
              layer: ctx.layerIndex,
              firstImage: n,
              images,
              macs: (shape.macsPerImage / tilesPerImage) * (mCount / g.mBlocks) * images,
              deps: producersOf(ctx.prevTasks, n, images),
              estimatedCycles: (tile.estimatedCycles / tilesPerImage) * (mCount / g.mBlocks) * images,
            },
            desc,
          });
        }
      }
    }
  }
  return tasks;
}

/** Weights [out][in][k][k] into the engines' weight blocks (compiler/tasks.ts). */
export function writeConvWeights(image: MemImage, base: number, layer: ConvLayer, shape: LayerShape, g: EngineGeometry, w: ArrayLike<number>, cfg: ResolvedConfig): void {
  const { tn, tm } = cfg.pe;
  const { blockBytes, laneAt } = weightBlocks(g, cfg);
  const k = g.kernelH;
  const cin = shape.inShape[0];
  for (let o = 0; o < layer.out; o++) {
    const mb = Math.floor(o / tm);
    for (let c = 0; c < cin; c++) {
      const cb = Math.floor(c / tn);
      const blockBase = base + (mb * g.cinBlocks + cb) * blockBytes + (c % tn) * image.laneBytes;
      for (let ky = 0; ky < k; ky++) {
        for (let kx = 0; kx < k; kx++) {
          image.writeLane(blockBase + laneAt(o % tm, ky * k + kx), w[((o * cin + c) * k + ky) * k + kx]);
        }
      }
    }
  }
}
