// Random small models and workload folders for fuzzing the whole flow: odd channel counts,
// kernels 1/3/5, strides 1/2, padding, pooling, fc layers, batches 1-3, half the layers rounding
// half to even, written in the formats of model-format.md so that the file loaders are exercised
// as a user's files would be.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convOutSize, parseModel, poolOutSize, type Model } from './model.ts';
import { writeNpy } from './npy.ts';
import { randomInput, randomWeights, Rng, streamSeed } from './random.ts';
import { saveWeights } from './weights.ts';

export interface RandomModelOptions {
  maxConv?: number;
  maxFc?: number;
  maxSide?: number;
  bits?: 8 | 16;
}

/** A random valid model as model.json content. */
export function randomModelJson(seed: number, opts: RandomModelOptions = {}): Record<string, unknown> {
  const rng = new Rng(streamSeed(seed, 'random-model'));
  const maxSide = opts.maxSide ?? 14;
  let [c, h, w] = [rng.int(1, 7), rng.int(4, maxSide), rng.int(4, maxSide)];
  const input = [c, h, w];
  const layers: Record<string, unknown>[] = [];
  const convCount = rng.int(opts.maxFc === 0 ? 1 : 0, opts.maxConv ?? 2);
  let fanIn = 0;
  for (let i = 0; i < convCount; i++) {
    const kernel = [1, 3, 5].filter((k) => k <= Math.min(h, w) + 2)[rng.int(0, 2)] ?? 1;
    const stride = rng.int(1, 2);
    const pad = rng.int(0, kernel - 1);
    const out = rng.int(1, 13);
    const oh = convOutSize(h, kernel, stride, pad);
    const ow = convOutSize(w, kernel, stride, pad);
    if (oh < 1 || ow < 1) break;
    const layer: Record<string, unknown> = { name: `conv${i + 1}`, type: 'conv', out, kernel, stride, pad, relu: rng.int(0, 1) === 1 };
    fanIn = c * kernel * kernel;
    layer.shift = shiftFor(fanIn);
    [c, h, w] = [out, oh, ow];
    if (rng.int(0, 2) === 0) {
      const pk = rng.int(2, 3);
      const ps = rng.int(1, 2);
      if (poolOutSize(h, pk, ps) >= 1 && poolOutSize(w, pk, ps) >= 1) {
        layer.pool = { kernel: pk, stride: ps };
        [h, w] = [poolOutSize(h, pk, ps), poolOutSize(w, pk, ps)];
      }
    }
    layers.push(layer);
  }
  const fcCount = rng.int(layers.length === 0 ? 1 : 0, opts.maxFc ?? 2);
  for (let i = 0; i < fcCount; i++) {
    const out = rng.int(1, 20);
    layers.push({ name: `fc${i + 1}`, type: 'fc', out, shift: shiftFor(c * h * w), relu: rng.int(0, 1) === 1 });
    [c, h, w] = [out, 1, 1];
  }
  // Rounding modes from a stream of their own, so the shapes and weights stay what they were:
  // half to even for half the layers, half up written out for a sixth, absent otherwise.
  const roundRng = new Rng(streamSeed(seed, 'random-model-rounding'));
  for (const layer of layers) {
    const draw = roundRng.int(0, 5);
    if (draw < 3) layer.rounding = 'half-even';
    else if (draw === 3) layer.rounding = 'half-up';
  }
  // LeakyReLU on a quarter of the layers without ReLU, also from a stream of its own.
  const leakRng = new Rng(streamSeed(seed, 'random-model-leak'));
  for (const layer of layers) {
    const leak = leakRng.int(1, 3);
    if (leakRng.int(0, 3) === 0 && !layer.relu && (layer.shift as number) + leak <= 31) layer.leak = leak;
  }
  // One shift per output channel on a quarter of the layers (the layer's shift give or take 2),
  // from a stream of its own.
  const shiftsRng = new Rng(streamSeed(seed, 'random-model-shifts'));
  for (const layer of layers) {
    if (shiftsRng.int(0, 3) !== 0) continue;
    const base = layer.shift as number;
    const room = 31 - ((layer.leak as number | undefined) ?? 0);
    layer.shifts = Array.from({ length: layer.out as number }, () => Math.max(0, Math.min(room, base + shiftsRng.int(-2, 2))));
    delete layer.shift;
  }
  return { name: `random${seed}`, ...(opts.bits === 16 ? { bits: 16 } : {}), input, layers };
}

/** Shift that keeps random activations mostly in range: acc grows like sqrt(fanIn) * 64 * 9. */
function shiftFor(fanIn: number): number {
  return Math.max(0, Math.min(31, Math.round(Math.log2((Math.sqrt(fanIn) * 64 * 9) / 48))));
}

/**
 * Writes a workload folder with `jobs` random jobs (model.json, weights/*.npy, input.npy per job)
 * and returns the path of its workload.json.
 */
export function writeRandomWorkload(dir: string, seed: number, jobs = 1, opts: RandomModelOptions = {}): string {
  const rng = new Rng(streamSeed(seed, 'random-workload'));
  const entries = [];
  for (let j = 0; j < jobs; j++) {
    const jobSeed = seed * 16 + j;
    const json = randomModelJson(jobSeed, opts);
    const model: Model = parseModel(json, `job${j}/model.json`);
    const batch = rng.int(1, 3);
    const jobDir = join(dir, `job${j}`);
    mkdirSync(join(jobDir, 'weights'), { recursive: true });
    writeFileSync(join(jobDir, 'model.json'), JSON.stringify(json, null, 2) + '\n');
    saveWeights(join(jobDir, 'weights'), model, randomWeights(model, jobSeed));
    writeNpy(join(jobDir, 'input.npy'), randomInput(model, batch, jobSeed));
    entries.push({ name: `job${j}`, model: `job${j}/model.json`, weights: `job${j}/weights`, input: `job${j}/input.npy` });
  }
  const path = join(dir, 'workload.json');
  writeFileSync(path, JSON.stringify({ jobs: entries }, null, 2) + '\n');
  return path;
}
