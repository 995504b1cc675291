// The MNIST example's pipeline on a few hundred images (seconds, not the full training of
// npm run example:mnist): data split, training, ONNX export, import and golden-model accuracy.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluate, loadEvalInputs } from '../../generator/eval/eval.ts';
import { importOnnx } from '../../generator/import/import.ts';
import { encodeFloat32Npy, encodeNpy, makeTensor } from '../../generator/model/npy.ts';
import { saveWeights } from '../../generator/model/weights.ts';
import { Cnn, PIXELS, accuracy, loadMnist, toOnnx, train } from './cnn.ts';

const dir = mkdtempSync(join(tmpdir(), 'sf-mnist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('MNIST example', () => {
  it('splits the mnist package\'s digits the same way every time, the test set mixed', () => {
    const a = loadMnist({ trainPerDigit: 5, testPerDigit: 3 });
    const b = loadMnist({ trainPerDigit: 5, testPerDigit: 3 });
    expect([a.train.n, a.test.n]).toEqual([50, 30]);
    expect(a.test.x).toEqual(b.test.x);
    expect([...a.test.y]).toEqual([...b.test.y]);
    expect(new Set(a.test.y.slice(0, 16)).size).toBeGreaterThan(5);
    expect(Math.max(...a.train.x)).toBeLessThanOrEqual(1);
  });

  it('trains, exports, imports and keeps its accuracy in int8, far above chance', async () => {
    const data = loadMnist({ trainPerDigit: 60, testPerDigit: 20 });
    const net = new Cnn(1);
    train(net, data.train, { epochs: 2, seed: 2 });
    const again = new Cnn(1);
    train(again, data.train, { epochs: 2, seed: 2 });
    expect(again.w2).toEqual(net.w2);
    const float = accuracy(net, data.test);
    expect(float).toBeGreaterThan(0.6);

    const onnx = join(dir, 'mnist.onnx');
    writeFileSync(onnx, toOnnx(net));
    const cal = join(dir, 'cal.npy');
    writeFileSync(cal, encodeFloat32Npy([64, 1, 28, 28], data.train.x.subarray(0, 64 * PIXELS)));
    const imported = await importOnnx({ onnx, calibration: cal });
    const layers = JSON.parse(String(imported.files.get('model.json'))).layers as { type: string; kernel?: number; out: number; pool?: { kernel: number } }[];
    expect(layers.map((l) => [l.type, l.kernel, l.out, l.pool?.kernel])).toEqual([
      ['conv', 5, 8, 2], ['conv', 5, 16, 2], ['fc', undefined, 10, undefined],
    ]);
    expect(imported.agreement!.sameClass).toBeGreaterThanOrEqual(58);

    const modelDir = join(dir, 'model');
    saveWeights(join(modelDir, 'weights'), imported.model, imported.weights);
    writeFileSync(join(modelDir, 'model.json'), imported.files.get('model.json')!);
    writeFileSync(join(dir, 'x.npy'), encodeFloat32Npy([data.test.n, 1, 28, 28], data.test.x));
    writeFileSync(join(dir, 'y.npy'), encodeNpy(makeTensor('int32', [data.test.n], Int32Array.from(data.test.y))));
    const golden = evaluate(loadEvalInputs({ model: modelDir, data: join(dir, 'x.npy'), labels: join(dir, 'y.npy') }));
    expect(golden.images).toBe(200);
    expect(golden.accuracy).toBeGreaterThan(0.6);
    expect(Math.abs(golden.accuracy - float)).toBeLessThanOrEqual(0.05);
  });
});
