import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModel } from './model.ts';
import { makeTensor, writeNpy } from './npy.ts';
import { randomInput, randomWeights } from './random.ts';
import { loadInput, loadWeights, saveWeights } from './weights.ts';
import { problemsOf } from '../test-helpers.ts';

const model = parseModel({
  name: 'm', input: [3, 8, 8],
  layers: [
    { name: 'conv1', type: 'conv', out: 4, kernel: 3, pool: { kernel: 2, stride: 2 } },
    { name: 'fc1', type: 'fc', out: 5 },
  ],
}, 'm.json');


function freshDir(): string {
  return mkdtempSync(join(tmpdir(), 'sf-weights-'));
}

describe('weights folders', () => {
  it('round-trip through saveWeights and loadWeights', () => {
    const dir = freshDir();
    const weights = randomWeights(model, 3);
    saveWeights(dir, model, weights);
    const back = loadWeights(dir, model);
    for (const layer of model.layers) {
      const a = weights.get(layer.name)!;
      const b = back.get(layer.name)!;
      expect(b.weight.shape).toEqual(a.weight.shape);
      expect(Array.from(b.weight.data)).toEqual(Array.from(a.weight.data));
      expect(Array.from(b.bias.data)).toEqual(Array.from(a.bias.data));
    }
    expect(back.get('fc1')!.weight.shape).toEqual([5, 4 * 3 * 3]);
  });

  it('report every bad file at once, each naming its path', () => {
    const dir = freshDir();
    saveWeights(dir, model, randomWeights(model, 0));
    writeNpy(join(dir, 'conv1.weight.npy'), makeTensor('int16', [4, 3, 3, 3])); // wrong dtype
    writeNpy(join(dir, 'conv1.bias.npy'), makeTensor('int32', [5])); // wrong shape
    writeNpy(join(dir, 'fc1.weight.npy'), makeTensor('int8', [36, 5])); // transposed
    rmSync(join(dir, 'fc1.bias.npy'));
    const problems = problemsOf(() => loadWeights(dir, model));
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatchObject({ file: join(dir, 'conv1.weight.npy'), field: 'dtype', found: 'int16' });
    expect(problems[0].expected).toContain('int8');
    expect(problems[1]).toMatchObject({ file: join(dir, 'conv1.bias.npy'), field: 'shape', found: '[5]' });
    expect(problems[1].expected).toContain('[4]');
    expect(problems[2]).toMatchObject({ file: join(dir, 'fc1.weight.npy'), field: 'shape', found: '[36, 5]' });
    expect(problems[2].expected).toContain('[5, 36]');
    expect(problems[3]).toMatchObject({ file: join(dir, 'fc1.bias.npy'), found: 'no such file' });
    expect(problems[3].expected).toContain('biases of layer fc1');
  });

  it('report a missing folder', () => {
    const dir = join(freshDir(), 'nope');
    expect(problemsOf(() => loadWeights(dir, model))[0]).toMatchObject({ file: dir, found: 'no such folder' });
  });
});

describe('loadInput', () => {
  it('reads a batch of images', () => {
    const path = join(freshDir(), 'in.npy');
    writeNpy(path, randomInput(model, 3, 1));
    const x = loadInput(path, model);
    expect(x.shape).toEqual([3, 3, 8, 8]);
    expect(Array.from(x.data)).toEqual(Array.from(randomInput(model, 3, 1).data));
  });

  it('checks dtype and shape together', () => {
    const path = join(freshDir(), 'in.npy');
    writeNpy(path, makeTensor('int32', [2, 3, 8, 7]));
    const problems = problemsOf(() => loadInput(path, model));
    expect(problems.map((p) => p.field)).toEqual(['dtype', 'shape']);
    expect(problems[0].found).toBe('int32');
    expect(problems[1]).toMatchObject({ file: path, found: '[2, 3, 8, 7]' });
    expect(problems[1].expected).toContain('[batch, 3, 8, 8]');
  });

  it('rejects an empty batch and a missing batch dimension', () => {
    const dir = freshDir();
    writeNpy(join(dir, 'empty.npy'), makeTensor('int8', [0, 3, 8, 8]));
    writeNpy(join(dir, 'flat.npy'), makeTensor('int8', [3, 8, 8]));
    expect(problemsOf(() => loadInput(join(dir, 'empty.npy'), model))[0].found).toBe('[0, 3, 8, 8]');
    expect(problemsOf(() => loadInput(join(dir, 'flat.npy'), model))[0].found).toBe('[3, 8, 8]');
  });
});
