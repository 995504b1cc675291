// What one layer type (a `type` of model.json) is made of, end to end: its fields and their
// checks, its shapes, its weight layout, its golden semantics and naive reference, and how the
// compiler maps it onto the engines. Each type lives in its own folder (layers/<type>/) and is
// listed once in layers/registry.ts; nothing outside those two places dispatches on `type`.
import type { MemImage } from '../compiler/layout.ts';
import type { LayerContext, PlannedTask } from '../compiler/tasks.ts';
import type { EngineGeometry } from '../compiler/tiling.ts';
import type { ResolvedConfig } from '../config/resolve.ts';
import type { ProblemList } from '../errors.ts';
import type { Bits, LayerShape, Shape3 } from '../model/model.ts';
import type { LayerWeights } from '../model/weights.ts';
import type { NaiveStats } from '../golden/naive-numerics.ts';
import type { Rng } from '../model/random.ts';

/**
 * How step 3 of numerics.md rounds t / 2^shift: half up (the default), or half to even (as
 * onnxruntime's requantization does).
 */
export const ROUNDING_MODES = ['half-up', 'half-even'] as const;
export type Rounding = (typeof ROUNDING_MODES)[number];

/** A random rounding field for a type's `sample`: absent, half up or half to even. */
export function sampleRounding(rng: Rng): { rounding?: Rounding } {
  const draw = rng.int(0, 2);
  return draw === 0 ? {} : { rounding: draw === 1 ? 'half-up' : 'half-even' };
}

/** A random leak for a type's `sample`: on a third of the layers without ReLU. */
export function sampleLeak(rng: Rng, shift: number, relu: boolean): { leak?: number } {
  const leak = rng.int(1, 4);
  return !relu && shift + leak <= 31 && rng.int(0, 2) === 0 ? { leak } : {};
}

/**
 * Random per-channel shifts for a type's `sample`, on a third of the layers: the layer's shift
 * give or take 3 per channel, `shift` then dropped (the two do not go together).
 */
export function sampleShifts(rng: Rng, layer: Record<string, unknown>): Record<string, unknown> {
  if (rng.int(0, 2) !== 0) return {};
  const base = layer.shift as number;
  const room = 31 - ((layer.leak as number | undefined) ?? 0);
  const shifts = Array.from({ length: layer.out as number }, () => Math.max(0, Math.min(room, base + rng.int(-3, 3))));
  delete layer.shift;
  return { shifts };
}

/** Fields every layer has, whatever its type (model-format.md). */
export interface LayerCommon {
  name: string;
  out: number;
  shift: number;
  relu: boolean;
  /** Absent means half-up: models without the field stay what they were, to the byte. */
  rounding?: Rounding;
  /** LeakyReLU with a slope of 2^-leak: negative sums are shifted leak bits further. */
  leak?: number;
  /**
   * One shift per output channel (exact folded batch-norm, per-channel weight scales); `shift`
   * is then 0 and unused. Absent means every channel shifts by `shift`.
   */
  shifts?: number[];
}

/** model.json fields of every layer type. */
export const COMMON_KEYS = ['name', 'type', 'out', 'shift', 'shifts', 'relu', 'rounding', 'leak'] as const;

/** The shift of output channel `o` (step 3 of numerics.md). */
export function channelShift(layer: { shift: number; shifts?: readonly number[] }, o: number): number {
  return layer.shifts ? layer.shifts[o] : layer.shift;
}

/** The largest shift of any output channel. */
export function maxShift(layer: { shift: number; shifts?: readonly number[] }): number {
  return layer.shifts ? Math.max(...layer.shifts) : layer.shift;
}

/** A type's new layer with the optional common fields that were given (absent ones stay absent,
 * so a model without them parses to the same objects as before they existed). */
export function withCommon<L extends LayerCommon>(layer: L, common: LayerCommon): L {
  if (common.rounding) layer.rounding = common.rounding;
  if (common.leak) layer.leak = common.leak;
  if (common.shifts) layer.shifts = [...common.shifts];
  return layer;
}

/** Where a layer's raw fields are and where their problems go. */
export interface LayerSource {
  list: ProblemList;
  file: string;
  /** The layer's field path, e.g. `layers[2]`. */
  at: string;
  raw: Record<string, unknown>;
}

/** A shape problem: the field that caused it, what was expected and what was found. */
export interface ShapeProblem {
  field: string;
  expected: string;
  found: string;
}

/** What a layer takes in and gives out: feature maps [c, h, w], or flat vectors (after a fc). */
export type ActivationKind = 'map' | 'vector';

/** How a first layer is rewritten to run better (same results, different layout). */
export interface FirstLayerRewrite<L> {
  layer: L;
  inShape: Shape3;
  weight: Int32Array;
  /** The batch's input in the rewritten layout, NCHW. */
  input: Int32Array;
}

export interface LayerType<L extends LayerCommon & { type: string }> {
  /** The `type` value in model.json. */
  readonly type: L['type'];
  /** model.json fields of this type, the common ones included. */
  readonly keys: readonly string[];
  /** Layout of the weight tensor in the weights folder, for messages and docs. */
  readonly weightLayout: string;
  readonly accepts: readonly ActivationKind[];
  readonly produces: ActivationKind;

  /** Reads the type's own fields (the common ones are read already); undefined on a problem. */
  parse(src: LayerSource, common: LayerCommon): L | undefined;
  /** The first shape problem of the layer on an input of inShape, if any. */
  shapeProblem(layer: L, inShape: Shape3): ShapeProblem | undefined;
  shape(layer: L, inShape: Shape3): LayerShape;
  /** Dimensions of one image's output in output files (the batch dimension comes first). */
  outputDims(layer: L, shape: LayerShape): number[];

  /** Weights the type makes itself (the weights folder then has no files for the layer). */
  syntheticWeights?(layer: L, shape: LayerShape, bits: Bits): LayerWeights;
  /** The layer for a batch, NCHW in and out, fast. */
  golden(layer: L, shape: LayerShape, bits: Bits, weights: LayerWeights, input: Int32Array, batch: number): Int32Array;
  /** The same, transcribed naively from the numerics spec, for tests. */
  naive(layer: L, shape: LayerShape, bits: Bits, weights: LayerWeights, input: ArrayLike<number>, batch: number, stats?: NaiveStats): Int32Array;

  /** Weight beats per m-block at tn input lanes (the memory image estimate, before tiling). */
  weightBeats(layer: L, shape: LayerShape, tn: number): number;
  /** The layer as the engine runs it. */
  geometry(layer: L, shape: LayerShape, batch: number, cfg: ResolvedConfig): EngineGeometry;
  /** Why the engines cannot run the layer on this config (beyond the common field limits). */
  fitProblem?(g: EngineGeometry, cfg: ResolvedConfig): string | undefined;
  countTasks(g: EngineGeometry, batch: number, cfg: ResolvedConfig, split: boolean): number;
  planTasks(ctx: LayerContext<L>, firstIndex: number, cfg: ResolvedConfig, split: boolean): PlannedTask[];
  /** Weights (in weightLayout) into the engines' [m-block][c-block][port][kernel][lane] blocks. */
  writeWeights(image: MemImage, base: number, layer: L, shape: LayerShape, g: EngineGeometry, w: ArrayLike<number>, cfg: ResolvedConfig): void;
  /** The same layer without its zero padding, and the padding, for a host that writes the
   * padding into the stored input itself (unsigned inputs, whose zero is not the stored zero). */
  explicitPadding?(layer: L): { layer: L; pad: number };
  /**
   * A random valid layer of this type on an input of inShape, as model.json fields, or undefined
   * when none fits: what the registry's conformance test runs every type through.
   */
  sample(rng: Rng, inShape: Shape3, name: string): Record<string, unknown> | undefined;
  /** A cheaper equivalent of this layer as a network's first layer, when one pays. */
  rewriteFirst?(layer: L, inShape: Shape3, weight: ArrayLike<number>, input: ArrayLike<number>, batch: number, cfg: ResolvedConfig): FirstLayerRewrite<L> | undefined;
}
