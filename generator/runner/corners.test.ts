// Post-processing corners in RTL, on both simulators: weights, inputs and biases at the ends of
// their ranges (-128, 127, the 32-bit bias limits) with shifts of 0, 1 and 31, ReLU on and off,
// max-pooling, so that outputs saturate both ways, 33-bit bias sums and rounding ties (half up and
// half to even) occur, and the hardware must still agree bit for bit with the golden model.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { goldenForward } from '../golden/golden.ts';
import { layerShapes, parseModel, type Model } from '../model/model.ts';
import { makeTensor, writeNpy } from '../model/npy.ts';
import { Rng } from '../model/random.ts';
import { saveWeights, type Weights } from '../model/weights.ts';
import { runWorkload } from './run.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-corners-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);

interface CornerModel {
  json: { name: string; input: number[]; layers: Record<string, unknown>[] };
  /** Values the input and the weights are drawn from. */
  acts: number[];
  weights: number[];
  /** Biases per layer, cycled over the output channels (from the layer's shift). */
  biases: (shift: number) => number[];
}

const MODELS: CornerModel[] = [
  {
    // Shift 0: every sum beyond the int8 range saturates, both ways; max-pooled after.
    json: {
      name: 'saturating',
      input: [3, 6, 6],
      layers: [
        { name: 'conv1', type: 'conv', out: 5, kernel: 3, stride: 1, pad: 1, relu: false, shift: 0, pool: { kernel: 2, stride: 2 } },
        { name: 'fc1', type: 'fc', out: 6, relu: false, shift: 4 },
      ],
    },
    acts: [-128, -127, -1, 0, 1, 126, 127],
    weights: [-128, -127, -1, 0, 1, 127],
    biases: () => [INT32_MAX, INT32_MIN, 0, -5, 5],
  },
  {
    // Small sums and shifts of 1 and 2: many rounding ties, positive and negative, unsaturated.
    json: {
      name: 'rounding',
      input: [6, 3, 3],
      layers: [
        { name: 'conv1', type: 'conv', out: 7, kernel: 3, stride: 1, pad: 1, relu: false, shift: 1 },
        { name: 'fc1', type: 'fc', out: 8, relu: false, shift: 2 },
      ],
    },
    acts: [-3, -2, -1, 0, 1, 2, 3],
    weights: [-1, 0, 0, 1],
    biases: (shift) => [0, 1, -1, 2 ** (shift - 1), -(2 ** (shift - 1))],
  },
  {
    // Shift 31 with biases at the 32-bit limits: sums of 33 bits, rounded at the top bit.
    json: {
      name: 'shifted',
      input: [4, 5, 5],
      layers: [
        { name: 'conv1', type: 'conv', out: 6, kernel: 1, stride: 1, pad: 0, relu: true, shift: 1 },
        { name: 'fc1', type: 'fc', out: 9, relu: false, shift: 31 },
      ],
    },
    // Non-negative weights: every fc sum is positive, so a 32-bit bias add would wrap.
    acts: [-128, -1, 0, 1, 127],
    weights: [0, 1, 127],
    biases: () => [INT32_MAX, INT32_MIN, 0, 2 ** 30, -(2 ** 30), INT32_MAX - 5],
  },
  {
    // The rounding model's ties rounded half to even (onnxruntime's requantization), ReLU after
    // the conv layer (-0.5 and -1.5 both to zero, then).
    json: {
      name: 'rounding_even',
      input: [6, 3, 3],
      layers: [
        { name: 'conv1', type: 'conv', out: 7, kernel: 3, stride: 1, pad: 1, relu: true, shift: 1, rounding: 'half-even' },
        { name: 'fc1', type: 'fc', out: 8, relu: false, shift: 2, rounding: 'half-even' },
      ],
    },
    acts: [-3, -2, -1, 0, 1, 2, 3],
    weights: [-1, 0, 0, 1],
    biases: (shift) => [0, 1, -1, 2 ** (shift - 1), -(2 ** (shift - 1)), 3],
  },
];

function extremeWeights(model: Model, corner: CornerModel, rng: Rng): Weights {
  const weights: Weights = new Map();
  const shapes = layerShapes(model);
  model.layers.forEach((layer, i) => {
    const weight = makeTensor('int8', shapes[i].weightShape);
    for (let k = 0; k < weight.data.length; k++) weight.data[k] = rng.pick(corner.weights);
    const bias = makeTensor('int32', [layer.out]);
    const biases = corner.biases(layer.shift);
    for (let k = 0; k < bias.data.length; k++) bias.data[k] = biases[k % biases.length];
    weights.set(layer.name, { weight, bias });
  });
  return weights;
}

/** The last layers' outputs by the golden model, and as they would be if every layer rounded half up. */
function writeCornerWorkload(dir: string, seed: number): { path: string; outputs: Int32Array[]; halfUpOutputs: Int32Array[] } {
  const rng = new Rng(seed);
  const jobs = [];
  const outputs: Int32Array[] = [];
  const halfUpOutputs: Int32Array[] = [];
  for (const corner of MODELS) {
    const json = corner.json;
    const model = parseModel(json, `${json.name}/model.json`);
    const jobDir = join(dir, json.name);
    mkdirSync(jobDir, { recursive: true });
    writeFileSync(join(jobDir, 'model.json'), JSON.stringify(json, null, 2) + '\n');
    const weights = extremeWeights(model, corner, rng);
    saveWeights(join(jobDir, 'weights'), model, weights);
    const input = makeTensor('int8', [2, ...model.input]);
    for (let k = 0; k < input.data.length; k++) input.data[k] = rng.pick(corner.acts);
    writeNpy(join(jobDir, 'input.npy'), input);
    const golden = goldenForward(model, weights, input);
    outputs.push(Int32Array.from(golden[golden.length - 1]));
    const halfUp = goldenForward({ ...model, layers: model.layers.map(({ rounding: _r, ...l }) => l) }, weights, input);
    halfUpOutputs.push(Int32Array.from(halfUp[halfUp.length - 1]));
    jobs.push({ name: json.name, model: `${json.name}/model.json`, weights: `${json.name}/weights`, input: `${json.name}/input.npy` });
  }
  const path = join(dir, 'workload.json');
  writeFileSync(path, JSON.stringify({ jobs }, null, 2) + '\n');
  return { path, outputs, halfUpOutputs };
}

describe('post-processing corners in RTL', () => {
  it.each(['verilator', 'icarus'] as const)('%s agrees with the golden model on saturation, 33-bit bias sums and shifts of 0, 1 and 31', async (sim) => {
    const dir = join(scratch, sim);
    const { path, outputs, halfUpOutputs } = writeCornerWorkload(dir, 5);
    // The corners are really there: the saturating model's outputs hit both ends.
    const saturating = Array.from(outputs[0]);
    expect(saturating).toContain(127);
    expect(saturating).toContain(-128);
    // The rounding model's outputs are small, of both signs, not saturated.
    const rounding = Array.from(outputs[1]);
    expect(rounding.some((v) => v > 0) && rounding.some((v) => v < 0)).toBe(true);
    expect(rounding.every((v) => Math.abs(v) < 100)).toBe(true);
    // Biases of INT32_MAX on positive sums: t >= 2^31, which rounds to 1 at shift 31.
    expect(Array.from(outputs[2]).filter((_, i) => i % 9 === 0)).toEqual([1, 1]);
    // Half to even changes many of the last layer's outputs (a hardware rounding half up fails).
    const even = Array.from(outputs[3]);
    expect(even.filter((v, i) => v !== halfUpOutputs[3][i]).length).toBeGreaterThan(even.length / 4);
    expect(even.some((v) => v > 0) && even.some((v) => v < 0)).toBe(true);
    const r = await runWorkload({ preset: 'tiny', workload: path, sim, out: join(dir, 'out'), stallPercent: 10, seed: 3 });
    expect(r.status, r.message).toBe('ok');
    expect(r.jobs.map((j) => j.mismatches)).toEqual([0, 0, 0, 0]);
  }, 180_000);
});
