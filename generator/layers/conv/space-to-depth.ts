// Space-to-depth rewrite of a network's first layer. A strided conv with few input channels
// (AlexNet's conv1: 3 channels, 11x11, stride 4) leaves most of the tn input lanes idle. Because
// the host lays out the network input, it can fold each s x s block of the padded input into
// channels: C x H x W becomes (C*s*s) x H' x W', and the K x K stride-s kernel becomes a
// ceil(K/s) x ceil(K/s) stride-1 kernel with zeros where the folded taps fall outside K. The sums
// are the same products, so the result is bit-exact; the engine just does fewer, fuller passes.
//
//   X'[(dy*s + dx)*C + c][by][bx] = Xpad[c][s*by + dy][s*bx + dx]
//   W'[o][(dy*s + dx)*C + c][ky][kx] = W[o][c][s*ky + dy][s*kx + dx]   (0 where s*ky+dy >= K ...)
import type { ResolvedConfig } from '../../config/resolve.ts';
import type { Shape3 } from '../../model/model.ts';
import type { FirstLayerRewrite } from '../layer-type.ts';
import { convOutSize, type ConvLayer } from './model.ts';

/** Engine passes per output pixel: c-blocks times kernel positions. */
function passes(channels: number, kernel: number, tn: number): number {
  return Math.ceil(channels / tn) * kernel * kernel;
}

export function spaceToDepthPays(layer: ConvLayer, inShape: Shape3, tn: number, weightWords: number): boolean {
  const s = layer.stride;
  if (s < 2) return false;
  const k2 = Math.ceil(layer.kernel / s);
  return k2 * k2 <= weightWords && passes(inShape[0] * s * s, k2, tn) < passes(inShape[0], layer.kernel, tn);
}

export function spaceToDepth(
  layer: ConvLayer,
  inShape: Shape3,
  convOut: [number, number],
  weight: ArrayLike<number>,
  input: ArrayLike<number>,
  batch: number,
): FirstLayerRewrite<ConvLayer> {
  const [C, H, W] = inShape;
  const { stride: s, kernel: K, pad: p } = layer;
  const k2 = Math.ceil(K / s);
  const [oh, ow] = convOut;
  const h2 = oh + k2 - 1;
  const w2 = ow + k2 - 1;
  const c2 = C * s * s;

  const x2 = new Int32Array(batch * c2 * h2 * w2);
  for (let n = 0; n < batch; n++) {
    for (let dy = 0; dy < s; dy++) {
      for (let dx = 0; dx < s; dx++) {
        for (let c = 0; c < C; c++) {
          const plane = ((n * c2 + (dy * s + dx) * C + c) * h2) * w2;
          for (let by = 0; by < h2; by++) {
            const row = s * by + dy - p;
            if (row < 0 || row >= H) continue;
            for (let bx = 0; bx < w2; bx++) {
              const col = s * bx + dx - p;
              if (col < 0 || col >= W) continue;
              x2[plane + by * w2 + bx] = input[((n * C + c) * H + row) * W + col];
            }
          }
        }
      }
    }
  }

  const out = layer.out;
  const w2t = new Int32Array(out * c2 * k2 * k2);
  for (let o = 0; o < out; o++) {
    for (let dy = 0; dy < s; dy++) {
      for (let dx = 0; dx < s; dx++) {
        for (let c = 0; c < C; c++) {
          for (let ky = 0; ky < k2; ky++) {
            const y = s * ky + dy;
            if (y >= K) continue;
            for (let kx = 0; kx < k2; kx++) {
              const x = s * kx + dx;
              if (x >= K) continue;
              w2t[(((o * c2 + (dy * s + dx) * C + c) * k2) + ky) * k2 + kx] = weight[((o * C + c) * K + y) * K + x];
            }
          }
        }
      }
    }
  }

  return {
    layer: { ...layer, kernel: k2, stride: 1, pad: 0 },
    inShape: [c2, h2, w2],
    weight: w2t,
    input: x2,
  };
}

/** The rewrite, when it makes the first layer take fewer engine passes on this config. */
export function convRewriteFirst(
  layer: ConvLayer, inShape: Shape3, weight: ArrayLike<number>, input: ArrayLike<number>, batch: number, cfg: ResolvedConfig,
): FirstLayerRewrite<ConvLayer> | undefined {
  if (!spaceToDepthPays(layer, inShape, cfg.pe.tn, cfg.buffers.weightWords)) return undefined;
  const convOut: [number, number] = [convOutSize(inShape[1], layer.kernel, layer.stride, layer.pad), convOutSize(inShape[2], layer.kernel, layer.stride, layer.pad)];
  return spaceToDepth(layer, inShape, convOut, weight, input, batch);
}
