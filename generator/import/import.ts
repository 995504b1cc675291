// `synergyflow import`: an ONNX model (QDQ, QONNX or float with calibration data) in, a model
// folder out: model.json and weights in the spec's format, a report of what was mapped and how,
// and, with calibration data, a sample input and workload to run on the accelerator at once.
import { basename } from 'node:path';
import { InputError } from '../errors.ts';
import { goldenForward } from '../golden/golden.ts';
import { layerType } from '../layers/registry.ts';
import { layerShapes, parseModel, type Model } from '../model/model.ts';
import { encodeNpy, makeTensor, readNumericNpy, type NumericTensor } from '../model/npy.ts';
import type { Weights } from '../model/weights.ts';
import type { FileMap } from '../output-dir.ts';
import { buildChain, roundHalfEven, type Chain } from './chain.ts';
import { readOnnxFile, type OnnxGraph } from './onnx-read.ts';
import { mapFloat, mapQuantized, type Quantized, type WeightScales } from './quantize.ts';

export interface ImportOptions {
  onnx: string;
  calibration?: string;
  bits?: 8 | 16;
  /** A float model's weight scales (default per-channel); a quantized model keeps its own. */
  weightScales?: WeightScales;
  /** Images of the calibration set written as the sample input (default 4). */
  sample?: number;
}

export interface ImportResult {
  files: FileMap;
  model: Model;
  weights: Weights;
  format: 'QDQ' | 'QONNX' | 'float';
  /** Agreement with onnxruntime on the calibration set, when one was given. */
  agreement?: Agreement;
  summary: string;
}

export interface Agreement {
  images: number;
  /** Images whose every output integer equals onnxruntime's quantized output (quantized graphs
   * whose output is the last layer's). */
  exact?: number;
  /** Images whose predicted class (argmax) is the same as onnxruntime's float output. */
  sameClass: number;
  /** Largest difference, in units of the output scale (when exact is compared). */
  maxError?: number;
  /** Mean absolute difference from onnxruntime's float output, in real units (a float graph
   * whose output is the last layer's). */
  meanError?: number;
}

export async function importOnnx(opts: ImportOptions): Promise<ImportResult> {
  const graph = readOnnxFile(opts.onnx);
  const chain = buildChain(graph);
  const calibration = opts.calibration ? readCalibration(opts.calibration, graph, chain) : undefined;
  const format = !chain.quantized ? 'float' : graph.nodes.some((n) => n.opType === 'Quant') ? 'QONNX' : 'QDQ';
  const q = chain.quantized ? mapQuantized(chain, opts.onnx) : mapFloat(chain, calibration && { input: calibration.nchw, batch: calibration.batch }, opts.bits ?? 8, opts.onnx, opts.weightScales);
  const name = safeName(basename(opts.onnx).replace(/\.onnx$/i, ''));
  const modelJson = {
    name, bits: q.bits, input: chain.inputShape, ...(q.inputUnsigned ? { inputType: 'uint8' } : {}),
    scales: { input: q.inputScale, output: q.outputScale },
    layers: q.layers.map((l) => l.json),
  };
  const model = parseModel(modelJson, `${opts.onnx} (imported)`);
  const weights: Weights = new Map();
  const files: FileMap = new Map();
  const dtype = q.bits === 8 ? 'int8' : 'int16';
  const shapes = layerShapes(model);
  q.layers.forEach((l, i) => {
    const layer = model.layers[i];
    const synthetic = layerType(layer).syntheticWeights;
    if (synthetic) {
      weights.set(layer.name, synthetic(layer, shapes[i], model.bits));
      return;
    }
    const weight = makeTensor(dtype, l.weightShape, dtype === 'int8' ? Int8Array.from(l.weight) : Int16Array.from(l.weight));
    const bias = makeTensor('int32', [layer.out], l.bias);
    weights.set(layer.name, { weight, bias });
    files.set(`weights/${layer.name}.weight.npy`, encodeNpy(weight));
    files.set(`weights/${layer.name}.bias.npy`, encodeNpy(bias));
  });
  files.set('model.json', `${JSON.stringify(modelJson, null, 2)}\n`);

  let agreement: Agreement | undefined;
  let notCompared: string | undefined;
  if (calibration) {
    const xq = quantizeInput(calibration.nchw, q.inputScale, q.bits, q.inputUnsigned);
    const inputShape = [calibration.batch, ...chain.inputShape];
    const input = q.inputUnsigned ? makeTensor('uint8', inputShape, Uint8Array.from(xq))
      : makeTensor(dtype, inputShape, dtype === 'int8' ? Int8Array.from(xq) : Int16Array.from(xq));
    const outputs = goldenForward(model, weights, input);
    // onnxruntime has no kernel for QONNX's Quant: such a model is checked by its QDQ twin.
    if (format !== 'QONNX') {
      try {
        agreement = await compareWithOnnxruntime(opts.onnx, graph, calibration, outputs[outputs.length - 1], q, format, chain.dropped.length > 0);
      } catch (err) {
        if (err instanceof InputError) throw err;
        // The import stands without the check; the report says why it is missing.
        notCompared = `onnxruntime could not run the model: ${(err as Error).message.split('\n')[0]}`;
      }
    } else {
      notCompared = 'onnxruntime has no kernel for QONNX\'s Quant nodes';
    }
    const sample = Math.min(opts.sample ?? 4, calibration.batch);
    const per = input.data.length / calibration.batch;
    files.set('sample-input.npy', encodeNpy(makeTensor(input.dtype, [sample, ...chain.inputShape], input.data.slice(0, sample * per))));
    files.set('workload.json', `${JSON.stringify({ jobs: [{ name, model: 'model.json', weights: 'weights', input: 'sample-input.npy' }] }, null, 2)}\n`);
  }
  const report = reportText(opts, graph, chain, q, model, format, agreement, notCompared);
  files.set('import-report.md', report);
  const summary = `imported ${opts.onnx} (${format}): ${model.layers.length} layers, ${q.bits}-bit, input scale ${q.inputScale}` +
    (!agreement ? '' : agreement.exact === undefined
      ? `; on ${agreement.images} calibration images, ${agreement.sameClass} predict the class onnxruntime's float model predicts`
      : `; on ${agreement.images} calibration images, ${agreement.exact} give every output integer onnxruntime gives`) +
    (notCompared ? `; not compared with onnxruntime (${notCompared})` : '') +
    (q.warnings.length ? `; ${q.warnings.length} warning${q.warnings.length > 1 ? 's' : ''} in import-report.md` : '');
  return { files, model, weights, format, agreement, summary };
}

interface Calibration {
  batch: number;
  /** The images as the model's NCHW input, float. */
  nchw: Float64Array;
  /** As the graph takes them (NHWC when it starts with a transpose), float32 for onnxruntime. */
  graphLayout: Float32Array;
  graphDims: number[];
}

function readCalibration(path: string, graph: OnnxGraph, chain: Chain): Calibration {
  const t: NumericTensor = readNumericNpy(path);
  const want = graph.input.dims.slice(1) as number[];
  if (t.shape.length !== want.length + 1 || t.shape.slice(1).join() !== want.join() || t.shape[0] < 1) {
    throw new InputError([{ file: path, field: 'shape', expected: `[N, ${want.join(', ')}] (the input ${graph.input.name} of ${graph.file})`, found: `[${t.shape.join(', ')}]` }]);
  }
  const batch = t.shape[0];
  let nchw = t.data;
  if (chain.inputLayout === 'NHWC') {
    const [C, H, W] = chain.inputShape;
    nchw = new Float64Array(t.data.length);
    for (let n = 0; n < batch; n++) {
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) nchw[((n * C + c) * H + y) * W + x] = t.data[((n * H + y) * W + x) * C + c];
    }
  }
  return { batch, nchw, graphLayout: Float32Array.from(t.data), graphDims: t.shape };
}

/** Float input to integers as QuantizeLinear does: round half to even, then saturate. */
export function quantizeInput(x: ArrayLike<number>, scale: number, bits: number, unsigned = false): Int32Array {
  const [lo, hi] = unsigned ? [0, 255] : [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1];
  return Int32Array.from(x as ArrayLike<number>, (v) => Math.max(lo, Math.min(hi, roundHalfEven(Math.fround(v) / scale))));
}

async function compareWithOnnxruntime(path: string, graph: OnnxGraph, cal: Calibration, out: Int32Array, q: Quantized, format: string, dropped: boolean): Promise<Agreement> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(path);
  const feeds = { [graph.input.name]: new ort.Tensor('float32', cal.graphLayout, cal.graphDims) };
  const result = await session.run(feeds);
  const tensor = result[graph.outputs[0]];
  // A graph that ends in a QuantizeLinear gives integers, one that ends in a DequantizeLinear or a
  // float layer gives real values at the output scale.
  const integerOutput = tensor.type !== 'float32' && tensor.type !== 'float64';
  const ref = Float64Array.from(tensor.data as ArrayLike<number>, (v) => (integerOutput ? v : v / q.outputScale));
  const per = out.length / cal.batch;
  if (ref.length !== out.length) {
    throw new InputError([{ file: path, field: `output ${graph.outputs[0]}`, expected: `${out.length} values for ${cal.batch} images`, found: `${ref.length} from onnxruntime` }]);
  }
  // Integers can be compared only on a quantized graph whose output is the last layer's (a
  // dropped Softmax leaves onnxruntime's output probabilities).
  const exactComparable = format !== 'float' && !dropped;
  const floatComparable = format === 'float' && !dropped;
  let exact = 0;
  let sameClass = 0;
  let maxError = 0;
  let sumError = 0;
  for (let n = 0; n < cal.batch; n++) {
    let allEqual = true;
    let best = 0;
    let bestRef = 0;
    for (let i = 0; i < per; i++) {
      const got = out[n * per + i];
      const want = ref[n * per + i];
      if (got !== want) allEqual = false;
      maxError = Math.max(maxError, Math.abs(got - want));
      sumError += Math.abs(got - want);
      if (got > out[n * per + best]) best = i;
      if (ref[n * per + i] > ref[n * per + bestRef]) bestRef = i;
    }
    if (allEqual && exactComparable) exact++;
    if (best === bestRef) sameClass++;
  }
  const agreement: Agreement = { images: cal.batch, exact: exactComparable ? exact : undefined, sameClass, maxError: exactComparable ? maxError : undefined };
  if (floatComparable) agreement.meanError = (sumError / out.length) * q.outputScale;
  return agreement;
}

function reportText(opts: ImportOptions, graph: OnnxGraph, chain: Chain, q: Quantized, model: Model, format: string, agreement?: Agreement, notCompared?: string): string {
  const lines = [
    `# Import of ${basename(opts.onnx)}`,
    '',
    `- Source: ${format} model, opset ${graph.opset}${graph.producer ? `, made by ${graph.producer}` : ''}.`,
    `- Model: ${model.layers.length} layers, ${q.bits}-bit, input [${chain.inputShape.join(', ')}] (NCHW).`,
    `- Input: quantize each float value x as round_half_even(x / ${q.inputScale}), saturated to ${q.inputUnsigned ? 'unsigned 8 bits (0..255)' : `${q.bits} bits`}${chain.inputLayout === 'NHWC' ? ', after transposing the graph\'s NHWC images to NCHW' : ''}.`,
    `- Output: the last layer's integers times ${q.outputScale} are the graph's output${chain.dropped.length ? ' before the dropped nodes' : ''}.`,
    `- Rounding: half to even, as onnxruntime's QuantizeLinear and QONNX's ROUND do.`,
    ...weightScalesLines(format, opts.weightScales ?? 'per-channel', model),
    '',
    '| layer | ONNX nodes | input scale | weight scale | output scale | shift | notes |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  chain.layers.forEach((l, i) => {
    const il = q.layers[i];
    lines.push(`| ${model.layers[i].name} (${l.kind}) | ${l.nodes.join(', ')} | ${il.inScale} | ${scalesText(il.weightScales)} | ${il.outScale} | ${shiftsText(il.shifts)} | ${il.notes.join('; ')} |`);
  });
  if (q.warnings.length) lines.push('', '## Warnings', '', ...q.warnings.map((w) => `- ${w}`));
  if (chain.dropped.length) lines.push('', ...chain.dropped.map((d) => `- ${d}`));
  if (notCompared) lines.push('', `- Not compared with onnxruntime: ${notCompared}.`);
  if (agreement) {
    lines.push('', `## Against onnxruntime on ${opts.calibration} (${agreement.images} images)`, '');
    if (agreement.exact !== undefined) lines.push(`- Every output integer equal: ${agreement.exact} of ${agreement.images} images.`);
    lines.push(`- Same predicted class (argmax): ${agreement.sameClass} of ${agreement.images}.`);
    if (agreement.maxError !== undefined) lines.push(`- Largest difference: ${agreement.maxError} output steps (of ${q.outputScale}).`);
    if (agreement.meanError !== undefined) lines.push(`- Mean absolute difference from onnxruntime's float output: ${agreement.meanError.toPrecision(4)} (${(agreement.meanError / q.outputScale).toPrecision(4)} output steps of ${q.outputScale}).`);
  }
  return `${lines.join('\n')}\n`;
}

/** How the weights were scaled: a float model's mode, and the layers with per-channel shifts. */
function weightScalesLines(format: string, mode: WeightScales, model: Model): string[] {
  const perChannel = model.layers.filter((l) => l.shifts).map((l) => l.name);
  const which = perChannel.length ? ` ${perChannel.join(', ')} ${perChannel.length > 1 ? 'have' : 'has'} one shift per output channel (\`shifts\`).` : '';
  if (format !== 'float') return perChannel.length ? [`- Weight scales: per output channel in the graph.${which}`] : [];
  const how = mode === 'per-channel'
    ? 'one power of two per output channel, from the channel\'s largest |weight| after batch-norm folding (--weight-scales per-channel)'
    : 'one power of two per layer, from its largest |weight| after batch-norm folding (--weight-scales per-layer)';
  return [`- Weight scales: ${how}.${which}`];
}

/** One scale, or the range of a layer's per-channel scales. */
function scalesText(scales: number[]): string {
  const lo = Math.min(...scales);
  const hi = Math.max(...scales);
  return lo === hi ? String(lo) : `${lo}..${hi} (per channel)`;
}

/** One shift, or the range of a layer's per-channel shifts with a count of each. */
function shiftsText(shifts: number[]): string {
  const counts = new Map<number, number>();
  for (const s of shifts) counts.set(s, (counts.get(s) ?? 0) + 1);
  if (counts.size === 1) return String(shifts[0]);
  const values = [...counts.keys()].sort((a, b) => a - b);
  return `${values[0]}..${values[values.length - 1]} per channel (${values.map((v) => `${counts.get(v)} at ${v}`).join(', ')})`;
}

function safeName(text: string): string {
  const s = text.replace(/[^A-Za-z0-9_-]/g, '_').replace(/^[^A-Za-z]+/, '');
  return s.length > 0 ? s.slice(0, 64) : 'model';
}
