// Cost guards: sizes a workload may have on this class of machine (2 cores, 24 GiB), checked
// from the shapes alone before any tensor is allocated, weights are generated or a simulator is
// built. Each refusal names the field, the limit and the override (--allow-large).
import { actLayout } from './compiler/layout.ts';
import type { ResolvedConfig } from './config/resolve.ts';
import { ProblemList } from './errors.ts';
import { layerType } from './layers/registry.ts';
import { elementCount, layerShapes, type Model } from './model/model.ts';

export const LIMITS = {
  /** Elements of one tensor: a layer's weights, a job's input, one layer's activations (512 Mi;
   * typed arrays of the golden model and the compiler hold them, some as 32-bit values). */
  tensorElements: 2 ** 29,
  /** Bytes of the memory image: weights, biases and activations of every job at the
   * accelerator's lane width (1 GiB: the simulated memory holds up to twice that, rounded up to a
   * power of two, next to the host's copy). */
  imageBytes: 2 ** 30,
  /** Simulated cycles a run is estimated to take at least (over an hour of Verilator on
   * `default`, which simulates about 233,000 cycles a second). */
  simCycles: 1e9,
  /** MACs of the golden model's forward pass over every job (compile's expected outputs): about
   * four minutes at the 400 M MACs a second it computes on one core (AlexNet x2: 3.5 s). */
  goldenMacs: 1e11,
} as const;

export const OVERRIDE = '--allow-large to run it anyway';

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/**
 * Problems with a model's weights alone (before its weight files are read or generated).
 * `where`/`field` locate the model in the user's files.
 */
export function checkModelSize(list: ProblemList, where: string, field: string, model: Model): void {
  const shapes = layerShapes(model);
  model.layers.forEach((layer, l) => {
    const weights = elementCount(shapes[l].weightShape);
    if (weights > LIMITS.tensorElements) {
      list.addText(where, `${field}layers[${l}] (${layer.name})`, `weights of at most ${LIMITS.tensorElements} elements (${OVERRIDE})`, `${weights} (shape [${shapes[l].weightShape.join(', ')}])`);
    }
  });
}

/** Problems with a job's input and activations for a batch (before its input is read or generated). */
export function checkBatchSize(list: ProblemList, where: string, field: string, model: Model, batch: number): void {
  const shapes = layerShapes(model);
  const tensors: [string, number][] = [['input', batch * elementCount(model.input)], ...model.layers.map((l, i) => [`layers[${i}] (${l.name}) output`, batch * elementCount(shapes[i].outShape)] as [string, number])];
  for (const [name, elements] of tensors) {
    if (elements > LIMITS.tensorElements) {
      list.addText(where, field, `a batch whose ${name} has at most ${LIMITS.tensorElements} elements (${OVERRIDE})`, `batch ${batch}: ${elements} elements`);
      return;
    }
  }
}

/** What a job contributes to a run's cost: its model and batch. */
export interface JobShape {
  model: Model;
  batch: number;
  /** Jobs with the same key share one copy of their weights (the batches of a repeated line). */
  weightsKey?: unknown;
}

/**
 * The memory image of jobs, from their shapes: weights ([m-block][c-block][ky][kx][tm][tn]),
 * biases and every activation (channel blocks of tn lanes) as the compiler lays them out, without
 * its alignment padding. The compiler checks the exact size again before it allocates it.
 */
export function estimateImageBytes(jobs: JobShape[], cfg: Pick<ResolvedConfig, 'pe' | 'busBytes'>): number {
  const { tn, tm } = cfg.pe;
  let bytes = 0;
  const stored = new Set<unknown>();
  for (const { model, batch, weightsKey } of jobs) {
    const weightsStored = weightsKey !== undefined && stored.has(weightsKey);
    if (weightsKey !== undefined) stored.add(weightsKey);
    for (const [l, shape] of layerShapes(model).entries()) {
      const layer = model.layers[l];
      const mBlocks = Math.ceil(layer.out / tm);
      const beats = layerType(layer).weightBeats(layer, shape, tn);
      if (!weightsStored) bytes += mBlocks * beats * tm * cfg.busBytes + mBlocks * tm * 4;
      if (l === 0) bytes += actLayout(0, batch, shape.inShape, tn, cfg.busBytes).bytes;
      bytes += actLayout(0, batch, shape.outShape, tn, cfg.busBytes).bytes;
    }
  }
  return bytes;
}

/**
 * Problems with the cost of running jobs on an accelerator: the memory image, and the cycles the
 * simulation takes at least, the longer of computing every MAC on every MAC unit and moving the
 * image once through the memory channels.
 */
export function checkRunCost(list: ProblemList, jobs: JobShape[], cfg: ResolvedConfig, bytesPerCycle: number): void {
  const image = estimateImageBytes(jobs, cfg);
  if (image > LIMITS.imageBytes) {
    list.addText('command line', '--workload', `a memory image (weights, biases and activations of every job at ${cfg.source}'s ${cfg.pe.tn} lanes) of at most ${mib(LIMITS.imageBytes)} (${OVERRIDE})`, mib(image));
  }
  const macs = workloadMacs(jobs);
  const cycles = Math.max(macs / cfg.macs, image / (bytesPerCycle * cfg.memory.channels));
  if (cycles > LIMITS.simCycles) {
    list.addText(
      'command line', '--workload',
      `a workload of at most ${LIMITS.simCycles.toExponential(0)} simulated cycles on ${cfg.source} (${OVERRIDE})`,
      `at least ${cycles.toExponential(2)} cycles (${macs.toExponential(2)} MACs at ${cfg.macs} a cycle; ${mib(image)} at ${bytesPerCycle * cfg.memory.channels} bytes a cycle)`,
    );
  }
}

/** MACs of every job's forward pass, from the shapes. */
export function workloadMacs(jobs: JobShape[]): number {
  return jobs.reduce((s, j) => s + layerShapes(j.model).reduce((t, sh) => t + sh.macsPerImage, 0) * j.batch, 0);
}

/**
 * Problems with the cost of computing jobs' expected outputs with the golden model (compile; a
 * run's simulated-cycle guard is the stricter one there): its MACs.
 */
export function checkGoldenCost(list: ProblemList, jobs: JobShape[]): void {
  const macs = workloadMacs(jobs);
  if (macs > LIMITS.goldenMacs) {
    list.addText('command line', '--workload', `a workload of at most ${LIMITS.goldenMacs.toExponential(0)} MACs for the golden model's expected outputs (${OVERRIDE})`, `${macs.toExponential(2)} MACs`);
  }
}

/** Problem with the size of a compiled memory image (padded to the accelerator's lanes). */
export function imageSizeProblem(list: ProblemList, bytes: number, source: string, limit: number = LIMITS.imageBytes): void {
  if (bytes > limit) {
    list.addText('command line', '--workload', `a memory image of at most ${mib(limit)} on ${source} (${OVERRIDE})`, `${mib(bytes)} (weights and activations padded to the accelerator's lanes)`);
  }
}
