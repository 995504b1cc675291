import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goldenForward } from '../golden/golden.ts';
import { InputError } from '../errors.ts';
import { builtinModel, builtinModelNames, resolveModel } from './builtin.ts';
import { elementCount, layerShapes, parseModel, type Model } from './model.ts';
import { randomInput, randomWeights } from './random.ts';

function counts(model: Model): { convMacs: number; fcMacs: number; convWeights: number; fcWeights: number } {
  const c = { convMacs: 0, fcMacs: 0, convWeights: 0, fcWeights: 0 };
  layerShapes(model).forEach((s, i) => {
    const weights = elementCount(s.weightShape);
    if (model.layers[i].type === 'conv') {
      c.convMacs += s.macsPerImage;
      c.convWeights += weights;
    } else {
      c.fcMacs += s.macsPerImage;
      c.fcWeights += weights;
    }
  });
  return c;
}

/** |found / expected - 1| <= tolerance */
function expectNear(found: number, expected: number, tolerance: number): void {
  expect(Math.abs(found / expected - 1), `${found} vs ${expected}`).toBeLessThanOrEqual(tolerance);
}

describe('built-in models', () => {
  it('lists the four models', () => {
    expect(builtinModelNames()).toEqual(['lenet5', 'alexnet', 'zfnet', 'vgg16']);
  });

  it('are valid models (they survive parseModel unchanged)', () => {
    for (const name of builtinModelNames()) {
      const model = builtinModel(name);
      expect(parseModel(JSON.parse(JSON.stringify(model)), name)).toEqual(model);
    }
  });

  it('match the published MAC and weight counts', () => {
    const M = 1e6;
    const alexnet = counts(builtinModel('alexnet'));
    expectNear(alexnet.convMacs, 656 * M, 0.02);
    expectNear(alexnet.fcMacs, 58.6 * M, 0.02);
    expectNear(alexnet.convWeights, 2.47 * M, 0.02);
    expectNear(alexnet.fcWeights, 58.6 * M, 0.02);
    expectNear(counts(builtinModel('zfnet')).convMacs, 1109 * M, 0.05);
    const vgg = counts(builtinModel('vgg16'));
    expectNear(vgg.convMacs, 15347 * M, 0.02);
    expectNear(vgg.fcMacs, 123.6 * M, 0.02);
    const lenet = counts(builtinModel('lenet5'));
    expectNear(lenet.convMacs, 0.41 * M, 0.02);
    expectNear(lenet.fcMacs, 0.01 * M, 0.1); // 0.01 M is given to one significant digit
  });

  it('flatten to the classic fc input sizes', () => {
    const fcIn = (name: string): number => {
      const model = builtinModel(name);
      return layerShapes(model)[model.layers.findIndex((l) => l.type === 'fc')].fanIn;
    };
    expect(fcIn('alexnet')).toBe(9216);
    expect(fcIn('zfnet')).toBe(9216);
    expect(fcIn('vgg16')).toBe(25088);
    expect(fcIn('lenet5')).toBe(120);
  });

  // The shifts must keep random activations alive: neither saturated nor rounded away.
  it.each(['lenet5', 'alexnet', 'zfnet'])('%s has shifts that keep random activations in range', (name) => {
    const model = builtinModel(name);
    const outputs = goldenForward(model, randomWeights(model, 1), randomInput(model, 1, 1));
    outputs.forEach((out, i) => {
      let saturated = 0;
      let zero = 0;
      for (const v of out) {
        if (v === 127 || v === -128) saturated++;
        if (v === 0) zero++;
      }
      const label = `${name} ${model.layers[i].name}`;
      expect(saturated / out.length, label).toBeLessThan(0.1);
      expect(zero / out.length, label).toBeLessThan(0.7);
      expect(new Set(out).size, label).toBeGreaterThan(out.length > 100 ? 30 : 5);
    });
  }, 30_000);
});

describe('resolveModel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-builtin-'));
  writeFileSync(join(dir, 'mine.json'), JSON.stringify({ name: 'mine', input: [1, 4, 4], layers: [{ name: 'f', type: 'fc', out: 2 }] }));

  it('accepts a built-in name or a path relative to the base folder', () => {
    expect(resolveModel('alexnet', dir).name).toBe('alexnet');
    expect(resolveModel('mine.json', dir).name).toBe('mine');
    expect(resolveModel(join(dir, 'mine.json'), '/nowhere').name).toBe('mine');
  });

  it('names the reference when it is neither', () => {
    expect(() => resolveModel('resnet50', dir)).toThrow(InputError);
    expect(() => resolveModel('resnet50', dir)).toThrow('expected a built-in model (lenet5, alexnet, zfnet, vgg16) or a path to a model file, found "resnet50"');
    expect(() => resolveModel('missing.json', dir)).toThrow(`${join(dir, 'missing.json')}: expected a readable model file, found no such file`);
  });
});
