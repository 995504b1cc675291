import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { progressBar } from '../cli/progress-bar.ts';
import { goldenForward } from '../golden/golden.ts';
import { parseModel } from '../model/model.ts';
import { encodeFloat32Npy, encodeNpy, makeTensor } from '../model/npy.ts';
import { randomInput, randomWeights } from '../model/random.ts';
import { saveWeights } from '../model/weights.ts';
import { argmaxRows, evaluate, loadEvalInputs } from './eval.ts';

const dir = mkdtempSync(join(tmpdir(), 'sf-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const modelJson = {
  name: 'm', input: [2, 6, 6], scales: { input: 0.0625, output: 1 },
  layers: [
    { name: 'c', type: 'conv', out: 4, kernel: 3, shift: 6, relu: true, pool: { kernel: 2 } },
    { name: 'f', type: 'fc', out: 5, shift: 6, rounding: 'half-even' },
  ],
};

function setup(n: number) {
  const model = parseModel(modelJson, 'm.json');
  const weights = randomWeights(model, 1);
  const folder = join(dir, `model${n}`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'model.json'), JSON.stringify(modelJson));
  saveWeights(join(folder, 'weights'), model, weights);
  const input = randomInput(model, n, 2);
  const logits = goldenForward(model, weights, input)[1];
  const predicted = argmaxRows(logits, 5);
  return { folder, input, predicted, model };
}

describe('eval', () => {
  it('counts the golden model\'s correct predictions, from integer or float data', () => {
    const n = 300;
    const { folder, input, predicted } = setup(n);
    const labels = Int32Array.from(predicted);
    for (const i of [0, 7, 299]) labels[i] = (labels[i] + 1) % 5;
    writeFileSync(join(dir, 'x.npy'), encodeNpy(input));
    writeFileSync(join(dir, 'y.npy'), encodeNpy(makeTensor('int32', [n], labels)));
    const steps: number[] = [];
    const r = evaluate(loadEvalInputs({ model: folder, data: join(dir, 'x.npy'), labels: join(dir, 'y.npy') }), { batch: 64, progress: (d) => steps.push(d) });
    expect(r).toMatchObject({ images: n, correct: n - 3 });
    expect([...r.predictions]).toEqual([...predicted]);
    expect(steps).toEqual([64, 128, 192, 256, 300]);
    // The same images as floats: quantized with scales.input, they are the same integers.
    writeFileSync(join(dir, 'xf.npy'), encodeFloat32Npy(input.shape, Array.from(input.data, (v) => v * 0.0625)));
    const f = evaluate(loadEvalInputs({ model: folder, data: join(dir, 'xf.npy'), labels: join(dir, 'y.npy'), limit: 100 }));
    expect(f).toMatchObject({ images: 100, correct: 98 });
  });

  it('refuses data and labels that do not fit the model, naming the file', () => {
    const { folder, input } = setup(10);
    writeFileSync(join(dir, 'x10.npy'), encodeNpy(input));
    writeFileSync(join(dir, 'y9.npy'), encodeNpy(makeTensor('int32', [9])));
    expect(() => loadEvalInputs({ model: folder, data: join(dir, 'x10.npy'), labels: join(dir, 'y9.npy') })).toThrow(/y9\.npy: shape: expected \[10\]/);
    writeFileSync(join(dir, 'x-bad.npy'), encodeFloat32Npy([10, 3, 6, 6], new Float32Array(1080)));
    expect(() => loadEvalInputs({ model: folder, data: join(dir, 'x-bad.npy'), labels: join(dir, 'y9.npy') })).toThrow(/x-bad\.npy: shape: expected \[N, 2, 6, 6\]/);
  });

  it('shows progress as a bar on a terminal and as a line a tenth of the way elsewhere', () => {
    let text = '';
    const bar = progressBar((t) => (text += t), 'golden model:', false);
    for (let d = 1; d <= 100; d++) bar(d, 100);
    expect(text.trim().split('\n')).toHaveLength(11);
    text = '';
    const tty = progressBar((t) => (text += t), 'x', true);
    tty(50, 100);
    expect(text).toMatch(/^\r\[#{15}\.{15}\] x 50\/100 \(50%\)/);
  });
});

describe('eval --sim on the accelerator', () => {
  it('runs the first images on the RTL and finds every output equal to the golden model', async () => {
    const { runCli } = await import('../cli/program.ts');
    const { folder, input, predicted } = setup(6);
    writeFileSync(join(dir, 'xs.npy'), encodeNpy(input));
    writeFileSync(join(dir, 'ys.npy'), encodeNpy(makeTensor('int32', [6], Int32Array.from(predicted))));
    let out = '';
    const code = await runCli(['node', 'synergyflow', 'eval', '--model', folder, '--data', join(dir, 'xs.npy'), '--labels', join(dir, 'ys.npy'),
      '--sim', '3', '--preset', 'tiny', '--out', join(dir, 'sim-out'), '--quiet'], { out: (t) => (out += t), err: () => {} });
    expect(out).toContain('m: 100.00% (6 of 6 images) with the golden model');
    expect(out).toMatch(/accelerator \(preset tiny, verilator\): 3 images, [\d,]+ cycles, every output equal to the golden model; 3 of 3 correct/);
    expect(code).toBe(0);
  }, 300_000);
});
