import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import { encodeFloat32Npy, makeTensor } from '../model/npy.ts';
import { Rng } from '../model/random.ts';
import { importOnnx } from './import.ts';
import { OnnxBuilder } from './onnx-build.ts';

const dir = mkdtempSync(join(tmpdir(), 'sf-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function save(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const ints = (rng: Rng, n: number, lo: number, hi: number) => Array.from({ length: n }, () => rng.int(lo, hi));

/** Float images whose values are exact multiples of the input scale, so that the graph's own
 * QuantizeLinear gives the integers the accelerator gets. */
function calibration(rng: Rng, dims: number[], scale: number, name = 'cal.npy'): string {
  const n = dims.reduce((a, b) => a * b, 1);
  return save(name, encodeFloat32Npy(dims, ints(rng, n, -128, 127).map((v) => v * scale)));
}

interface QdqOptions {
  nhwc?: boolean;
  unsignedInput?: boolean;
  weightScale?: number;
  op?: string;
  opAttrs?: Record<string, number>;
}

/**
 * A QDQ model: conv 3x3 (pad 1) + ReLU + 2x2 max-pool, conv 3x3 stride 2, flatten, Gemm, output
 * dequantized. Scales are powers of two, chosen so that ties occur in the requantization.
 */
function qdqModel(rng: Rng, opts: QdqOptions = {}): Uint8Array {
  const b = new OnnxBuilder();
  const [C, H, W] = [3, 8, 8];
  let x = b.qdq('x', 2 ** -4, opts.unsignedInput ? 'UINT8' : 'INT8');
  if (opts.nhwc) x = b.node('Transpose', [x], { perm: [0, 3, 1, 2] });
  const w1 = b.dequantized([6, C, 3, 3], ints(rng, 6 * C * 9, -128, 127), opts.weightScale ?? 2 ** -6);
  const b1 = b.dequantized([6], ints(rng, 6, -3000, 3000), 2 ** -10, 'INT32');
  x = b.node('Conv', [x, w1, b1], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  x = b.node(opts.op ?? 'Relu', [x], opts.opAttrs);
  x = b.qdq(x, 2 ** -1);
  x = b.qdq(b.node('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] }), 2 ** -1);
  const w2 = b.dequantized([5, 6, 3, 3], ints(rng, 5 * 6 * 9, -128, 127), 2 ** -7);
  x = b.qdq(b.node('Conv', [x, w2], { kernel_shape: [3, 3], strides: [2, 2] }), 2 ** 2);
  if (opts.nhwc) x = b.node('Transpose', [x], { perm: [0, 2, 3, 1] });
  x = b.node('Flatten', [x], { axis: 1 });
  const w3 = b.dequantized([4, 5], ints(rng, 4 * 5, -128, 127), 2 ** -5);
  const b3 = b.dequantized([4], ints(rng, 4, -500, 500), 2 ** -3, 'INT32');
  x = b.node('Gemm', [x, w3, b3], { transB: 1 });
  const s = b.constant([], [2 ** 0]);
  const z = b.constant([], [0], 'INT8');
  const y = b.node('DequantizeLinear', [b.node('QuantizeLinear', [x, s, z]), s, z]);
  return b.encode({ name: 'x', dims: opts.nhwc ? ['N', H, W, C] : ['N', C, H, W] }, y);
}

/** Per-output-channel weight scales of the per-channel models: 6, 5 and 4 distinct powers of two. */
const PC = {
  conv1: [-6, -5, -7, -8, -6, -4, -9, -5].map((e) => 2 ** e),
  conv2: [-7, -6, -8, -7, -5, -9].map((e) => 2 ** e),
  fc: [-5, -3, -6, -4].map((e) => 2 ** e),
};

/**
 * A QDQ model (or its QONNX twin) with one weight scale per output channel: conv 3x3 (pad 1, bias)
 * + ReLU + 2x2 max-pool, conv 3x3, flatten, fc (Gemm, or MatMul + Add with scales on axis 1).
 * Its shifts are 7..12, 5..9 and 4..7, and small weights keep most sums in range: requantization
 * ties occur in every layer, so half-to-even rounding matters.
 */
function perChannelModel(seed: number, opts: { qonnx?: boolean; matmul?: boolean } = {}): Uint8Array {
  const rng = new Rng(seed);
  const w1 = ints(rng, 8 * 3 * 9, -64, 63);
  const b1 = ints(rng, 8, -20000, 20000);
  const w2 = ints(rng, 6 * 8 * 9, -16, 15);
  const w3 = ints(rng, 4 * 24, -8, 7);
  const b3 = ints(rng, 4, -500, 500);
  const b = new OnnxBuilder();
  const quant = (x: string, scale: number | number[], bits = 8, dims: number[] = []) => (opts.qonnx
    ? b.node('Quant', [x, b.constant(Array.isArray(scale) ? dims : [], Array.isArray(scale) ? scale : [scale]), b.constant([], [0]), b.constant([], [bits])], { signed: 1, narrow: 0, rounding_mode: 'ROUND' }, 'qonnx.custom_op.general')
    : b.qdq(x, scale as number));
  // Weights: integers times their channel's scale, as a QONNX Quant of floats or a QDQ DequantizeLinear.
  const weight = (dims: number[], w: number[], scales: number[], scaleDims: number[], type: 'INT8' | 'INT32' = 'INT8', axis = 0) => {
    if (!opts.qonnx) return b.dequantized(dims, w, scales, type, axis);
    const per = (i: number) => (axis === 0 ? Math.floor(i / (w.length / scales.length)) : i % scales.length);
    return quant(b.constant(dims, w.map((v, i) => v * scales[per(i)])), scales, type === 'INT32' ? 32 : 8, scaleDims);
  };
  let x = quant('x', 2 ** -4);
  x = b.node('Conv', [x, weight([8, 3, 3, 3], w1, PC.conv1, [8, 1, 1, 1]), weight([8], b1, PC.conv1.map((s) => 2 ** -4 * s), [8], 'INT32')], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  x = quant(b.node('Relu', [x]), 2 ** -1);
  x = quant(b.node('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] }), 2 ** -1);
  x = quant(b.node('Conv', [x, weight([6, 8, 3, 3], w2, PC.conv2, [6, 1, 1, 1])], { kernel_shape: [3, 3] }), 2 ** -1);
  x = b.node('Flatten', [x], { axis: 1 });
  const bias3 = weight([4], b3, PC.fc.map((s) => 2 ** -1 * s), [4], 'INT32');
  if (opts.matmul) {
    // MatMul's weights are [in, out]: per-output-channel scales are on axis 1.
    const wt = Array.from({ length: 24 * 4 }, (_, i) => w3[(i % 4) * 24 + Math.floor(i / 4)]);
    x = b.node('Add', [b.node('MatMul', [x, weight([24, 4], wt, PC.fc, [1, 4], 'INT8', 1)]), bias3]);
  } else {
    x = b.node('Gemm', [x, weight([4, 24], w3, PC.fc, [4, 1]), bias3], { transB: 1 });
  }
  return b.encode({ name: 'x', dims: ['N', 3, 8, 8] }, quant(x, 2 ** 0));
}

describe('import of ONNX models', () => {
  it('maps a QDQ model exactly: every output integer equals onnxruntime\'s', async () => {
    const rng = new Rng(11);
    const onnxPath = save('qdq.onnx', qdqModel(rng));
    const cal = calibration(rng, [40, 3, 8, 8], 2 ** -4);
    const r = await importOnnx({ onnx: onnxPath, calibration: cal });
    expect(r.format).toBe('QDQ');
    expect(r.model.layers.map((l) => [l.type, l.shift, l.relu, l.rounding])).toEqual([
      ['conv', 9, true, 'half-even'], ['conv', 10, false, 'half-even'], ['fc', 3, false, 'half-even'],
    ]);
    expect(r.model.scales).toEqual({ input: 2 ** -4, output: 1 });
    expect(r.agreement).toMatchObject({ images: 40, exact: 40, sameClass: 40, maxError: 0 });
    expect([...r.files.keys()].sort()).toEqual([
      'import-report.md', 'model.json', 'sample-input.npy', 'weights/conv1.bias.npy', 'weights/conv1.weight.npy',
      'weights/conv2.bias.npy', 'weights/conv2.weight.npy', 'weights/fc3.bias.npy', 'weights/fc3.weight.npy', 'workload.json',
    ]);
    expect(String(r.files.get('import-report.md'))).toContain('| conv1 (conv) | Conv_');
  });

  it('would see a wrong rounding mode: half-up differs from the graph on its ties', async () => {
    const rng = new Rng(11);
    const r = await importOnnx({ onnx: save('qdq2.onnx', qdqModel(rng)), calibration: calibration(rng, [40, 3, 8, 8], 2 ** -4, 'cal2.npy') });
    const { goldenForward } = await import('../golden/golden.ts');
    const halfUp = { ...r.model, layers: r.model.layers.map(({ rounding: _r, ...l }) => l) };
    const xs = new Rng(3);
    const input = { dtype: 'int8' as const, shape: [40, 3, 8, 8], data: Int8Array.from({ length: 40 * 192 }, () => xs.int(-128, 127)) };
    expect(goldenForward(r.model, r.weights, input)[0]).not.toEqual(goldenForward(halfUp, r.weights, input)[0]);
  });

  it('maps average and global average pooling exactly', async () => {
    const rng = new Rng(16);
    const b = new OnnxBuilder();
    let x = b.qdq('x', 2 ** -4);
    x = b.node('Conv', [x, b.dequantized([6, 2, 3, 3], ints(rng, 108, -128, 127), 2 ** -6)], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
    x = b.qdq(b.node('Relu', [x]), 2 ** -2);
    x = b.qdq(b.node('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2] }), 2 ** -3);
    x = b.qdq(b.node('Conv', [x, b.dequantized([8, 6, 3, 3], ints(rng, 432, -128, 127), 2 ** -7)], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), 2 ** -1);
    x = b.qdq(b.node('GlobalAveragePool', [x]), 2 ** -1);
    x = b.node('Gemm', [b.node('Flatten', [x], { axis: 1 }), b.dequantized([5, 8], ints(rng, 40, -128, 127), 2 ** -6)], { transB: 1 });
    const y = b.qdq(x, 2 ** -2);
    const onnxPath = save('avgpool.onnx', b.encode({ name: 'x', dims: ['N', 2, 8, 8] }, y));
    const r = await importOnnx({ onnx: onnxPath, calibration: calibration(rng, [32, 2, 8, 8], 2 ** -4, 'cal-avg.npy') });
    expect(r.model.layers.map((l) => [l.type, l.shift])).toEqual([['conv', 8], ['avgpool', 1], ['conv', 9], ['avgpool', 4], ['fc', 5]]);
    expect(r.agreement).toMatchObject({ images: 32, exact: 32 });
    expect([...r.files.keys()].filter((f) => f.includes('pool'))).toEqual([]);
  });

  it('maps LeakyRelu with a power-of-two slope exactly, and refuses other slopes', async () => {
    const rng = new Rng(18);
    const r = await importOnnx({ onnx: save('leaky.onnx', qdqModel(rng, { op: 'LeakyRelu', opAttrs: { alpha: 0.125 } })), calibration: calibration(rng, [32, 3, 8, 8], 2 ** -4, 'cal-leaky.npy') });
    expect(r.model.layers[0]).toMatchObject({ relu: false, leak: 3 });
    expect(r.agreement).toMatchObject({ images: 32, exact: 32 });
    const err = await importOnnx({ onnx: save('leaky-odd.onnx', qdqModel(rng, { op: 'LeakyRelu', opAttrs: { alpha: 0.1 } })) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).problems[0]).toMatchObject({ expected: expect.stringContaining('alpha a power of two'), found: 'alpha 0.10000000149011612' });
  });

  it('warns where onnxruntime\'s float32 requantization may round large sums', async () => {
    const rng = new Rng(20);
    const b = new OnnxBuilder();
    const x = b.node('Gemm', [b.qdq('x', 2 ** -4), b.dequantized([3, 1100], ints(rng, 3300, -127, 127), 2 ** -7)], { transB: 1 });
    const r = await importOnnx({ onnx: save('wide.onnx', b.encode({ name: 'x', dims: ['N', 1100] }, b.qdq(x, 2 ** 2))) });
    expect(String(r.files.get('import-report.md'))).toContain('sums can reach 2^24 (1100 inputs up to 128 times weights up to 127)');
    const small = await importOnnx({ onnx: save('qdq3.onnx', qdqModel(rng)) });
    expect(String(small.files.get('import-report.md'))).not.toContain('2^24');
  });

  it('takes unsigned 8-bit input images (raw pixels) as they are', async () => {
    const rng = new Rng(17);
    const onnxPath = save('uint8.onnx', qdqModel(rng, { unsignedInput: true }));
    const cal = save('cal-u8.npy', encodeFloat32Npy([24, 3, 8, 8], ints(rng, 24 * 192, 0, 255).map((v) => v * 2 ** -4)));
    const r = await importOnnx({ onnx: onnxPath, calibration: cal });
    expect(r.model.inputType).toBe('uint8');
    expect(r.agreement).toMatchObject({ images: 24, exact: 24 });
  });

  it('fixes the flatten order of a channels-last graph', async () => {
    // A 4x4 map of 3 channels before the Flatten: the H, W, C order really differs from C, H, W.
    const rng = new Rng(12);
    const build = (nhwc: boolean) => {
      const b = new OnnxBuilder();
      let x = b.qdq('x', 2 ** -4);
      if (nhwc) x = b.node('Transpose', [x], { perm: [0, 3, 1, 2] });
      x = b.node('Conv', [x, b.dequantized([3, 2, 3, 3], ints(new Rng(1), 54, -128, 127), 2 ** -6)], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
      x = b.qdq(b.node('Relu', [x]), 2 ** -2);
      if (nhwc) x = b.node('Transpose', [x], { perm: [0, 2, 3, 1] });
      x = b.node('Gemm', [b.node('Flatten', [x], { axis: 1 }), b.dequantized([5, 48], ints(new Rng(2), 240, -128, 127), 2 ** -6)], { transB: 1 });
      return b.encode({ name: 'x', dims: nhwc ? ['N', 4, 4, 2] : ['N', 2, 4, 4] }, b.qdq(x, 2 ** -1));
    };
    const r = await importOnnx({ onnx: save('nhwc.onnx', build(true)), calibration: calibration(rng, [20, 4, 4, 2], 2 ** -4, 'cal-nhwc.npy') });
    expect(r.model.input).toEqual([2, 4, 4]);
    expect(r.agreement).toMatchObject({ images: 20, exact: 20 });
    expect(String(r.files.get('import-report.md'))).toContain('H, W, C order');
    // The same weights read in the NCHW graph's order would be another model.
    const chw = await importOnnx({ onnx: save('nchw.onnx', build(false)) });
    expect(chw.weights.get('fc2')!.weight.data).not.toEqual(r.weights.get('fc2')!.weight.data);
  });

  it('quantizes a float model with batch-norm from calibration data', async () => {
    const rng = new Rng(13);
    const b = new OnnxBuilder();
    const f = (n: number, scale: number) => Array.from({ length: n }, () => (rng.int(-1000, 1000) / 1000) * scale);
    let x = b.node('Conv', ['x', b.constant([8, 1, 3, 3], f(72, 0.5)), b.constant([8], f(8, 0.1))], { kernel_shape: [3, 3] });
    x = b.node('BatchNormalization', [x, b.constant([8], f(8, 1).map((v) => 1 + v / 2)), b.constant([8], f(8, 0.2)), b.constant([8], f(8, 0.1)), b.constant([8], f(8, 0.5).map((v) => 1 + Math.abs(v)))], { epsilon: 1e-5 });
    x = b.node('MaxPool', [b.node('Relu', [x])], { kernel_shape: [2, 2], strides: [2, 2] });
    x = b.node('Gemm', [b.node('Flatten', [x], { axis: 1 }), b.constant([10, 8 * 4 * 4], f(1280, 0.2)), b.constant([10], f(10, 0.1))], { transB: 1 });
    x = b.node('Softmax', [x], { axis: 1 });
    const onnxPath = save('float.onnx', b.encode({ name: 'x', dims: ['N', 1, 10, 10] }, x));
    await expect(importOnnx({ onnx: onnxPath })).rejects.toThrow(/--calibration/);
    const cal = save('cal-float.npy', encodeFloat32Npy([64, 1, 10, 10], f(6400, 1)));
    const r = await importOnnx({ onnx: onnxPath, calibration: cal });
    expect(r.format).toBe('float');
    expect(r.model.layers.map((l) => l.type)).toEqual(['conv', 'fc']);
    // Post-training int8 quantization keeps nearly every prediction of the float model.
    expect(r.agreement!.sameClass).toBeGreaterThanOrEqual(60);
    expect(r.agreement!.exact).toBeUndefined();
    const report = String(r.files.get('import-report.md'));
    expect(report).toContain('BatchNormalization');
    expect(report).toContain('Softmax): dropped');
  });

  it('quantizes a float model per output channel: a batch-norm of gammas 32x apart keeps its precision', async () => {
    const rng = new Rng(35);
    const f = (n: number, scale: number) => Array.from({ length: n }, () => (rng.int(-1000, 1000) / 1000) * scale);
    const b = new OnnxBuilder();
    // Gammas 4 down to 1/8. Channel 0's large gamma comes with a beta that keeps it below zero on
    // nearly every input: after the ReLU it does not set the output scale, but one weight scale
    // for the layer, set by its folded weights, would leave the other channels a few bits.
    const gammas = [4, 1, 0.5, 0.25, 1, 0.5, 0.75, 0.125];
    const betas = [-12, ...f(7, 0.05)];
    let x = b.node('Conv', ['x', b.constant([8, 2, 3, 3], f(144, 0.5)), b.constant([8], f(8, 0.1))], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
    x = b.node('BatchNormalization', [x, b.constant([8], gammas), b.constant([8], betas), b.constant([8], f(8, 0.1)), b.constant([8], f(8, 0.5).map((v) => 1 + Math.abs(v)))], { epsilon: 1e-5 });
    x = b.node('MaxPool', [b.node('Relu', [x])], { kernel_shape: [2, 2], strides: [2, 2] });
    x = b.node('Conv', [x, b.constant([6, 8, 3, 3], f(432, 0.3)), b.constant([6], f(6, 0.1))], { kernel_shape: [3, 3] });
    x = b.node('Gemm', [b.node('Flatten', [b.node('Relu', [x])], { axis: 1 }), b.constant([10, 24], f(240, 0.4)), b.constant([10], f(10, 0.1))], { transB: 1 });
    const onnxPath = save('float-bn.onnx', b.encode({ name: 'x', dims: ['N', 2, 8, 8] }, x));
    const cal = save('cal-float-bn.npy', encodeFloat32Npy([64, 2, 8, 8], f(64 * 128, 1)));
    const perChannel = await importOnnx({ onnx: onnxPath, calibration: cal });
    const perLayer = await importOnnx({ onnx: onnxPath, calibration: cal, weightScales: 'per-layer' });
    const conv1 = perChannel.model.layers[0];
    expect(new Set(conv1.shifts).size).toBeGreaterThanOrEqual(4);
    expect(perChannel.model.layers.slice(1).every((l) => l.shifts === undefined)).toBe(true);
    expect(perLayer.model.layers.every((l) => l.shifts === undefined)).toBe(true);
    expect(String(perChannel.files.get('import-report.md'))).toContain('one power of two per output channel');
    // Closer to onnxruntime's float output: mean |difference| 0.0081 against 0.0108 per layer.
    const [pc, pl] = [perChannel.agreement!.meanError!, perLayer.agreement!.meanError!];
    expect(pc).toBeLessThan(0.85 * pl);
    // The command line's --weight-scales per-layer gives the per-layer model.
    const { runCli } = await import('../cli/program.ts');
    const cli = (args: string[]) => runCli(['node', 'synergyflow', 'import', onnxPath, '--calibration', cal, ...args], { out: () => {}, err: () => {} });
    expect(await cli(['--out', join(dir, 'float-bn-out'), '--weight-scales', 'per-layer'])).toBe(0);
    expect(readFileSync(join(dir, 'float-bn-out', 'model.json'), 'utf8')).toBe(perLayer.files.get('model.json'));
    expect(await cli(['--out', join(dir, 'float-bn-out2'), '--weight-scales', 'per-tensor'])).toBe(2);
  });

  it('warns when a per-channel layer\'s biases do not fit the accelerator\'s 27-bit bias field', async () => {
    const rng = new Rng(36);
    const b = new OnnxBuilder();
    // Channel 1's weights are 10^-5 and its bias 1: at its own fine scale the bias needs 2^29.
    const w = [...ints(rng, 9, -100, 100).map((v) => v / 100), ...ints(rng, 9, -100, 100).map((v) => v * 1e-7)];
    const y = b.node('Conv', ['x', b.constant([2, 1, 3, 3], w), b.constant([2], [0.1, 1])], { kernel_shape: [3, 3] });
    const onnxPath = save('bias-field.onnx', b.encode({ name: 'x', dims: ['N', 1, 4, 4] }, y));
    const cal = save('cal-bias-field.npy', encodeFloat32Npy([8, 1, 4, 4], ints(rng, 128, -100, 100).map((v) => v / 100)));
    const r = await importOnnx({ onnx: onnxPath, calibration: cal });
    expect(r.model.layers[0].shifts).toBeDefined();
    expect(r.weights.get('conv1')!.bias.data[1]).toBeGreaterThan(2 ** 26);
    const report = String(r.files.get('import-report.md'));
    expect(report).toContain('## Warnings');
    expect(report).toMatch(/conv1: 1 of 2 biases outside -67108864\.\.67108863 \(channel 1\).*`synergyflow run` refuses this model/);
    expect(r.summary).toContain('1 warning in import-report.md');
    // The golden model still runs it, close to onnxruntime's float output.
    expect(r.agreement!.meanError).toBeLessThan(0.05);
    const perLayer = await importOnnx({ onnx: onnxPath, calibration: cal, weightScales: 'per-layer' });
    expect(String(perLayer.files.get('import-report.md'))).not.toContain('Warnings');
    // As the report says, the accelerator's compiler refuses the per-channel model, not the other.
    const { compileWorkload } = await import('../compiler/compile.ts');
    const { loadConfig } = await import('../config/resolve.ts');
    const compile = (m: typeof r) => compileWorkload([{ name: 'j', model: m.model, weights: m.weights, input: makeTensor('int8', [1, 1, 4, 4], new Int8Array(16)), batch: 1 }], loadConfig({ preset: 'tiny' }));
    const refused = (() => {
      try {
        compile(r);
      } catch (e) {
        return e as InputError;
      }
      return undefined;
    })();
    expect(refused?.problems[0]).toMatchObject({ field: expect.stringContaining('bias[1]'), expected: expect.stringContaining('per-channel shifts') });
    expect(() => compile(perLayer)).not.toThrow();
  });

  it('checks a quantized model\'s per-channel biases against the 27-bit field after the uint8 input fold', async () => {
    // Channel 0's bias fits 27 bits, but not with 128 * sum(weights) added for uint8 inputs.
    const build = (input: 'UINT8' | 'INT8') => {
      const b = new OnnxBuilder();
      const w = b.dequantized([2, 1, 3, 3], new Array(18).fill(100), [2 ** -6, 2 ** -5]);
      const bias = b.dequantized([2], [2 ** 26 - 1000, 5], [2 ** -10, 2 ** -9], 'INT32');
      const y = b.node('Conv', [b.qdq('x', 2 ** -4, input), w, bias], { kernel_shape: [3, 3] });
      return b.encode({ name: 'x', dims: ['N', 1, 3, 3] }, b.qdq(y, 2 ** 4));
    };
    const unsigned = await importOnnx({ onnx: save('fold-u8.onnx', build('UINT8')) });
    expect(unsigned.model.layers[0].shifts).toEqual([14, 13]);
    expect(String(unsigned.files.get('import-report.md'))).toContain('conv1: 1 of 2 biases outside -67108864..67108863 (channel 0, with the uint8 input fold)');
    const signed = await importOnnx({ onnx: save('fold-i8.onnx', build('INT8')) });
    expect(signed.model.layers[0].shifts).toEqual([14, 13]);
    expect(signed.summary).not.toContain('warning');
  });

  it('maps a QONNX model with Quant nodes exactly (checked against its QDQ twin in onnxruntime)', async () => {
    const rng = new Rng(14);
    const w1 = ints(rng, 72, -128, 127);
    const w2 = ints(rng, 300, -128, 127);
    const build = (qonnx: boolean) => {
      const b = new OnnxBuilder();
      const quant = (x: string, scale: number) => (qonnx
        ? b.node('Quant', [x, b.constant([], [scale]), b.constant([], [0]), b.constant([], [8])], { signed: 1, narrow: 0, rounding_mode: 'ROUND' }, 'qonnx.custom_op.general')
        : b.qdq(x, scale));
      const weight = (dims: number[], w: number[], scale: number) => (qonnx ? quant(b.constant(dims, w.map((v) => v * scale)), scale) : b.dequantized(dims, w, scale));
      let x = quant('x', 2 ** -3);
      x = b.node('Conv', [x, weight([4, 2, 3, 3], w1, 2 ** -6)], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
      x = quant(b.node('Relu', [x]), 2 ** -2);
      x = b.node('Gemm', [b.node('Flatten', [x], { axis: 1 }), weight([3, 100], w2, 2 ** -7)], { transB: 1 });
      return b.encode({ name: 'x', dims: ['N', 2, 5, 5] }, quant(x, 2 ** 1));
    };
    const cal = calibration(rng, [16, 2, 5, 5], 2 ** -3, 'cal-q.npy');
    const qonnx = await importOnnx({ onnx: save('qonnx.onnx', build(true)), calibration: cal });
    expect(qonnx.format).toBe('QONNX');
    expect(qonnx.model.layers.map((l) => l.shift)).toEqual([7, 10]);
    expect(String(qonnx.files.get('import-report.md'))).toContain('no kernel for QONNX');
    const twin = await importOnnx({ onnx: save('qonnx-twin.onnx', build(false)), calibration: cal });
    expect(twin.agreement).toMatchObject({ images: 16, exact: 16 });
    expect(qonnx.files.get('model.json')).toEqual(twin.files.get('model.json')!.toString().replace('qonnx-twin', 'qonnx'));
    for (const [name, w] of twin.weights) expect(qonnx.weights.get(name)).toEqual(w);
  });

  it('maps per-channel weight scales exactly (QDQ): one shift per output channel, every output integer equal to onnxruntime\'s', async () => {
    const xs = ints(new Rng(31), 40 * 192, -128, 127);
    const cal = save('cal-pc.npy', encodeFloat32Npy([40, 3, 8, 8], xs.map((v) => v * 2 ** -4)));
    const r = await importOnnx({ onnx: save('pc.onnx', perChannelModel(30)), calibration: cal });
    expect(r.model.layers.map((l) => [l.name, l.shift, l.shifts])).toEqual([
      ['conv1', 0, [9, 8, 10, 11, 9, 7, 12, 8]], ['conv2', 0, [7, 6, 8, 7, 5, 9]], ['fc3', 0, [6, 4, 7, 5]],
    ]);
    expect(r.agreement).toMatchObject({ images: 40, exact: 40, maxError: 0 });
    const json = String(r.files.get('model.json'));
    expect(json).toContain('"shifts"');
    expect(json).not.toContain('"shift":');
    // Biases at each channel's accumulator scale are the graph's integers as they are.
    expect(r.weights.get('conv1')!.bias.data[3]).not.toBe(0);
    const report = String(r.files.get('import-report.md'));
    expect(report).toContain('| 0.0625 | 0.001953125..0.0625 (per channel) | 0.5 | 7..12 per channel (1 at 7, 2 at 8, 2 at 9, 1 at 10, 1 at 11, 1 at 12) |');
    expect(report).toContain('conv1, conv2, fc3 have one shift per output channel');
    // Every layer meets requantization ties that reach the output: rounding any one of them half
    // up instead would give other outputs on these images.
    const { goldenForward } = await import('../golden/golden.ts');
    const input = { dtype: 'int8' as const, shape: [40, 3, 8, 8], data: Int8Array.from(xs) };
    const output = goldenForward(r.model, r.weights, input).at(-1);
    r.model.layers.forEach((_, i) => {
      const halfUp = { ...r.model, layers: r.model.layers.map((l, j) => (j === i ? { ...l, rounding: 'half-up' as const } : l)) };
      expect(goldenForward(halfUp, r.weights, input).at(-1)).not.toEqual(output);
    });
  });

  it('maps per-channel scales on MatMul\'s axis 1 exactly', async () => {
    const cal = calibration(new Rng(33), [24, 3, 8, 8], 2 ** -4, 'cal-pc-mm.npy');
    const r = await importOnnx({ onnx: save('pc-matmul.onnx', perChannelModel(30, { matmul: true })), calibration: cal });
    expect(r.model.layers[2].shifts).toEqual([6, 4, 7, 5]);
    expect(r.agreement).toMatchObject({ images: 24, exact: 24 });
    const gemm = await importOnnx({ onnx: save('pc-gemm.onnx', perChannelModel(30)) });
    expect(r.weights.get('fc3')).toEqual(gemm.weights.get('fc3'));
  });

  it('maps a QONNX model of per-channel scales ([out, 1, 1, 1] and [out, 1]) to its QDQ twin\'s model and weights', async () => {
    const cal = calibration(new Rng(32), [24, 3, 8, 8], 2 ** -4, 'cal-pcq.npy');
    const qonnx = await importOnnx({ onnx: save('pcq.onnx', perChannelModel(30, { qonnx: true })), calibration: cal });
    const twin = await importOnnx({ onnx: save('pcq-twin.onnx', perChannelModel(30)), calibration: cal });
    expect(qonnx.format).toBe('QONNX');
    expect(twin.agreement).toMatchObject({ images: 24, exact: 24 });
    expect(qonnx.model.layers[0].shifts).toEqual([9, 8, 10, 11, 9, 7, 12, 8]);
    expect(qonnx.files.get('model.json')).toEqual(twin.files.get('model.json')!.toString().replace('pcq-twin', 'pcq'));
    for (const [name, w] of twin.weights) expect(qonnx.weights.get(name)).toEqual(w);
  });

  it('refuses per-channel scales it cannot map exactly, naming the node', async () => {
    const rng = new Rng(34);
    const refused = async (bytes: Uint8Array, name: string): Promise<InputError> => {
      const err = await importOnnx({ onnx: save(name, bytes) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      return err as InputError;
    };
    // One conv layer whose weights' DequantizeLinear gets the given scales and zero points.
    const conv = (scales: number[], zeroPoints: number[], biasScales?: number[], axis = 0) => {
      const b = new OnnxBuilder();
      const w = b.node('DequantizeLinear', [b.constant([4, 2, 3, 3], ints(rng, 72, -128, 127), 'INT8'), b.constant([4], scales), b.constant([4], zeroPoints, 'INT8')], { axis });
      const bias = biasScales ? [b.dequantized([4], [1, 2, 3, 4], biasScales, 'INT32')] : [];
      const x = b.node('Conv', [b.qdq('x', 2 ** -4), w, ...bias], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
      return b.encode({ name: 'x', dims: ['N', 2, 4, 4] }, b.qdq(x, 2 ** -2));
    };
    const po2 = [2 ** -6, 2 ** -5, 2 ** -7, 2 ** -6];
    const odd = await refused(conv([2 ** -6, 0.375 * 2 ** -5, 2 ** -7, 2 ** -6], [0, 0, 0, 0]), 'pc-odd.onnx');
    expect(odd.problems[0]).toMatchObject({ field: expect.stringMatching(/^node DequantizeLinear_\d+$/), expected: 'a power-of-two weight scale', found: '0.01171875 (output channel 1)' });
    const zp = await refused(conv(po2, [0, 0, 3, 0]), 'pc-zp.onnx');
    expect(zp.problems[0]).toMatchObject({ field: expect.stringMatching(/^node DequantizeLinear_\d+$/), expected: 'weight zero point 0', found: '3 (output channel 2)' });
    // A bias at one scale for channels of different accumulator scales.
    const bias = await refused(conv(po2, [0, 0, 0, 0], [2 ** -10]), 'pc-bias.onnx');
    expect(bias.problems[0]).toMatchObject({ expected: expect.stringContaining('each output channel\'s accumulator scale (input scale * its weight scale: 0.001953125 for channel 1)'), found: 'scale 0.0009765625, zero point 0 for channel 1' });
    const deep = await refused(conv([2 ** -6, 2 ** -5, 2 ** -40, 2 ** -6], [0, 0, 0, 0]), 'pc-deep.onnx');
    expect(deep.problems[0]).toMatchObject({ field: expect.stringMatching(/^node QuantizeLinear_\d+$/), found: expect.stringContaining('weight 9.094947017729282e-13 of output channel 2') });
    const axis1 = new OnnxBuilder();
    const w = axis1.node('DequantizeLinear', [axis1.constant([2, 2, 1, 1], [1, 2, 3, 4], 'INT8'), axis1.constant([2], [2 ** -6, 2 ** -5]), axis1.constant([2], [0, 0], 'INT8')], { axis: 1 });
    const y = axis1.qdq(axis1.node('Conv', [axis1.qdq('x', 2 ** -4), w], { kernel_shape: [1, 1] }), 2 ** -2);
    const axis = await refused(axis1.encode({ name: 'x', dims: ['N', 2, 4, 4] }, y), 'pc-axis.onnx');
    expect(axis.problems[0]).toMatchObject({ expected: expect.stringContaining('one per output channel (axis 0 of the weights of Conv'), found: 'scales along axis 1' });
  });

  it('refuses what it cannot map, naming the node, the op and what is supported', async () => {
    const rng = new Rng(15);
    const refused = async (bytes: Uint8Array, name: string): Promise<InputError> => {
      const err = await importOnnx({ onnx: save(name, bytes) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      return err as InputError;
    };
    const sigmoid = await refused(qdqModel(rng, { op: 'Sigmoid' }), 'sigmoid.onnx');
    expect(sigmoid.problems[0].field).toMatch(/^node Sigmoid_\d+ \(Sigmoid\)$/);
    expect(sigmoid.problems[0].expected).toContain('Conv, Gemm, MatMul');
    expect(sigmoid.problems[0].found).toBe('op Sigmoid');
    const odd = await refused(qdqModel(rng, { weightScale: 0.375 }), 'odd.onnx');
    expect(odd.problems[0]).toMatchObject({ expected: 'a power-of-two weight scale', found: '0.375' });
    // A batch-norm after a LeakyRelu cannot be folded into the weights before it.
    const b1 = new OnnxBuilder();
    const c8 = (v: number) => b1.constant([2], [v, v]);
    const leakyBn = b1.node('BatchNormalization', [b1.node('LeakyRelu', [b1.node('Conv', ['x', b1.constant([2, 1, 1, 1], [1, 1])], { kernel_shape: [1, 1] })], { alpha: 0.5 }), c8(1), c8(0), c8(0), c8(1)]);
    expect((await refused(b1.encode({ name: 'x', dims: ['N', 1, 2, 2] }, leakyBn), 'leaky-bn.onnx')).problems[0].expected).toContain('right after a Conv or Gemm');
    // A Transpose to NHWC must go straight to its Flatten.
    const b2 = new OnnxBuilder();
    const t = b2.node('Transpose', [b2.node('Conv', ['x', b2.constant([2, 1, 1, 1], [1, 1])], { kernel_shape: [1, 1] })], { perm: [0, 2, 3, 1] });
    const pooled = b2.node('MaxPool', [t], { kernel_shape: [2, 2], strides: [2, 2] });
    expect((await refused(b2.encode({ name: 'x', dims: ['N', 1, 2, 2] }, pooled), 'transposed-pool.onnx')).problems[0].expected).toContain('a Flatten right after a Transpose');
    // A QONNX Quant without its bit width input is bad input, not a crash.
    const b3 = new OnnxBuilder();
    const q = b3.node('Quant', ['x', b3.constant([], [1]), b3.constant([], [0])], {}, 'qonnx.custom_op.general');
    expect((await refused(b3.encode({ name: 'x', dims: ['N', 1, 2, 2] }, q), 'quant3.onnx')).problems[0].expected).toContain('a constant input 3');
    const garbage = await refused(new Uint8Array([1, 2, 3, 4, 5]), 'garbage.onnx');
    expect(garbage.problems[0].expected).toContain('an ONNX model');
  });

  it('works from the command line, and refuses a bad file or an unsafe --out with exit 2 before writing', async () => {
    const { runCli } = await import('../cli/program.ts');
    const cli = async (args: string[]) => {
      let out = '';
      let err = '';
      const code = await runCli(['node', 'synergyflow', 'import', ...args], { out: (t) => (out += t), err: (t) => (err += t) });
      return { code, out, err };
    };
    const rng = new Rng(19);
    const onnxPath = save('cli.onnx', qdqModel(rng));
    const cal = calibration(rng, [8, 3, 8, 8], 2 ** -4, 'cal-cli.npy');
    const ok = await cli([onnxPath, '--out', join(dir, 'cli-out'), '--calibration', cal]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/imported .*cli\.onnx \(QDQ\): 3 layers, 8-bit.*8 give every output integer onnxruntime gives/);
    const missing = await cli([join(dir, 'nope.onnx'), '--out', join(dir, 'cli-out2')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('nope.onnx');
    writeFileSync(join(dir, 'mine.txt'), 'not the tool\'s');
    const unsafe = await cli([onnxPath, '--out', dir]);
    expect(unsafe.code).toBe(2);
    expect(unsafe.err).not.toMatch(/\n\s+at /);
  });
});
