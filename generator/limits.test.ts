// Cost guards: estimated from the shapes, close to what the compiler really lays out, and
// checked over the whole workload before any weights or inputs are generated.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileWorkload } from './compiler/compile.ts';
import { loadConfig } from './config/resolve.ts';
import { ProblemList } from './errors.ts';
import { checkRunCost, estimateImageBytes, type JobShape } from './limits.ts';
import { builtinModel } from './model/builtin.ts';
import { parseModel } from './model/model.ts';
import { randomInput, randomWeights } from './model/random.ts';
import { loadWorkload } from './model/workload.ts';
import { problemsOf } from './test-helpers.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-limits-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function runCostProblems(jobs: JobShape[], preset: string): string[] {
  const cfg = loadConfig({ preset });
  const list = new ProblemList();
  checkRunCost(list, jobs, cfg, cfg.busBytes);
  return list.items.map((p) => `${p.field}: expected ${p.expected}, found ${p.found}`);
}

describe('cost guards', () => {
  it('estimates the memory image within 10% of the compiled one (alignment and slack aside)', () => {
    const model = parseModel({
      name: 'm', input: [24, 40, 40],
      layers: [
        { name: 'c1', type: 'conv', out: 40, kernel: 3, pad: 1 },
        { name: 'c2', type: 'conv', out: 24, kernel: 3, pool: { kernel: 2 } },
        { name: 'f', type: 'fc', out: 20 },
      ],
    }, 'm.json');
    for (const preset of ['tiny', 'default']) {
      const cfg = loadConfig({ preset });
      const job = { name: 'j', model, batch: 3, weights: randomWeights(model, 1), input: randomInput(model, 3, 1) };
      const compiled = compileWorkload([job], cfg).image.bytes.length;
      const estimate = estimateImageBytes([job], cfg);
      expect(Math.abs(estimate / compiled - 1), preset).toBeLessThan(0.1);
    }
  });

  it('refuses a workload whose jobs fit one by one but not together, before generating them', () => {
    // Each job: 320 Mi input elements and as many outputs (640 MiB); two of them exceed 1 GiB.
    writeFileSync(join(scratch, 'model.json'), JSON.stringify({ name: 'wide', input: [256, 512, 512], layers: [{ name: 'c', type: 'conv', out: 256, kernel: 1 }] }));
    const path = join(scratch, 'workload.json');
    writeFileSync(path, JSON.stringify({ jobs: [{ name: 'a', model: 'model.json', batch: 5 }, { name: 'b', model: 'model.json', batch: 5 }] }));
    const cfg = loadConfig({ preset: 'default' });
    const started = Date.now();
    const problems = problemsOf(() => loadWorkload(path, {
      beforeGenerating: (jobs) => {
        const list = new ProblemList();
        checkRunCost(list, jobs, cfg, cfg.busBytes);
        list.throwIfAny();
      },
    }));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(problems.map((p) => p.expected)).toContainEqual(expect.stringMatching(/^a memory image \(weights, biases and activations of every job at preset default's 16 lanes\) of at most 1024\.0 MiB \(--allow-large/));
  });

  it('refuses a workload estimated beyond the simulated-cycle limit', () => {
    expect(runCostProblems([{ model: builtinModel('vgg16'), batch: 1 }], 'micro')).toEqual([]);
    expect(runCostProblems([{ model: builtinModel('vgg16'), batch: 2 }], 'micro')).toEqual([
      expect.stringMatching(/^--workload: expected a workload of at most 1e\+9 simulated cycles on preset micro \(--allow-large to run it anyway\), found at least 1\.9\de\+9 cycles/),
    ]);
  });
});
