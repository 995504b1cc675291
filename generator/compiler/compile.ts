// Host-side compiler: turns a workload (jobs of models, weights and inputs) into the memory
// image the accelerator runs: task descriptors, weights, biases, input activations and room for
// every intermediate and final activation, plus what the runner needs to read the results.
import type { ResolvedConfig } from '../config/resolve.ts';
import { DESC_BYTES, OPCODE_END, packDescriptor, type DescriptorValues } from '../arch/descriptor.ts';
import { traceRecordBytes } from '../arch/regmap.ts';
import { CHAN_BIAS_BITS, CHAN_BIAS_MAX, CHAN_BIAS_MIN, packChanShiftBias } from '../arch/bias-word.ts';
import { InputError, ProblemList } from '../errors.ts';
import { imageSizeProblem } from '../limits.ts';
import { layerType } from '../layers/registry.ts';
import { layerShapes, type Layer, type LayerShape } from '../model/model.ts';
import type { Job } from '../model/workload.ts';
import { actLayout, alignUp, MemImage, packActivations, type ActLayout } from './layout.ts';
import { linkTasks, streamOrder } from './schedule.ts';
import { simulate, type ModelResult, type ModelTask } from '../estimate/simulate.ts';
import { hwParams } from '../arch/params.ts';
import type { Policy } from '../arch/regmap.ts';
import { defaultStaticGroup } from '../arch/policies.ts';
import { offsetUnsignedInput } from './unsigned-input.ts';
import { FC_GROUP_MAX, type LayerContext, type PlannedTask, type TaskInfo } from './tasks.ts';

export type { TaskInfo } from './tasks.ts';

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
  const geoms = jobs.map((job, j) => effective[j].layers.map((e) => layerType(e.layer).geometry(e.layer, e.shape, job.batch, cfg)));
  const taskCount = geoms.reduce((sum, g, j) => sum + g.reduce((s, geo, l) => s + layerType(jobs[j].model.layers[l]).countTasks(geo, jobs[j].batch, cfg, split), 0), 0);
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
          layerType(eff.layer).writeWeights(image, weightBase[j][l], eff.layer, eff.shape, g, eff.weight ?? lw.weight.data, cfg);
          writeBiases(image, biasBase[j][l], eff.bias ?? lw.bias.data, eff.layer.shifts, g.mBlocks, tm);
        }
        compulsoryBytes += g.mBlocks * tm * 4;
      }
      const ctx: LayerContext<Layer> = {
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
      const tasks = layerType(layer).planTasks(ctx, planned.length, cfg, split);
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

/**
 * The fast cycle model on tasks, with the config's memory model and a window. Its plain fluid
 * sharing (no bulk barrier, see estimate/simulate.ts): with the barrier, which predicts the RTL
 * better, the plans and orders it chose ran slower in RTL on 7 of the 9 benchmark runs tried
 * (static up to 1.2%, elastic up to 0.7%; two elastic runs 1.0% and 1.7% faster).
 */
function listSchedule(tasks: ModelTask[], cfg: ResolvedConfig, policy: Policy, window: number): ModelResult {
  return simulate(tasks, hwParams(cfg), {
    policy,
    staticGroup: defaultStaticGroup(cfg.engines),
    latency: cfg.testbench.latency,
    bytesPerCycle: cfg.testbench.bytesPerCycle ?? cfg.busBytes,
    window,
    bulkBarrier: 0,
  });
}

interface EffectiveLayer {
  layer: Layer;
  shape: LayerShape;
  /** Weights in the rewritten layout, when the layer was rewritten. */
  weight?: ArrayLike<number>;
  /** Biases, when they were rewritten (unsigned inputs). */
  bias?: ArrayLike<number>;
}

/** The layers as the engines run them: the first one may be rewritten to run better. */
function effectiveLayers(job: Job, cfg: ResolvedConfig): { layers: EffectiveLayer[]; input: ArrayLike<number> } {
  const shapes = layerShapes(job.model);
  const layers: EffectiveLayer[] = job.model.layers.map((layer, l) => ({ layer, shape: shapes[l] }));
  let first = job.model.layers[0];
  let input: ArrayLike<number> = job.input.data;
  const firstWeights = job.weights.get(first.name)!;
  if (job.model.inputType === 'uint8') {
    const u = offsetUnsignedInput(`job ${job.name} (model ${job.model.name})`, first, shapes[0], firstWeights.weight.data, firstWeights.bias.data, input, job.batch);
    layers[0] = { layer: u.layer, shape: { ...shapes[0], inShape: u.inShape }, bias: u.bias };
    first = u.layer;
    input = u.input;
  }
  const r = layerType(first).rewriteFirst?.(first, layers[0].shape.inShape, firstWeights.weight.data, input, job.batch, cfg);
  if (!r) return { layers, input };
  layers[0] = { ...layers[0], layer: r.layer, shape: { ...layers[0].shape, inShape: r.inShape }, weight: r.weight };
  return { layers, input: r.input };
}

/** A layer's bias words: the biases, or with per-channel shifts each beside its shift. */
function writeBiases(image: MemImage, base: number, bias: ArrayLike<number>, shifts: readonly number[] | undefined, mBlocks: number, tm: number): void {
  for (let o = 0; o < bias.length && o < mBlocks * tm; o++) {
    image.writeI32(base + 4 * o, shifts ? packChanShiftBias(bias[o], shifts[o]) : bias[o]);
  }
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
      const type = layerType(layer);
      const g = type.geometry(layer, shape, job.batch, cfg);
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
      if (layer.shifts) {
        const bias = effective[j].layers[l].bias ?? job.weights.get(job.model.layers[l].name)!.bias.data;
        const o = Array.from(bias).findIndex((b) => b < CHAN_BIAS_MIN || b > CHAN_BIAS_MAX);
        if (o >= 0) {
          problems.addText(where, `${field} bias[${o}]`, `with per-channel shifts, biases in ${CHAN_BIAS_MIN}..${CHAN_BIAS_MAX} (they share the bias word with the shift: ${CHAN_BIAS_BITS} bits)`, String(bias[o]));
          return;
        }
      }
      const fit = type.fitProblem?.(g, cfg);
      if (fit) problems.addText(where, field, fit, `kernel ${g.kernelH}, stride ${g.stride}, pool ${g.poolK}`);
    });
  }
  problems.throwIfAny();
}
