import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Problem } from '../errors.ts';
import { layerShapes, loadModelFile, parseModel } from './model.ts';
import { problemsOf } from '../test-helpers.ts';

/** The example of model-format.md. */
const specExample = {
  name: 'tiny',
  bits: 8,
  input: [3, 13, 11],
  layers: [
    { name: 'conv1', type: 'conv', out: 10, kernel: 5, stride: 2, pad: 2, shift: 7, relu: true, pool: { kernel: 3, stride: 2 } },
    { name: 'fc1', type: 'fc', out: 7, shift: 6, relu: false },
  ],
};


function problemAt(problems: Problem[], field: string): Problem {
  const p = problems.find((q) => q.field === field);
  if (!p) throw new Error(`no problem at ${field}; got ${problems.map((q) => q.field).join(', ')}`);
  return p;
}

function withLayers(...layers: unknown[]): unknown {
  return { name: 'm', input: [3, 16, 16], layers };
}

describe('parseModel', () => {
  it('accepts the model-format.md example', () => {
    const model = parseModel(specExample, 'tiny.json');
    expect(model.layers[0]).toEqual(specExample.layers[0]);
    expect(model.layers[1]).toEqual(specExample.layers[1]);
    expect(model.bits).toBe(8);
  });

  it('fills in defaults', () => {
    const model = parseModel({ name: 'm', input: [1, 8, 8], layers: [{ name: 'c', type: 'conv', out: 2, kernel: 3 }, { name: 'f', type: 'fc', out: 4 }] }, 'm.json');
    expect(model.bits).toBe(8);
    expect(model.layers[0]).toEqual({ name: 'c', type: 'conv', out: 2, kernel: 3, stride: 1, pad: 0, shift: 0, relu: false });
    expect(model.layers[1]).toEqual({ name: 'f', type: 'fc', out: 4, shift: 0, relu: false });
    expect('pool' in model.layers[0]).toBe(false);
  });

  it('carries rounding only when given, on every layer type', () => {
    const model = parseModel(withLayers(
      { name: 'c', type: 'conv', out: 4, kernel: 3, shift: 5, rounding: 'half-even', pool: { kernel: 2 } },
      { name: 'd', type: 'conv', out: 4, kernel: 1, rounding: 'half-up' },
      { name: 'e', type: 'conv', out: 4, kernel: 1 },
      { name: 'f', type: 'fc', out: 3, shift: 2, rounding: 'half-even' },
      { name: 'g', type: 'fc', out: 3 },
    ), 'm.json');
    expect(model.layers.map((l) => l.rounding)).toEqual(['half-even', 'half-up', undefined, 'half-even', undefined]);
    // Absent means half-up and adds no property: built-in and existing models stay byte-identical.
    expect('rounding' in model.layers[2]).toBe(false);
    expect('rounding' in model.layers[4]).toBe(false);
    expect(model.layers[0]).toEqual({ name: 'c', type: 'conv', out: 4, kernel: 3, stride: 1, pad: 0, shift: 5, relu: false, rounding: 'half-even', pool: { kernel: 2, stride: 2 } });
  });

  it('refuses a rounding mode other than half-up and half-even, naming file, field, expected and found', () => {
    expect(() => parseModel(withLayers({ name: 'c', type: 'conv', out: 4, kernel: 3, rounding: 'half-down' }), 'm.json'))
      .toThrow('m.json: layers[0].rounding: expected "half-up" or "half-even", found "half-down"');
    const problems = problemsOf(() => parseModel(withLayers(
      { name: 'c', type: 'conv', out: 4, kernel: 3, rounding: 'even' },
      { name: 'f', type: 'fc', out: 3, rounding: true },
      { name: 'g', type: 'fc', out: 3, rounding: null },
    ), 'm.json'));
    expect(problems.map((q) => [q.file, q.field, q.expected, q.found])).toEqual([
      ['m.json', 'layers[0].rounding', '"half-up" or "half-even"', '"even"'],
      ['m.json', 'layers[1].rounding', '"half-up" or "half-even"', 'true'],
      ['m.json', 'layers[2].rounding', '"half-up" or "half-even"', 'null'],
    ]);
  });

  it('accepts bits 16', () => {
    expect(parseModel({ ...specExample, bits: 16 }, 'm.json').bits).toBe(16);
  });

  it('reports every problem at once, each naming file, field and found value', () => {
    const problems = problemsOf(() => parseModel({
      name: '', bits: 12, input: [3, 0, 5], extra: 1,
      layers: [
        { name: 'a/b', type: 'conv', out: 0, kernel: 2.5, stride: 0, pad: -1, shift: 32, relu: 'yes' },
        { name: 'fc', type: 'dense', out: 3 },
      ],
    }, 'bad.json'));
    const expectProblem = (field: string, found: string): void => {
      const p = problemAt(problems, field);
      expect(p.file).toBe('bad.json');
      expect(p.found).toContain(found);
      expect(p.expected.length).toBeGreaterThan(0);
    };
    expectProblem('name', '""');
    expectProblem('bits', '12');
    expectProblem('input', '[3,0,5]');
    expectProblem('extra', 'unknown field "extra"');
    expectProblem('layers[0].name', '"a/b"');
    expectProblem('layers[0].out', '0');
    expectProblem('layers[0].kernel', '2.5');
    expectProblem('layers[0].stride', '0');
    expectProblem('layers[0].pad', '-1');
    expectProblem('layers[0].shift', '32');
    expectProblem('layers[0].relu', '"yes"');
    expectProblem('layers[1].type', '"dense"');
    expect(problems.length).toBe(12);
    expect(problemAt(problems, 'layers[0].shift').expected).toBe('an integer in [0, 31]');
    expect(problemAt(problems, 'bits').expected).toBe('8 or 16');
  });

  it('formats the message with file, field, expected and found', () => {
    expect(() => parseModel(withLayers({ name: 'c', type: 'conv', out: 4, kernel: 3, shift: 40 }), 'm.json'))
      .toThrow('m.json: layers[0].shift: expected an integer in [0, 31], found 40');
  });

  it('rejects unknown keys in layers and pools, naming the misspelt field', () => {
    const problems = problemsOf(() => parseModel(withLayers(
      { name: 'c', type: 'conv', out: 4, kernel: 3, strid: 2, pool: { kernel: 2, stide: 2 } },
      { name: 'f', type: 'fc', out: 4, kernel: 3 },
    ), 'm.json'));
    expect(problemAt(problems, 'layers[0].strid').found).toBe('unknown field "strid"');
    expect(problemAt(problems, 'layers[0].pool.stide').found).toBe('unknown field "stide"');
    expect(problemAt(problems, 'layers[1].kernel').expected).toContain('name, type, out, shift, shifts, relu, rounding');
  });

  it('rejects names that are unsafe as file names, duplicate or missing', () => {
    const conv = (name: unknown): unknown => ({ name, type: 'conv', out: 2, kernel: 1 });
    const problems = problemsOf(() => parseModel(withLayers(conv('.'), conv('..'), conv('x y'), conv('ok'), conv('OK'), conv(undefined), conv(7),
      { name: 'ok', type: 'fc', out: 0 }), 'm.json'));
    expect(problemAt(problems, 'layers[0].name').found).toBe('"."');
    expect(problemAt(problems, 'layers[1].name').found).toBe('".."');
    expect(problemAt(problems, 'layers[2].name').found).toBe('"x y"');
    expect(problemAt(problems, 'layers[4].name').found).toContain('"OK", already used by layers[3].name');
    expect(problemAt(problems, 'layers[5].name').found).toBe('nothing');
    expect(problemAt(problems, 'layers[6].name').found).toBe('7');
    // A layer with another problem is still checked for a duplicate name.
    expect(problemAt(problems, 'layers[7].name').found).toBe('"ok", already used by layers[3].name');
    expect(problemAt(problems, 'layers[7].out').found).toBe('0');
    expect(problems.length).toBe(8);
  });

  it('requires at least one layer and an object', () => {
    expect(problemAt(problemsOf(() => parseModel({ name: 'm', input: [1, 1, 1], layers: [] }, 'm.json')), 'layers').found).toBe('[]');
    expect(problemsOf(() => parseModel([1, 2], 'm.json'))[0]).toMatchObject({ field: '', found: '[1,2]' });
  });

  it('rejects pad >= kernel and non-positive pool sizes', () => {
    const problems = problemsOf(() => parseModel(withLayers({ name: 'c', type: 'conv', out: 2, kernel: 3, pad: 3, pool: { kernel: 0, stride: 1 } }), 'm.json'));
    expect(problemAt(problems, 'layers[0].pad')).toMatchObject({ expected: 'a pad smaller than the kernel (3)', found: '3' });
    expect(problemAt(problems, 'layers[0].pool.kernel').found).toBe('0');
  });

  it('rejects a pool on a fc layer', () => {
    const problems = problemsOf(() => parseModel(withLayers({ name: 'f', type: 'fc', out: 2, pool: { kernel: 2, stride: 2 } }), 'm.json'));
    expect(problems).toHaveLength(1);
    expect(problems[0].field).toBe('layers[0].pool');
    expect(problems[0].expected).toContain('no pool on a fc layer');
  });

  it('rejects a conv layer after a fc layer', () => {
    const problems = problemsOf(() => parseModel(withLayers(
      { name: 'f', type: 'fc', out: 2 },
      { name: 'c', type: 'conv', out: 2, kernel: 3 },
    ), 'm.json'));
    expect(problems).toHaveLength(1); // and no follow-on complaint about the 3x3 kernel on a 1x1 map
    expect(problems[0]).toMatchObject({ field: 'layers[1].type', found: '"conv"' });
  });

  it('rejects a conv or pool whose output would be empty, naming the sizes', () => {
    const convProblems = problemsOf(() => parseModel(withLayers(
      { name: 'c1', type: 'conv', out: 2, kernel: 5, stride: 2 }, // 16 -> 6
      { name: 'c2', type: 'conv', out: 2, kernel: 9, pad: 1 }, // 6 + 2 < 9
      { name: 'c3', type: 'conv', out: 2, kernel: 3 },
    ), 'm.json'));
    expect(convProblems).toHaveLength(1);
    expect(convProblems[0].field).toBe('layers[1].kernel');
    expect(convProblems[0].expected).toContain('padded input 8x8 (input 6x6, pad 1)');
    expect(convProblems[0].found).toBe('9, giving an output of 0x0');

    const poolProblems = problemsOf(() => parseModel(withLayers(
      { name: 'c1', type: 'conv', out: 2, kernel: 14, pool: { kernel: 4, stride: 1 } }, // 16 -> 3
    ), 'm.json'));
    expect(poolProblems[0].field).toBe('layers[0].pool.kernel');
    expect(poolProblems[0].expected).toContain('conv output 3x3');
    expect(poolProblems[0].found).toBe('4, giving a pooled output of 0x0');
  });
});

describe('loadModelFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-model-'));

  it('reads a file', () => {
    const path = join(dir, 'ok.json');
    writeFileSync(path, JSON.stringify(specExample));
    expect(loadModelFile(path).name).toBe('tiny');
  });

  it('reports a JSON syntax error naming the file', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{"name": "x",, }');
    const [p] = problemsOf(() => loadModelFile(path));
    expect(p.file).toBe(path);
    expect(p.expected).toBe('valid JSON');
    expect(p.found).toContain('syntax error');
  });

  it('reports a missing file', () => {
    const path = join(dir, 'missing.json');
    expect(problemsOf(() => loadModelFile(path))[0]).toMatchObject({ file: path, found: 'no such file' });
  });
});

describe('layerShapes', () => {
  it('follows the model-format.md example', () => {
    const [conv, fc] = layerShapes(parseModel(specExample, 'tiny.json'));
    // conv: (13 + 4 - 5) / 2 + 1 = 7, (11 + 4 - 5) / 2 + 1 = 6; pool 3/2: 3 x 2
    expect(conv).toEqual({
      inShape: [3, 13, 11], convShape: [10, 7, 6], outShape: [10, 3, 2],
      macsPerImage: 10 * 7 * 6 * 3 * 25, weightShape: [10, 3, 5, 5], fanIn: 75,
    });
    expect(fc).toEqual({
      inShape: [10, 3, 2], convShape: [7, 1, 1], outShape: [7, 1, 1],
      macsPerImage: 7 * 60, weightShape: [7, 60], fanIn: 60,
    });
  });
});

describe('parseModel defaults', () => {
  it('names a model after its folder or file when it has no name, and pools with stride = kernel by default', () => {
    const m = parseModel({ input: [1, 8, 8], layers: [{ name: 'c', type: 'conv', out: 2, kernel: 3, pool: { kernel: 2 } }] }, 'nets/cam0/model.json');
    expect(m.name).toBe('cam0');
    expect(parseModel({ input: [1, 8, 8], layers: [{ name: 'f', type: 'fc', out: 2 }] }, 'lenet-small.json').name).toBe('lenet-small');
    expect(m.layers[0].type === 'conv' && m.layers[0].pool).toEqual({ kernel: 2, stride: 2 });
  });

  it('takes optional scales of the input and output, and refuses bad ones', () => {
    expect(parseModel({ ...specExample, scales: { input: 0.0625, output: 2 } }, 'm.json').scales).toEqual({ input: 0.0625, output: 2 });
    expect(parseModel(specExample, 'm.json').scales).toBeUndefined();
    const problems = problemsOf(() => parseModel({ ...specExample, scales: { input: 0, output: 1 } }, 'm.json'));
    expect(problemAt(problems, 'scales').expected).toBe('{"input": s, "output": s} with positive numbers');
  });

  it('takes unsigned 8-bit inputs for 8-bit models only', () => {
    expect(parseModel({ ...specExample, inputType: 'uint8' }, 'm.json').inputType).toBe('uint8');
    expect(parseModel({ ...specExample, inputType: 'int8' }, 'm.json').inputType).toBeUndefined();
    const problems = problemsOf(() => parseModel({ ...specExample, bits: 16, inputType: 'uint8' }, 'm.json'));
    expect(problemAt(problems, 'inputType').expected).toBe('"int16" (a 16-bit model\'s input)');
  });

  it('takes a LeakyReLU leak, not with relu and not beyond a total shift of 31', () => {
    const fc = (extra: Record<string, unknown>) => ({ ...specExample, layers: [specExample.layers[0], { ...specExample.layers[1], ...extra }] });
    expect(parseModel(fc({ leak: 3 }), 'm.json').layers[1].leak).toBe(3);
    expect(parseModel(specExample, 'm.json').layers[1].leak).toBeUndefined();
    expect(problemAt(problemsOf(() => parseModel(fc({ leak: 3, relu: true }), 'm.json')), 'layers[1].leak').expected).toContain('not both');
    expect(problemAt(problemsOf(() => parseModel(fc({ leak: 26 }), 'm.json')), 'layers[1].leak').expected).toBe('shift + leak at most 31 (shift is 6)');
  });

  it('takes one shift per output channel instead of shift, and refuses a wrong count, range or both', () => {
    // The spec example's fc has out 7 and shift 6.
    const fc = (extra: Record<string, unknown>) => {
      const { shift: _shift, ...rest } = specExample.layers[1] as Record<string, unknown>;
      return { ...specExample, layers: [specExample.layers[0], { ...rest, ...extra }] };
    };
    const shifts = [0, 31, 4, 4, 7, 1, 2];
    const layer = parseModel(fc({ shifts }), 'm.json').layers[1];
    expect(layer.shifts).toEqual(shifts);
    expect(layer.shift).toBe(0);
    expect(parseModel(specExample, 'm.json').layers[1].shifts).toBeUndefined();
    expect(problemAt(problemsOf(() => parseModel(fc({ shifts: [1, 2] }), 'm.json')), 'layers[1].shifts'))
      .toEqual({ file: 'm.json', field: 'layers[1].shifts', expected: '7 shifts, one per output channel (out is 7)', found: '2 shifts' });
    expect(problemAt(problemsOf(() => parseModel(fc({ shifts: [0, 32, 4, 4, 7, 1, 2] }), 'm.json')), 'layers[1].shifts').expected)
      .toBe('an array of 7 integers in 0..31, one shift per output channel');
    expect(problemAt(problemsOf(() => parseModel(fc({ shifts: 3 }), 'm.json')), 'layers[1].shifts').found).toBe('3');
    expect(problemAt(problemsOf(() => parseModel(fc({ shifts, shift: 6 }), 'm.json')), 'layers[1].shift').expected).toContain('no shift on a layer with shifts');
    // The leak's limit counts the largest channel shift.
    expect(problemAt(problemsOf(() => parseModel(fc({ shifts: [1, 29, 0, 0, 0, 0, 0], leak: 3 }), 'm.json')), 'layers[1].leak').expected)
      .toBe('the largest of shifts + leak at most 31 (the largest of shifts is 29)');
    expect(parseModel(fc({ shifts: [1, 28, 0, 0, 0, 0, 0], leak: 3 }), 'm.json').layers[1].leak).toBe(3);
  });
});
