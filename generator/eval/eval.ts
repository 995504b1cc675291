// `synergyflow eval`: the accuracy of an integer model on a labelled data set, with the golden
// model (fast, no simulation), and optionally the accelerator on a sample to show that the RTL
// gives the same integers.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { goldenForward } from '../golden/golden.ts';
import { quantizeInput } from '../import/import.ts';
import { elementCount, loadModelFile, type Model } from '../model/model.ts';
import { makeTensor, readNumericNpy, type NumericTensor, type Tensor } from '../model/npy.ts';
import { loadWeights, type Weights } from '../model/weights.ts';

export interface EvalOptions {
  /** A model folder (model.json and weights/, as `import` writes) or a model.json. */
  model: string;
  /** Weights folder (default: weights/ beside model.json). */
  weights?: string;
  data: string;
  labels: string;
  /** Multiply the data by this before quantizing (e.g. 1/255 for pixels of a model trained on [0, 1]). */
  dataScale?: number;
  /** Evaluate the first N images only. */
  limit?: number;
  /** Images per golden-model batch. */
  batch?: number;
  progress?: (done: number, total: number) => void;
}

export interface EvalResult {
  model: string;
  images: number;
  correct: number;
  accuracy: number;
  /** Golden predictions, one class index per image. */
  predictions: Int32Array;
  seconds: number;
}

export interface EvalInputs {
  model: Model;
  weights: Weights;
  /** The images as the model's integers, NCHW. */
  input: Tensor;
  labels: Int32Array;
}

/** Reads and checks everything before any computing: model, weights, data and labels. */
/** model.json of a model folder, or the file given. */
function modelFileOf(model: string): string {
  return existsSync(model) && statSync(model).isDirectory() ? join(model, 'model.json') : model;
}

export function loadEvalInputs(opts: EvalOptions): EvalInputs {
  const modelFile = modelFileOf(opts.model);
  const model = loadModelFile(modelFile);
  const weights = loadWeights(opts.weights ?? join(dirname(modelFile), 'weights'), model);
  const data = readNumericNpy(opts.data);
  const labels = readNumericNpy(opts.labels);
  const per = elementCount(model.input);
  const n = data.shape[0];
  // NCHW exactly (a fc-first model's [N, features] too): an NHWC set of the same size would be
  // read in the wrong order.
  const image = data.shape.slice(1);
  const fcVector = image.length === 1 && model.input[1] === 1 && model.input[2] === 1 && image[0] === per;
  if (n < 1 || !(fcVector || image.join() === model.input.join())) {
    throw new InputError([{ file: opts.data, field: 'shape', expected: `[N, ${model.input.join(', ')}] (the input of model ${model.name}, NCHW)`, found: `[${data.shape.join(', ')}]` }]);
  }
  if (labels.shape.length !== 1 || labels.shape[0] !== n) {
    throw new InputError([{ file: opts.labels, field: 'shape', expected: `[${n}] (one label per image of ${opts.data})`, found: `[${labels.shape.join(', ')}]` }]);
  }
  if (labels.data.some((v) => !Number.isInteger(v) || v < 0)) {
    throw new InputError([{ file: opts.labels, field: 'data', expected: 'class indices: integers >= 0', found: `${labels.data.find((v) => !Number.isInteger(v) || v < 0)}` }]);
  }
  const count = Math.min(n, opts.limit ?? n);
  return { model, weights, input: quantizeData(data, model, opts, count), labels: Int32Array.from(labels.data.subarray(0, count)) };
}

/** Float data through the model's input scale (round half to even, saturate); integer data as it is. */
function quantizeData(data: NumericTensor, model: Model, opts: EvalOptions, count: number): Tensor {
  const [lo, hi] = model.inputType === 'uint8' ? [0, 255] : [-(2 ** (model.bits - 1)), 2 ** (model.bits - 1) - 1];
  const isFloat = data.descr.includes('f') || opts.dataScale !== undefined;
  const values = data.data.subarray(0, count * elementCount(model.input));
  let ints: Int32Array;
  if (isFloat) {
    const scale = model.scales?.input;
    if (scale === undefined) {
      throw new InputError([{ file: resolve(opts.model), field: 'scales.input', expected: `the input scale to quantize the float data of ${opts.data} (import writes it), or integer data`, found: 'no scales' }]);
    }
    const k = opts.dataScale ?? 1;
    ints = quantizeInput(k === 1 ? values : Float64Array.from(values, (v) => v * k), scale, model.bits, model.inputType === 'uint8');
  } else {
    const bad = values.findIndex((v) => v < lo || v > hi);
    if (bad >= 0) throw new InputError([{ file: opts.data, field: 'data', expected: `integers in [${lo}, ${hi}] (the model's input), or float data with --data-scale`, found: `${values[bad]} at element ${bad}` }]);
    ints = Int32Array.from(values);
  }
  const shape = [count, ...model.input];
  if (model.inputType === 'uint8') return makeTensor('uint8', shape, Uint8Array.from(ints));
  return model.bits === 8 ? makeTensor('int8', shape, Int8Array.from(ints)) : makeTensor('int16', shape, Int16Array.from(ints));
}

/** Index of the largest value of each row of `per` values (the first, on a tie). */
export function argmaxRows(values: ArrayLike<number>, per: number): Int32Array {
  const rows = values.length / per;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let i = 1; i < per; i++) if (values[r * per + i] > values[r * per + best]) best = i;
    out[r] = best;
  }
  return out;
}

export function evaluate(inputs: EvalInputs, opts: Pick<EvalOptions, 'batch' | 'progress'> = {}): EvalResult {
  const started = Date.now();
  const { model, weights, input, labels } = inputs;
  const n = input.shape[0];
  const per = elementCount(model.input);
  const step = opts.batch ?? 256;
  const predictions = new Int32Array(n);
  for (let first = 0; first < n; first += step) {
    const count = Math.min(step, n - first);
    const slice = input.data.subarray(first * per, (first + count) * per);
    const batch: Tensor = { dtype: input.dtype, shape: [count, ...model.input], data: slice };
    const outputs = goldenForward(model, weights, batch);
    const last = outputs[outputs.length - 1];
    predictions.set(argmaxRows(last, last.length / count), first);
    opts.progress?.(first + count, n);
  }
  let correct = 0;
  for (let i = 0; i < n; i++) if (predictions[i] === labels[i]) correct++;
  return { model: model.name, images: n, correct, accuracy: correct / n, predictions, seconds: (Date.now() - started) / 1000 };
}

export interface SimCheck {
  images: number;
  /** Every simulated output integer equalled the golden model's. */
  allMatch: boolean;
  /** RTL predictions equal to the labels. */
  correct: number;
  cycles: number;
  status: string;
}

/**
 * Runs the first `images` images on the accelerator (a one-job workload written to a temporary
 * folder) and reads the predictions back from the run's outputs.
 */
export async function simulateSample(
  inputs: EvalInputs, opts: EvalOptions, images: number,
  run: (workload: string) => Promise<{ status: string; allMatch: boolean; cycles: number; outputs: Map<string, Tensor> }>,
): Promise<SimCheck> {
  const { withTempDir } = await import('../cleanup.ts');
  const { writeFileSync } = await import('node:fs');
  const { encodeNpy } = await import('../model/npy.ts');
  const n = Math.min(images, inputs.input.shape[0]);
  const per = elementCount(inputs.model.input);
  const modelFile = modelFileOf(opts.model);
  return withTempDir('synergyflow-eval-', async (dir) => {
    const sample: Tensor = { dtype: inputs.input.dtype, shape: [n, ...inputs.model.input], data: inputs.input.data.slice(0, n * per) as Tensor['data'] };
    writeFileSync(join(dir, 'input.npy'), encodeNpy(sample));
    const job = { name: 'eval', model: resolve(modelFile), weights: resolve(opts.weights ?? join(dirname(modelFile), 'weights')), input: 'input.npy' };
    writeFileSync(join(dir, 'workload.json'), JSON.stringify({ jobs: [job] }));
    const result = await run(join(dir, 'workload.json'));
    const out = result.outputs.get('eval');
    let correct = 0;
    if (out) {
      const predictions = argmaxRows(out.data, out.data.length / n);
      for (let i = 0; i < n; i++) if (predictions[i] === inputs.labels[i]) correct++;
    }
    return { images: n, allMatch: result.allMatch, correct, cycles: result.cycles, status: result.status };
  });
}
