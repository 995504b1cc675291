// Host-side compiler: turns a workload (jobs of models, weights and inputs) into the memory
// image the accelerator runs: task descriptors, weights, biases, input activations and room for
// every intermediate and final activation, plus what the runner needs to read the results.
import type { ResolvedConfig } from '../config/resolve.ts';
import { MIN_PIXEL_SLOTS } from '../config/resolve.ts';
import { DESC_BYTES, OPCODE_END, OPCODE_LAYER, packDescriptor, type DescriptorValues } from '../arch/descriptor.ts';
import { loadPorts } from '../arch/params.ts';
import { traceRecordBytes } from '../arch/regmap.ts';
import { InputError, ProblemList } from '../errors.ts';
import { imageSizeProblem } from '../limits.ts';
import { layerShapes, type Layer, type LayerShape } from '../model/model.ts';
import type { Job } from '../model/workload.ts';
import { actLayout, alignUp, MemImage, packActivations, type ActLayout } from './layout.ts';
import { linkTasks, streamOrder } from './schedule.ts';
import { simulate, type ModelResult, type ModelTask } from '../estimate/simulate.ts';
import { taskCost } from '../estimate/cost.ts';
import { hwParams } from '../arch/params.ts';
import type { Policy } from '../arch/regmap.ts';
import { spaceToDepth, spaceToDepthPays } from './space-to-depth.ts';
import { chooseTile, minimumBuffers, type EngineGeometry } from './tiling.ts';

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

export interface CompiledJob {
  job: Job;
  shapes: LayerShape[];
  /** Activation layout of the model input (index 0) and of each layer's output (index l + 1). */
  acts: ActLayout[];
  weightBytes: number;
}

export interface Program {
  image: MemImage;
  taskBase: number;
  traceBase: number;
  traceBytes: number;
  tasks: TaskInfo[];
  jobs: CompiledJob[];
  /** Bytes the simulator must dump after the run: the trace and every final output. */
  dumpBase: number;
  dumpBytes: number;
  totalMacs: number;
  /** Bytes that must cross the memory interface at least: weights, inputs, final outputs. */
  compulsoryBytes: number;
  /** Every task's descriptor, as written into the task list. */
  descriptors: DescriptorValues[];
}

const REGION_ALIGN = 4096;
/** An fc task reads whole groups of c-blocks; the last group may run past the stored vector into
 * this slack (its weights are zero, and the slack is zero-filled memory). */
const FC_GROUP_MAX = 64;

interface PlannedTask {
  info: TaskInfo;
  desc: DescriptorValues;
}

export interface CompileOptions {
  /**
   * The policy the program is for (default monolithic). Under static and elastic, a conv tile's
   * m-blocks are split over several tasks when a layer has fewer tasks than twice the engines,
   * so that a scheduler handing out engines per task can balance them, and the task list is in
   * the order the fast cycle model dispatches it, oldest job first (a list schedule), so that
   * the controller's window holds what is about to run. Under monolithic every task runs on all
   * engines, which split the m-blocks themselves, so whole tiles are best there, and the list
   * is the jobs one after the other.
   */
  policy?: Policy;
  /** Refuse a memory image larger than this (bytes), before allocating it. */
  maxImageBytes?: number;
  /** Plan the tasks and write only the task list into the image, not the weights and
   * activations: what the fast cycle model needs, at a fraction of the time. */
  taskListOnly?: boolean;
  /**
   * How layers become tasks: 'split' (a conv tile's m-blocks split into power-of-two chunks, one
   * image a task: many tasks to spread over engines), 'whole' (a tile's m-blocks together, as
   * many images as fill the engines) or 'ganged' (as whole, and every fc task asks for all the
   * engines at normal priority, as in the monolithic baseline: the best plan for one job with
   * nothing to overlap). In 'split' and 'whole' a bandwidth-bound fc task asks for one engine and
   * yields the memory to compute-bound tasks (see fcDemand). By default monolithic takes 'whole'
   * (its controller gangs every engine whatever the task asks), and static and elastic the plan
   * the fast cycle model finds fastest under the policy.
   */
  plan?: CompilePlan;
}

export type CompilePlan = 'split' | 'whole' | 'ganged';

export function compileWorkload(jobs: Job[], cfg: ResolvedConfig, options: CompileOptions = {}): Program {
  const policy = options.policy ?? 'monolithic';
  if (options.plan === undefined && policy !== 'monolithic') {
    const cycles = (plan: CompilePlan) => {
      const program = compileWorkload(jobs, cfg, { ...options, plan, taskListOnly: true });
      return listSchedule(program.tasks.map((t, i) => ({ job: t.job, deps: t.deps, desc: program.descriptors[i] })), cfg, policy, cfg.controller.window).cycles;
    };
    // The first of the fastest, in this order: ties go to the plan that overlaps most.
    const plans: CompilePlan[] = ['split', 'whole', 'ganged'];
    const modelled = plans.map(cycles);
    const plan = plans[modelled.indexOf(Math.min(...modelled))];
    return compileWorkload(jobs, cfg, { ...options, plan });
  }
  const plan = options.plan ?? (policy === 'monolithic' ? 'whole' : 'split');
  const split = plan === 'split';
  const effective = jobs.map((job) => effectiveLayers(job, cfg));
  checkFits(jobs, effective, cfg);
  const { tn, tm } = cfg.pe;
  const busBytes = cfg.busBytes;
  const laneBytes = (cfg.dataBits / 8) as 1 | 2;

  // Addresses: task list, weights and biases, intermediate activations, then the dumped region
  // (trace, final outputs) at the end so one contiguous read-back covers it.
  const shapesPerJob = jobs.map((j) => layerShapes(j.model));
  let cursor = 0;
  const planned: PlannedTask[] = [];
  const compiled: CompiledJob[] = [];

  // Pass 1: place weights and activations.
  const weightBase: number[][] = [];
  const biasBase: number[][] = [];
  // The task list comes first; its size is known from the tiling before any task is planned.
  const geoms = jobs.map((job, j) => effective[j].layers.map((e) => geometry(e.layer, e.shape, job.batch, cfg)));
  const taskCount = geoms.reduce((sum, g, j) => sum + g.reduce((s, geo, l) => s + countTasks(jobs[j].model.layers[l], geo, jobs[j].batch, cfg, split), 0), 0);
  const taskBase = 0;
  cursor = alignUp((taskCount + 1) * DESC_BYTES, REGION_ALIGN);

  // Jobs running the same model with the same weights (the batches of a stream) share them.
  const sharesWeightsWith = jobs.map((job, j) => jobs.findIndex((other, o) => o < j && other.model === job.model && other.weights === job.weights));
  jobs.forEach((job, j) => {
    const first = sharesWeightsWith[j];
    if (first >= 0) {
      weightBase.push(weightBase[first]);
      biasBase.push(biasBase[first]);
      compiled.push({ job, shapes: shapesPerJob[j], acts: [], weightBytes: 0 });
      return;
    }
    weightBase.push([]);
    biasBase.push([]);
    let weightBytes = 0;
    job.model.layers.forEach((_layer, l) => {
      const g = geoms[j][l];
      weightBase[j].push(cursor);
      const wBytes = g.mBlocks * g.cinBlocks * g.kernelH * g.kernelW * tm * busBytes;
      cursor = alignUp(cursor + wBytes, 64);
      biasBase[j].push(cursor);
      cursor = alignUp(cursor + g.mBlocks * tm * 4, 64);
      weightBytes += wBytes;
    });
    compiled.push({ job, shapes: shapesPerJob[j], acts: [], weightBytes });
  });
  cursor = alignUp(cursor, REGION_ALIGN);
  // Inputs and intermediate activations.
  jobs.forEach((job, j) => {
    const shapes = shapesPerJob[j];
    const acts = compiled[j].acts;
    const slack = FC_GROUP_MAX * busBytes;
    acts.push(actLayout(cursor, job.batch, effective[j].layers[0].shape.inShape, tn, busBytes));
    cursor = alignUp(cursor + acts[0].bytes + slack, REGION_ALIGN);
    for (let l = 0; l < shapes.length - 1; l++) {
      acts.push(actLayout(cursor, job.batch, shapes[l].outShape, tn, busBytes));
      cursor = alignUp(cursor + acts[l + 1].bytes + slack, REGION_ALIGN);
    }
  });
  const dumpBase = cursor;
  const traceBytes = traceRecordBytes(cfg);
  const traceBase = dumpBase;
  cursor = alignUp(traceBase + taskCount * traceBytes, REGION_ALIGN);
  jobs.forEach((job, j) => {
    const shapes = shapesPerJob[j];
    const last = actLayout(cursor, job.batch, shapes[shapes.length - 1].outShape, tn, busBytes);
    compiled[j].acts.push(last);
    cursor = alignUp(cursor + last.bytes, REGION_ALIGN);
  });
  const total = cursor;
  const addressBits = cfg.memory.addressBits;
  if (total > 2 ** addressBits) {
    const needed = Math.ceil(Math.log2(total));
    throw new InputError([
      {
        file: cfg.source,
        field: 'memory.addressBits',
        expected: needed <= 32 ? `at least ${needed}, to address this workload's memory image of ${total} bytes` : `a workload whose memory image fits 4 GiB (it needs ${total} bytes)`,
        found: String(addressBits),
      },
    ]);
  }

  if (options.maxImageBytes !== undefined) {
    const problems = new ProblemList();
    imageSizeProblem(problems, total, cfg.source, options.maxImageBytes);
    problems.throwIfAny();
  }

  // Pass 2: fill the image and plan the tasks.
  const image = new MemImage(options.taskListOnly ? (taskCount + 1) * DESC_BYTES : total, laneBytes);
  const fill = !options.taskListOnly;
  let totalMacs = 0;
  let compulsoryBytes = 0;
  jobs.forEach((job, j) => {
    const cj = compiled[j];
    if (fill) packActivations(image, cj.acts[0], effective[j].input, tn);
    compulsoryBytes += cj.weightBytes + cj.acts[0].bytes + cj.acts[cj.acts.length - 1].bytes;
    const lastTaskOfLayer: TaskInfo[][] = [];
    job.model.layers.forEach((layer, l) => {
      const g = geoms[j][l];
      const lw = job.weights.get(layer.name)!;
      const eff = effective[j].layers[l];
      if (sharesWeightsWith[j] < 0) {
        if (fill) {
          writeWeights(image, weightBase[j][l], eff.layer, eff.shape, g, eff.weight ?? lw.weight.data, cfg);
          writeBiases(image, biasBase[j][l], lw.bias.data, g.mBlocks, tm);
        }
        compulsoryBytes += g.mBlocks * tm * 4;
      }
      const ctx: LayerContext = {
        job: j,
        layerIndex: l,
        layer,
        shape: cj.shapes[l],
        g,
        input: cj.acts[l],
        output: cj.acts[l + 1],
        weights: weightBase[j][l],
        biases: biasBase[j][l],
        bits: job.model.bits,
        prevTasks: l > 0 ? lastTaskOfLayer[l - 1] : [],
      };
      const tasks = layer.type === 'conv' ? planConvTasks(ctx, planned.length, cfg, split) : planFcTasks(ctx, planned.length, cfg, job.batch);
      // Ganged: every task asks for every engine, at normal priority, as under monolithic.
      if (plan === 'ganged') for (const t of tasks) Object.assign(t.desc, { pref_engines: 0, bulk: 0 });
      planned.push(...tasks);
      lastTaskOfLayer.push(tasks.map((t) => t.info));
      totalMacs += cj.shapes[l].macsPerImage * job.batch;
    });
  });
  if (planned.length !== taskCount) throw new Error(`internal: planned ${planned.length} tasks, counted ${taskCount}`);

  // One task list for all jobs, interleaved, with dependencies linked through counters.
  const firstOfJob = jobs.map((_, j) => planned.findIndex((t) => t.info.job === j));
  const perJob = jobs.map((_, j) =>
    planned.filter((t) => t.info.job === j).map((t) => ({ job: j, layer: t.info.layer, estimatedCycles: t.info.estimatedCycles, deps: t.info.deps.map((d) => d - firstOfJob[j]) })),
  );
  const order = policy === 'monolithic' ? streamOrder(perJob) : listScheduleOrder(planned, firstOfJob, cfg, policy);
  const linked = linkTasks(perJob, cfg, order);
  const ordered: PlannedTask[] = linked.order.map(([j, t], i) => {
    const task = planned[firstOfJob[j] + t];
    const wait = linked.wait[i];
    return {
      info: { ...task.info, index: i },
      desc: { ...task.desc, task_id: i, signal_id: linked.signal[i], wait_en: wait ? 1 : 0, wait_id: wait?.counter ?? 0, wait_count: wait?.count ?? 0 },
    };
  });
  const newIndex = new Map<number, number>();
  linked.order.forEach(([j, t], i) => newIndex.set(firstOfJob[j] + t, i));
  for (const t of ordered) t.info.deps = t.info.deps.map((d) => newIndex.get(d)!);
  planned.splice(0, planned.length, ...ordered);

  planned.forEach((t, i) => {
    const words = packDescriptor(t.desc);
    words.forEach((w, k) => image.writeU32(taskBase + i * DESC_BYTES + 4 * k, w));
  });
  const end = packDescriptor({ opcode: OPCODE_END });
  end.forEach((w, k) => image.writeU32(taskBase + planned.length * DESC_BYTES + 4 * k, w));

  return {
    image,
    taskBase,
    traceBase,
    traceBytes,
    tasks: planned.map((t) => t.info),
    jobs: compiled,
    dumpBase,
    dumpBytes: total - dumpBase,
    totalMacs,
    compulsoryBytes,
    descriptors: planned.map((t) => t.desc),
  };
}

/**
 * The order in which the fast cycle model dispatches the planned tasks (listed job after job)
 * under the policy with an unbounded window: oldest job first, every task as soon as it is ready
 * and engines are free. As [job, index in the job's list].
 */
function listScheduleOrder(planned: PlannedTask[], firstOfJob: number[], cfg: ResolvedConfig, policy: Policy): [number, number][] {
  const model = listSchedule(planned.map((t) => ({ job: t.info.job, deps: t.info.deps, desc: t.desc })), cfg, policy, Infinity);
  return model.dispatchOrder.map((i) => [planned[i].info.job, i - firstOfJob[planned[i].info.job]] as [number, number]);
}

/** The fast cycle model on tasks, with the config's memory model and a window. */
function listSchedule(tasks: ModelTask[], cfg: ResolvedConfig, policy: Policy, window: number): ModelResult {
  return simulate(tasks, hwParams(cfg), {
    policy,
    staticGroup: Math.max(1, 2 ** Math.floor(Math.log2(cfg.engines / 2))),
    latency: cfg.testbench.latency,
    bytesPerCycle: cfg.testbench.bytesPerCycle ?? cfg.busBytes,
    window,
  });
}

/** The tasks of the previous layer that produce images [first, first + count). */
function producersOf(prev: TaskInfo[], first: number, count: number): number[] {
  return prev.filter((t) => t.firstImage < first + count && first < t.firstImage + t.images).map((t) => t.index);
}

interface LayerContext {
  job: number;
  layerIndex: number;
  layer: Layer;
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

interface EffectiveLayer {
  layer: Layer;
  shape: LayerShape;
  /** Weights in the rewritten layout, when the layer was rewritten. */
  weight?: ArrayLike<number>;
}

/** The layers as the engines run them: the first one may be rewritten by space-to-depth. */
function effectiveLayers(job: Job, cfg: ResolvedConfig): { layers: EffectiveLayer[]; input: ArrayLike<number> } {
  const shapes = layerShapes(job.model);
  const layers: EffectiveLayer[] = job.model.layers.map((layer, l) => ({ layer, shape: shapes[l] }));
  const first = job.model.layers[0];
  if (first.type === 'conv' && spaceToDepthPays(first, shapes[0].inShape, cfg.pe.tn, cfg.buffers.weightWords)) {
    const convOut: [number, number] = [shapes[0].convShape[1], shapes[0].convShape[2]];
    const r = spaceToDepth(first, shapes[0].inShape, convOut, job.weights.get(first.name)!.weight.data, job.input.data, job.batch);
    layers[0] = { layer: r.layer, shape: { ...shapes[0], inShape: r.inShape }, weight: r.weight };
    return { layers, input: r.input };
  }
  return { layers, input: job.input.data };
}

function geometry(layer: Layer, shape: LayerShape, batch: number, cfg: ResolvedConfig): EngineGeometry {
  const { tn, tm } = cfg.pe;
  const mBlocks = Math.ceil(layer.out / tm);
  if (layer.type === 'conv') {
    const [cin, h, w] = shape.inShape;
    const pool = layer.pool ?? { kernel: 1, stride: 1 };
    return {
      cinBlocks: Math.ceil(cin / tn),
      mBlocks,
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
  // fc: the stored input vector of each image (all c-blocks, rows, columns) reduced as input
  // channels; images are the rows of a 1-column "image", and a 1 x Q kernel reduces Q
  // consecutive c-blocks per buffer fill (long bursts, so one engine can keep a channel busy).
  const [cin, h, w] = shape.inShape;
  const blocks = Math.ceil(cin / tn) * h * w;
  const q = fcGroupSize(blocks, Math.min(batch, fcGroup(cfg)), cfg);
  return {
    cinBlocks: Math.ceil(blocks / q),
    mBlocks,
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

function countTasks(layer: Layer, g: EngineGeometry, batch: number, cfg: ResolvedConfig, split: boolean): number {
  if (layer.type === 'fc') return Math.ceil(batch / fcGroup(cfg));
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

function baseDescriptor(ctx: LayerContext, index: number, cfg: ResolvedConfig): DescriptorValues {
  const { g, layer } = ctx;
  const { tn, tm } = cfg.pe;
  const busBytes = cfg.busBytes;
  return {
    opcode: OPCODE_LAYER,
    relu: layer.relu ? 1 : 0,
    shift: layer.shift,
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

function planConvTasks(ctx: LayerContext, firstIndex: number, cfg: ResolvedConfig, split: boolean): PlannedTask[] {
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
        const deps = producersOf(ctx.prevTasks, n, images);
        tasks.push({
          info: {
            index,
            job: ctx.job,
            layer: ctx.layerIndex,
            firstImage: n,
            images,
            macs: (shape.macsPerImage / tilesPerImage) * (mCount / g.mBlocks) * images,
            deps,
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

/**
 * Keeps a task's input tiles in the input buffer across its m-blocks when all its c-blocks'
 * tiles fit the buffer's two slots: each is then read from memory once instead of once per
 * m-block (a batch's fc input fits; so do the tiles of deep conv layers).
 */
function residentInput(tileWords: number, cinBlocks: number, mBlocks: number, cfg: ResolvedConfig): DescriptorValues {
  const fits = cinBlocks * tileWords <= 2 * cfg.buffers.inputWords;
  return { in_region: tileWords, in_resident: fits && mBlocks > 1 ? 1 : 0 };
}

function planFcTasks(ctx: LayerContext, firstIndex: number, cfg: ResolvedConfig, batch: number): PlannedTask[] {
  const { g, input, output, shape } = ctx;
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
    // Every image of the group needs its previous-layer output.
    const deps = producersOf(ctx.prevTasks, n0, images);
    const compute = g.mBlocks * g.cinBlocks * g.kernelW * Math.max(images, MIN_PIXEL_SLOTS);
    const load = g.mBlocks * g.cinBlocks * g.kernelW * (images + cfg.pe.tm);
    tasks.push({
      info: { index, job: ctx.job, layer: ctx.layerIndex, firstImage: n0, images, macs: shape.macsPerImage * images, deps, estimatedCycles: Math.max(compute, load) },
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
 * Conv weights [out][in][k][k] (or fc [out][fanIn]) into [m-block][c-block][port][ky][kx]
 * [tm / ports lanes][tn lanes]: each (m-block, c-block) block holds the weights of load port c's
 * banks (output lanes [c * tm / ports, (c + 1) * tm / ports)) as one contiguous run.
 */
function writeWeights(image: MemImage, base: number, layer: Layer, shape: LayerShape, g: EngineGeometry, w: ArrayLike<number>, cfg: ResolvedConfig): void {
  const { tn, tm } = cfg.pe;
  const lane = image.laneBytes;
  const beat = cfg.busBytes;
  const k = g.kernelH;
  const kk = g.kernelH * g.kernelW;
  const blockBytes = kk * tm * beat;
  const banks = tm / loadPorts(cfg);
  /** Byte offset, within its block, of output lane m's weights at kernel position kpos. */
  const laneAt = (m: number, kpos: number) => ((Math.floor(m / banks) * kk + kpos) * banks + (m % banks)) * beat;
  if (layer.type === 'conv') {
    const cin = shape.inShape[0];
    for (let o = 0; o < layer.out; o++) {
      const mb = Math.floor(o / tm);
      for (let c = 0; c < cin; c++) {
        const cb = Math.floor(c / tn);
        const blockBase = base + (mb * g.cinBlocks + cb) * blockBytes + (c % tn) * lane;
        for (let ky = 0; ky < k; ky++) {
          for (let kx = 0; kx < k; kx++) {
            image.writeLane(blockBase + laneAt(o % tm, ky * k + kx), w[((o * cin + c) * k + ky) * k + kx]);
          }
        }
      }
    }
    return;
  }
  // fc: stored input element e = ((cb * h + y) * w + x) * tn + lane holds channel cb * tn + lane
  // at (y, x), which is flattened (C, H, W) index c * h * w + y * w + x.
  const [cin, h, wd] = shape.inShape;
  const fanIn = cin * h * wd;
  for (let o = 0; o < layer.out; o++) {
    const mb = Math.floor(o / tm);
    for (let c = 0; c < cin; c++) {
      const cb = Math.floor(c / tn);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < wd; x++) {
          // Stored block sb is kernel position sb % Q of fill sb / Q.
          const storedBlock = (cb * h + y) * wd + x;
          const fill = Math.floor(storedBlock / g.kernelW);
          const addr = base + (mb * g.cinBlocks + fill) * blockBytes + laneAt(o % tm, storedBlock % g.kernelW) + (c % tn) * lane;
          image.writeLane(addr, w[o * fanIn + c * h * wd + y * wd + x]);
        }
      }
    }
  }
}

function writeBiases(image: MemImage, base: number, bias: ArrayLike<number>, mBlocks: number, tm: number): void {
  for (let o = 0; o < bias.length && o < mBlocks * tm; o++) image.writeI32(base + 4 * o, bias[o]);
}

/** Checks, before any work, that every layer of every job fits this configuration. */
function checkFits(jobs: Job[], effective: { layers: EffectiveLayer[] }[], cfg: ResolvedConfig): void {
  const problems = new ProblemList();
  for (const job of jobs) {
    const where = `job ${job.name} (model ${job.model.name})`;
    if (job.model.bits > cfg.dataBits) {
      problems.add(where, 'bits', `at most the accelerator's dataBits (${cfg.dataBits}, from ${cfg.source})`, job.model.bits);
    }
    const j = jobs.indexOf(job);
    effective[j].layers.forEach(({ layer, shape }, l) => {
      const field = `layers[${l}] (${layer.name})`;
      const g = geometry(layer, shape, job.batch, cfg);
      if (g.kernelH * g.kernelW > cfg.buffers.weightWords) {
        problems.addText(where, `${field}.kernel`, `kernel*kernel at most buffers.weightWords (${cfg.buffers.weightWords}, from ${cfg.source})`, `${g.kernelH}*${g.kernelW} = ${g.kernelH * g.kernelW}`);
        return;
      }
      if (g.kernelH > 255 || g.kernelW > 255 || g.stride > 255 || g.poolK > 255 || g.poolS > 255) {
        problems.addText(where, field, 'kernel, stride and pool sizes below 256', `${g.kernelH}/${g.stride}/${g.poolK}/${g.poolS}`);
        return;
      }
      if (g.cinBlocks > 0xffff || g.mBlocks > 0xffff) {
        problems.addText(where, field, 'at most 65535 channel blocks', `${g.cinBlocks} input and ${g.mBlocks} output blocks`);
        return;
      }
      if (layer.type === 'conv' && !chooseTile(g, cfg)) {
        const need = minimumBuffers(g);
        problems.addText(where, field, `buffers of at least ${need.inputWords} input words and ${need.accWords} accumulator words (${cfg.source} has ${cfg.buffers.inputWords} and ${cfg.buffers.accWords})`, `kernel ${g.kernelH}, stride ${g.stride}, pool ${g.poolK}`);
      }
    });
  }
  problems.throwIfAny();
}
