// Cost guards: sizes a workload may have on this class of machine (2 cores, 24 GiB), checked
// from the shapes alone before any tensor is allocated, weights are generated or a simulator is
// built. Each refusal names the field, the limit and the override (--allow-large).
import { ProblemList } from './errors.ts';
import { elementCount, layerShapes, type Model } from './model/model.ts';

export const LIMITS = {
  /** Elements of one tensor: a layer's weights, a job's input, one layer's activations (512 Mi). */
  tensorElements: 2 ** 29,
  /** Bytes of a job's weights and activations together, and of the compiled memory image (1 GiB:
   * the simulated memory holds up to twice that, rounded up to a power of two). */
  imageBytes: 2 ** 30,
  /** Simulated cycles a run is estimated to take (over an hour of Verilator on `default`). */
  simCycles: 1e9,
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
  const bytesPer = model.bits / 8;
  const tensors: [string, number][] = [['input', batch * elementCount(model.input)], ...model.layers.map((l, i) => [`layers[${i}] (${l.name}) output`, batch * elementCount(shapes[i].outShape)] as [string, number])];
  for (const [name, elements] of tensors) {
    if (elements > LIMITS.tensorElements) {
      list.addText(where, field, `a batch whose ${name} has at most ${LIMITS.tensorElements} elements (${OVERRIDE})`, `batch ${batch}: ${elements} elements`);
      return;
    }
  }
  const weights = shapes.reduce((s, sh) => s + elementCount(sh.weightShape), 0);
  const total = (weights + tensors.reduce((s, [, e]) => s + e, 0)) * bytesPer;
  if (total > LIMITS.imageBytes) {
    list.addText(where, field, `weights and activations of at most ${mib(LIMITS.imageBytes)} (${OVERRIDE})`, `batch ${batch}: ${mib(total)}`);
  }
}

/** Problem with the cycles a run would take, estimated as its MACs over the accelerator's. */
export function checkSimCycles(list: ProblemList, jobs: { model: Model; batch: number }[], macsPerCycle: number, source: string): void {
  const macs = jobs.reduce((s, j) => s + layerShapes(j.model).reduce((t, sh) => t + sh.macsPerImage, 0) * j.batch, 0);
  const cycles = macs / macsPerCycle;
  if (cycles > LIMITS.simCycles) {
    list.addText('command line', '--workload', `a workload of at most ${LIMITS.simCycles.toExponential(0)} simulated cycles on ${source} (${OVERRIDE})`, `${macs.toExponential(2)} MACs, at least ${cycles.toExponential(2)} cycles at ${macsPerCycle} MACs a cycle`);
  }
}

/** Problem with the size of a compiled memory image (padded to the accelerator's lanes). */
export function imageSizeProblem(list: ProblemList, bytes: number, source: string, limit: number = LIMITS.imageBytes): void {
  if (bytes > limit) {
    list.addText('command line', '--workload', `a memory image of at most ${mib(limit)} on ${source} (${OVERRIDE})`, `${mib(bytes)} (weights and activations padded to the accelerator's lanes)`);
  }
}
