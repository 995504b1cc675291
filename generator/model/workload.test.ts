import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Problem } from '../errors.ts';
import { parseModel } from './model.ts';
import { writeNpy } from './npy.ts';
import { randomInput, randomWeights } from './random.ts';
import { saveWeights } from './weights.ts';
import { builtinWorkload, loadWorkload, loadWorkloadRef } from './workload.ts';
import { problemsOf } from '../test-helpers.ts';

const modelJson = {
  name: 'cam', input: [2, 9, 9],
  layers: [
    { name: 'conv1', type: 'conv', out: 3, kernel: 3, stride: 2, shift: 4, relu: true },
    { name: 'fc1', type: 'fc', out: 4, shift: 3 },
  ],
};
const model = parseModel(modelJson, 'model.json');


/** A workload folder with cam0/{model.json, weights/, input.npy} (batch 2). */
function workloadDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sf-workload-'));
  mkdirSync(join(dir, 'cam0'));
  writeFileSync(join(dir, 'cam0/model.json'), JSON.stringify(modelJson));
  saveWeights(join(dir, 'cam0/weights'), model, randomWeights(model, 9));
  writeNpy(join(dir, 'cam0/input.npy'), randomInput(model, 2, 9));
  return dir;
}

function writeWorkload(dir: string, jobs: unknown, name = 'workload.json'): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(typeof jobs === 'object' && jobs !== null && !Array.isArray(jobs) ? jobs : { jobs }));
  return path;
}

describe('loadWorkload', () => {
  it('loads the model-format.md example with paths relative to the workload folder', () => {
    const dir = workloadDir();
    const path = writeWorkload(dir, [
      { name: 'cam0', model: 'cam0/model.json', weights: 'cam0/weights', input: 'cam0/input.npy' },
      { name: 'net1', model: 'lenet5', batch: 4, seed: 1 },
    ]);
    const [cam, net] = loadWorkload(path);
    expect(cam.name).toBe('cam0');
    expect(cam.model).toEqual(model);
    expect(cam.batch).toBe(2);
    expect(Array.from(cam.input.data)).toEqual(Array.from(randomInput(model, 2, 9).data));
    expect(Array.from(cam.weights.get('fc1')!.weight.data)).toEqual(Array.from(randomWeights(model, 9).get('fc1')!.weight.data));
    expect(net.model.name).toBe('lenet5');
    expect(net.batch).toBe(4);
    expect(net.input.shape).toEqual([4, 1, 32, 32]);
    expect(Array.from(net.weights.get('conv1')!.weight.data)).toEqual(Array.from(randomWeights(net.model, 1).get('conv1')!.weight.data));
  });

  it('works from a workload in a subfolder, with a relative path to it', () => {
    const dir = workloadDir();
    mkdirSync(join(dir, 'sub'));
    const path = writeWorkload(join(dir, 'sub'), [{ name: 'a', model: '../cam0/model.json', input: '../cam0/input.npy' }]);
    const fromCwd = relative(process.cwd(), path);
    expect(isAbsolute(fromCwd)).toBe(false);
    const [job] = loadWorkload(fromCwd);
    expect(job.batch).toBe(2);
    expect(job.weights.get('conv1')!.weight.shape).toEqual([3, 2, 3, 3]);
    // Messages name nested files relative to where the user is, as they named the workload.
    writeWorkload(join(dir, 'sub'), [{ name: 'a', model: '../cam0/model.json', weights: '../nope' }]);
    const [p] = problemsOf(() => loadWorkload(fromCwd));
    expect(p.file).toBe(join(dirname(fromCwd), '../nope'));
    expect(isAbsolute(p.file)).toBe(false);
  });

  it('defaults to seed 0 and batch 1', () => {
    const dir = workloadDir();
    const [job] = loadWorkload(writeWorkload(dir, [{ name: 'j', model: 'cam0/model.json' }]));
    expect(job.batch).toBe(1);
    expect(Array.from(job.input.data)).toEqual(Array.from(randomInput(model, 1, 0).data));
  });

  it('accepts a batch equal to the input file, rejects a conflicting one', () => {
    const dir = workloadDir();
    expect(loadWorkload(writeWorkload(dir, [{ name: 'j', model: 'cam0/model.json', input: 'cam0/input.npy', batch: 2 }]))[0].batch).toBe(2);
    const [p] = problemsOf(() => loadWorkload(writeWorkload(dir, [{ name: 'j', model: 'cam0/model.json', input: 'cam0/input.npy', batch: 3 }])));
    expect(p).toMatchObject({ file: join(dir, 'workload.json'), field: 'jobs[0].batch', found: '3' });
    expect(p.expected).toContain('2 (the first dimension of');
  });

  it('reports every problem of every job at once', () => {
    const dir = workloadDir();
    const path = writeWorkload(dir, {
      jobs: [
        { name: 'a', model: 'resnet', seed: -1 },
        { name: 'a', model: 'cam0/model.json', weights: 'cam0/nope', batch: 0, extra: true },
        { name: 'b/c', model: 'missing/model.json' },
        { name: 'd', model: 'lenet5', input: 'cam0/input.npy' },
        'job',
      ],
      version: 2,
    });
    const problems = problemsOf(() => loadWorkload(path));
    const at = (field: string): Problem => {
      const p = problems.find((q) => q.field === field);
      if (!p) throw new Error(`no problem at ${field}: ${JSON.stringify(problems)}`);
      return p;
    };
    expect(at('version').found).toBe('unknown field "version"');
    expect(at('jobs[0].model').found).toContain('"resnet" (no such built-in model or file');
    expect(at('jobs[0].seed').found).toBe('-1');
    expect(at('jobs[1].extra').found).toBe('unknown field "extra"');
    expect(at('jobs[1].batch').found).toBe('0');
    expect(at('jobs[1].name').found).toBe('"a", already used by jobs[0].name');
    expect(at('jobs[2].name').found).toBe('"b/c"');
    expect(at('jobs[2].model').found).toContain('missing/model.json');
    expect(at('jobs[4]').found).toBe('"job"');
    // Problems inside other files name those files.
    expect(problems.find((p) => p.file === join(dir, 'cam0/nope'))?.found).toBe('no such folder');
    const inputProblem = problems.find((p) => p.file === join(dir, 'cam0/input.npy'));
    expect(inputProblem?.field).toBe('shape');
    expect(inputProblem?.expected).toContain('[batch, 1, 32, 32]');
    expect(problems.every((p) => p.file === path || p.file.startsWith(dir))).toBe(true);
  });

  it('names problems inside a referenced model file by that file', () => {
    const dir = workloadDir();
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...modelJson, bits: 4 }));
    const [p] = problemsOf(() => loadWorkload(writeWorkload(dir, [{ name: 'j', model: 'bad.json' }])));
    expect(p).toMatchObject({ file: join(dir, 'bad.json'), field: 'bits', found: '4' });
  });

  it('requires a non-empty job list and valid JSON', () => {
    const dir = workloadDir();
    expect(problemsOf(() => loadWorkload(writeWorkload(dir, [])))[0]).toMatchObject({ field: 'jobs', found: '[]' });
    writeFileSync(join(dir, 'broken.json'), '{"jobs": [}');
    expect(problemsOf(() => loadWorkload(join(dir, 'broken.json')))[0]).toMatchObject({ file: join(dir, 'broken.json'), expected: 'valid JSON' });
  });
});

describe('builtinWorkload', () => {
  it('makes one job of a built-in model', () => {
    const [job] = builtinWorkload('lenet5', 2, 5);
    expect(job.name).toBe('lenet5');
    expect(job.batch).toBe(2);
    expect(job.input.shape).toEqual([2, 1, 32, 32]);
    expect(loadWorkloadRef('builtin:lenet5')[0].batch).toBe(1);
    expect(() => builtinWorkload('nope', 1, 0)).toThrow('found "nope"');
    expect(() => builtinWorkload('lenet5', 0, 0)).toThrow('expected an integer >= 1, found 0');
  });
});

describe('repeat: a stream of batches in one line', () => {
  it('makes N jobs <name>.<k> with their own inputs from seed + k - 1 and one shared set of weights', () => {
    const dir = workloadDir();
    const jobs = loadWorkload(writeWorkload(dir, [{ name: 'cam', model: 'cam0/model.json', batch: 2, seed: 5, repeat: 3 }]));
    expect(jobs.map((j) => j.name)).toEqual(['cam.1', 'cam.2', 'cam.3']);
    expect(jobs[1].weights).toBe(jobs[0].weights);
    expect(Array.from(jobs[0].weights.get('conv1')!.weight.data)).toEqual(Array.from(randomWeights(model, 5).get('conv1')!.weight.data));
    jobs.forEach((j, k) => expect(Array.from(j.input.data)).toEqual(Array.from(randomInput(model, 2, 5 + k).data)));
    expect(jobs[0].input.data).not.toEqual(jobs[1].input.data);
  });

  it('takes one input file per batch as a list', () => {
    const dir = workloadDir();
    writeNpy(join(dir, 'cam0/input2.npy'), randomInput(model, 2, 11));
    const jobs = loadWorkload(writeWorkload(dir, [{ name: 'cam', model: 'cam0/model.json', input: ['cam0/input.npy', 'cam0/input2.npy'], repeat: 2 }]));
    expect(jobs.map((j) => j.batch)).toEqual([2, 2]);
    expect(Array.from(jobs[1].input.data)).toEqual(Array.from(randomInput(model, 2, 11).data));
  });

  it('refuses an input list of the wrong length, one input for many batches, a repeat out of range, and names that collide', () => {
    const dir = workloadDir();
    const problems = problemsOf(() => loadWorkload(writeWorkload(dir, [
      { name: 'a', model: 'cam0/model.json', input: ['cam0/input.npy'], repeat: 2 },
      { name: 'b', model: 'cam0/model.json', input: 'cam0/input.npy', repeat: 2 },
      { name: 'c', model: 'cam0/model.json', repeat: 0 },
      { name: 'd', model: 'cam0/model.json', repeat: 2 },
      { name: 'd.2', model: 'cam0/model.json' },
    ])));
    const text = problems.map((p) => `${p.field}: expected ${p.expected}, found ${p.found}`).join('\n');
    expect(text).toContain('jobs[0].input: expected a list of 2 input files (one per repeated batch), or one path, found a list of 1');
    expect(text).toContain('jobs[1].input: expected a list of 2 input files (one per repeated batch)');
    expect(text).toContain('jobs[2].repeat: expected an integer in [1, 1000], found 0');
    expect(text).toContain('jobs[4].name: expected a job name not used before');
  });
});

describe('lines of one model and seed', () => {
  it('share the model and its weights; inputSeed gives each its own input', () => {
    const dir = workloadDir();
    const jobs = loadWorkload(writeWorkload(dir, [
      { name: 'a', model: 'cam0/model.json', seed: 3, inputSeed: 10 },
      { name: 'b', model: 'lenet5', seed: 3 },
      { name: 'c', model: 'cam0/model.json', seed: 3, inputSeed: 11 },
      { name: 'd', model: 'cam0/model.json', seed: 4 },
    ]));
    expect(jobs[2].model).toBe(jobs[0].model);
    expect(jobs[2].weights).toBe(jobs[0].weights);
    expect(jobs[3].weights).not.toBe(jobs[0].weights);
    expect(Array.from(jobs[0].input.data)).toEqual(Array.from(randomInput(model, 1, 10).data));
    expect(Array.from(jobs[2].input.data)).toEqual(Array.from(randomInput(model, 1, 11).data));
  });
});
