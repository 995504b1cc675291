// The model features added for real networks, run on the RTL and checked bit for bit against the
// golden model: unsigned 8-bit inputs (offset by the host, padding written into the image, also
// under the space-to-depth rewrite), average and global average pooling (identity-weight convs),
// fc weights in channels-last order, half-to-even rounding, LeakyReLU and per-output-channel shifts
// (several m-blocks, with pooling, a leak, and on a uint8 first layer under space-to-depth).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { goldenForward } from '../golden/golden.ts';
import { parseModel } from '../model/model.ts';
import { writeNpy } from '../model/npy.ts';
import { randomInput, randomWeights } from '../model/random.ts';
import { saveWeights } from '../model/weights.ts';
import { runWorkload } from './run.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-features-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const MODELS = [
  {
    name: 'unsigned_padded',
    inputType: 'uint8',
    input: [3, 8, 8],
    layers: [
      { name: 'conv1', type: 'conv', out: 6, kernel: 3, pad: 1, shift: 7, relu: true, rounding: 'half-even' },
      { name: 'pool1', type: 'avgpool', out: 6, kernel: 2, shift: 2, rounding: 'half-even' },
      { name: 'conv2', type: 'conv', out: 5, kernel: 3, pad: 1, shift: 6, leak: 2 },
      { name: 'gap', type: 'avgpool', out: 5, kernel: 4, stride: 1, shift: 4, leak: 1 },
      { name: 'fc1', type: 'fc', out: 7, shift: 4, flatten: 'hwc' },
    ],
  },
  {
    // One channel, 5x5 stride 2 with padding: the space-to-depth rewrite runs on the offset image.
    name: 'unsigned_strided',
    inputType: 'uint8',
    input: [1, 11, 11],
    layers: [
      { name: 'conv1', type: 'conv', out: 4, kernel: 5, stride: 2, pad: 2, shifts: [6, 9, 8, 7], relu: true },
      { name: 'fc1', type: 'fc', out: 6, shift: 5, flatten: 'hwc', rounding: 'half-even' },
    ],
  },
  {
    // Shifts 3 apart and more across channels; more output channels than tiny's tm.
    name: 'per_channel',
    input: [4, 9, 9],
    layers: [
      { name: 'conv1', type: 'conv', out: 19, kernel: 3, pad: 1, shifts: Array.from({ length: 19 }, (_, o) => 3 + ((o * 5) % 9)), relu: true, pool: { kernel: 2, stride: 2 } },
      { name: 'conv2', type: 'conv', out: 9, kernel: 3, shifts: [9, 4, 6, 12, 5, 7, 8, 3, 10], leak: 2, rounding: 'half-even' },
      { name: 'fc1', type: 'fc', out: 11, shifts: [7, 4, 9, 5, 6, 8, 3, 10, 7, 5, 6] },
    ],
  },
];

describe('model features in RTL', () => {
  it('uint8 inputs, average pools, channels-last fc weights, half-even rounding, leaks and per-channel shifts match the golden model', async () => {
    const jobs = [];
    for (const json of MODELS) {
      const model = parseModel(json, `${json.name}.json`);
      const dir = join(scratch, json.name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      const weights = randomWeights(model, 4);
      saveWeights(join(dir, 'weights'), model, weights);
      const input = randomInput(model, 2, 5);
      expect(input.dtype).toBe(model.inputType ?? 'int8');
      writeNpy(join(dir, 'input.npy'), input);
      // The outputs are not all saturated or zero: the features are really computed.
      const out = goldenForward(model, weights, input).at(-1)!;
      expect(new Set(out).size).toBeGreaterThan(3);
      jobs.push({ name: json.name, model: `${json.name}/model.json`, weights: `${json.name}/weights`, input: `${json.name}/input.npy` });
    }
    const path = join(scratch, 'workload.json');
    writeFileSync(path, JSON.stringify({ jobs }));
    const r = await runWorkload({ preset: 'tiny', workload: path, sim: 'verilator', out: join(scratch, 'out') });
    expect(r.status, r.message).toBe('ok');
    expect(r.jobs.map((j) => j.mismatches)).toEqual([0, 0, 0]);
  }, 300_000);
});
