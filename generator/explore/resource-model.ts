// FPGA resources of a configuration without synthesizing it (xc7: LUT6 equivalents with LUT RAM,
// flip-flops, DSP48E1, RAMB36 equivalents), for a design-space explorer that weighs thousands of
// configurations.
//
// DSP blocks and block RAMs are counted structurally: one DSP48E1 per MAC with inferred
// multipliers (none with Booth multipliers in logic), and each memory mapped to RAMB18/RAMB36
// tiles as Yosys maps it (bram.ts). LUTs and flip-flops come from a small linear model per unit
// of the design (the PE array, the loader, the writer, the sequencer, the crossbar, ...), each
// in a few structural features, fitted by non-negative least squares on relative error to the
// calibration syntheses (calibration.json) when first used. A part is the sum of its units.
import { clog2, crossbarMap, hwParams, type HwParams } from '../arch/params.ts';
import type { ResolvedConfig } from '../config/resolve.ts';
import { DEVICES, type Device } from '../fpga/devices.ts';
import { bramTiles } from './bram.ts';
import { loadCalibration, pointConfig, splitCalibration, type CalibrationPoint, type PartName, type PartResources } from './calibration.ts';
import { fitNonNegative } from './fit.ts';

export type { PartResources } from './calibration.ts';

export interface ResourcePrediction extends PartResources {
  /** `engine` is one engine: the total is engines * engine + interconnect + controller + registers. */
  parts: Record<PartName, PartResources>;
}

/** The structural features the units' models are written in. */
interface Features {
  engines: number;
  multiEngine: number;
  /** Bits of an engine number (0 with one engine): the sequencer's member shift-adds. */
  engineBits: number;
  tn: number;
  tm: number;
  macs: number;
  dataBits: number;
  prodBits: number;
  busBits: number;
  inferred: number;
  booth: number;
  loadPorts: number;
  postLanes: number;
  addrBits: number;
  channels: number;
  idBits: number;
  /** Requesters of each channel, read and write (the controller and the engines' ports). */
  readSlots: number[];
  writeSlots: number[];
  window: number;
  counters: number;
  trace: number;
}

function featuresOf(cfg: ResolvedConfig, p: HwParams): Features {
  const map = crossbarMap(p);
  return {
    engines: cfg.engines,
    multiEngine: cfg.engines > 1 ? 1 : 0,
    engineBits: clog2(cfg.engines),
    tn: p.tn,
    tm: p.tm,
    macs: p.tn * p.tm,
    dataBits: p.dataBits,
    prodBits: p.prodBits,
    busBits: p.busBits,
    inferred: p.multiplier === 'inferred' ? 1 : 0,
    booth: p.multiplier === 'booth' ? 1 : 0,
    loadPorts: p.loadPorts,
    postLanes: p.postLanes,
    addrBits: p.addrBits,
    channels: p.channels,
    idBits: p.idBits,
    readSlots: map.read.map((r) => r.length),
    writeSlots: map.write.map((w) => w.length),
    window: p.window,
    counters: p.counters,
    trace: p.trace ? 1 : 0,
  };
}

/** LUT6s of an n-to-1 multiplexer tree (a LUT6 selects one of 4). */
export function muxLuts(n: number): number {
  if (n <= 1) return 0;
  if (n <= 4) return 1;
  const first = Math.ceil(n / 4);
  return first + muxLuts(first);
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

type Term = [name: string, of: (f: Features) => number];
type Measured = { luts: number; ffs: number };

/** A unit of the design with its LUT and flip-flop features, and where the fixture has its
 * measured figures. */
interface UnitSpec {
  name: string;
  part: PartName;
  luts: Term[];
  ffs: Term[];
  measured: (m: CalibrationPoint['measured']) => Measured;
}

const ZERO: Measured = { luts: 0, ffs: 0 };
const block = (module: string) => (m: CalibrationPoint['measured']): Measured => m.blocks[module] ?? ZERO;

const UNITS: readonly UnitSpec[] = [
  {
    // The PE array and its control: per output lane the reduction and the 32-bit accumulator
    // (the products sit on DSP blocks), or with Booth multipliers their partial products in logic.
    name: 'PE array',
    part: 'engine',
    luts: [['1', () => 1], ['tm', (f) => f.tm], ['inferred MACs', (f) => f.inferred * f.macs], ['Booth MACs x dataBits^2', (f) => f.booth * f.macs * f.dataBits ** 2]],
    ffs: [['1', () => 1], ['tm', (f) => f.tm], ['Booth MACs x product bits', (f) => f.booth * f.macs * f.prodBits]],
    measured: block('sf_compute'),
  },
  {
    // One burst engine per load port: address generators and counters as wide as the addresses.
    name: 'loader',
    part: 'engine',
    luts: [['load ports', (f) => f.loadPorts], ['load ports x addrBits', (f) => f.loadPorts * f.addrBits]],
    ffs: [['load ports', (f) => f.loadPorts], ['load ports x addrBits', (f) => f.loadPorts * f.addrBits]],
    measured: block('sf_loader'),
  },
  {
    // Post-processing lanes (bias add, rounding shift, saturation), pooling over the beat, and
    // output addressing.
    name: 'writer',
    part: 'engine',
    luts: [['postLanes', (f) => f.postLanes], ['busBits', (f) => f.busBits], ['addrBits', (f) => f.addrBits]],
    ffs: [['1', () => 1], ['addrBits', (f) => f.addrBits], ['busBits', (f) => f.busBits], ['postLanes x dataBits', (f) => f.postLanes * f.dataBits]],
    measured: block('sf_writer'),
  },
  {
    // The engine's own logic: descriptor latch and sequencer (address registers and adders; with
    // several engines the (image, m-block) units and member offsets, by shift-adds over the
    // engine-number bits), and the buffers' glue per output lane.
    name: 'sequencer',
    part: 'engine',
    luts: [['addrBits', (f) => f.addrBits], ['several engines x addrBits', (f) => f.multiEngine * f.addrBits], ['engineBits x addrBits', (f) => f.engineBits * f.addrBits], ['tm', (f) => f.tm]],
    ffs: [['1', () => 1], ['addrBits', (f) => f.addrBits], ['several engines', (f) => f.multiEngine], ['tm', (f) => f.tm]],
    measured: (m) => {
      const [e, c, l, w] = [m.parts.engine, block('sf_compute')(m), block('sf_loader')(m), block('sf_writer')(m)];
      return { luts: e.luts - c.luts - l.luts - w.luts, ffs: e.ffs - c.ffs - l.ffs - w.ffs };
    },
  },
  {
    // Per channel, a multiplexer of its read requesters' addresses and of its write requesters'
    // addresses and data, and an arbiter.
    name: 'crossbar',
    part: 'interconnect',
    luts: [
      ['read requesters x addrBits', (f) => sum(f.readSlots.map((n) => Math.max(0, n - 1) * f.addrBits))],
      ['write requesters x (data + strobes + addrBits)', (f) => sum(f.writeSlots.map((n) => Math.max(0, n - 1) * ((f.busBits * 9) / 8 + f.addrBits)))],
      ['channels', (f) => f.channels],
    ],
    ffs: [['channels', (f) => f.channels], ['channels x idBits', (f) => f.channels * f.idBits]],
    measured: block('sf_mem_xbar'),
  },
  {
    // Each engine picks its group leader's input-buffer writes from every engine.
    name: 'group bus',
    part: 'interconnect',
    luts: [['engines x busBits x mux(engines)', (f) => f.engines * f.busBits * muxLuts(f.engines)], ['engines^2', (f) => f.multiEngine * f.engines ** 2]],
    ffs: [],
    measured: block('sf_group_bus'),
  },
  {
    // The top module's own few cells (per channel).
    name: 'top',
    part: 'interconnect',
    luts: [['channels', (f) => f.channels]],
    ffs: [],
    measured: (m) => m.parts.top,
  },
  {
    // Fetch, window (per entry its fields, and age masks between entries) and scheduler.
    name: 'controller',
    part: 'controller',
    luts: [['1', () => 1], ['window', (f) => f.window], ['window^2', (f) => f.window ** 2], ['engines', (f) => f.engines]],
    ffs: [['1', () => 1], ['window', (f) => f.window], ['window^2', (f) => f.window ** 2], ['engines', (f) => f.engines]],
    measured: block('sf_controller'),
  },
  {
    name: 'dependency counters',
    part: 'controller',
    luts: [['1', () => 1], ['counters', (f) => f.counters]],
    ffs: [['1', () => 1], ['counters', (f) => f.counters]],
    measured: block('sf_dep_counters'),
  },
  {
    name: 'trace unit',
    part: 'controller',
    luts: [['trace', (f) => f.trace]],
    ffs: [['trace', (f) => f.trace], ['trace x addrBits', (f) => f.trace * f.addrBits]],
    measured: block('sf_trace_unit'),
  },
  {
    // The AXI4-Lite block: performance counters per engine and channel, and their read-back.
    name: 'registers',
    part: 'registers',
    luts: [['1', () => 1], ['engines', (f) => f.engines], ['channels', (f) => f.channels]],
    ffs: [['1', () => 1], ['engines', (f) => f.engines], ['channels', (f) => f.channels]],
    measured: (m) => m.parts.registers,
  },
];

/** Fitted coefficients, per unit, of its LUT and flip-flop terms. */
export interface ResourceModel {
  units: { name: string; part: PartName; luts: number[]; ffs: number[] }[];
}

function fitTerms(terms: Term[], features: Features[], targets: number[]): number[] {
  if (terms.length === 0) return [];
  const rows = features.map((f) => terms.map(([, of]) => of(f)));
  // Relative error: every calibration point counts alike, small or large.
  const weights = targets.map((y) => 1 / Math.max(1, y) ** 2);
  return fitNonNegative(rows, targets, weights);
}

/** Fits every unit's coefficients to the calibration points. */
export function fitResourceModel(points: readonly CalibrationPoint[]): ResourceModel {
  const features = points.map((pt) => {
    const cfg = pointConfig(pt);
    return featuresOf(cfg, hwParams(cfg));
  });
  return {
    units: UNITS.map((u) => ({
      name: u.name,
      part: u.part,
      luts: fitTerms(u.luts, features, points.map((pt) => u.measured(pt.measured).luts)),
      ffs: fitTerms(u.ffs, features, points.map((pt) => u.measured(pt.measured).ffs)),
    })),
  };
}

let calibration: readonly CalibrationPoint[] | undefined;
let defaultModel: ResourceModel | undefined;
const calibrationPoints = () => (calibration ??= splitCalibration(loadCalibration()).fit);

/** The model fitted to the committed calibration fixture (once per process). */
export function calibratedModel(): ResourceModel {
  defaultModel ??= fitResourceModel(calibrationPoints());
  return defaultModel;
}

const apply = (coefficients: number[], terms: Term[], f: Features) => terms.reduce((s, [, of], i) => s + coefficients[i] * of(f), 0);

/** DSP48E1 blocks of one engine: a MAC each when the multipliers are inferred (a 16 x 16
 * product fits one DSP48E1's 25 x 18 multiplier); Booth multipliers are logic. */
export function engineDsps(p: HwParams): number {
  return p.multiplier === 'inferred' ? p.tn * p.tm : 0;
}

export function predictResources(cfg: ResolvedConfig, model: ResourceModel = calibratedModel()): ResourcePrediction {
  const p = hwParams(cfg);
  const f = featuresOf(cfg, p);
  const parts = Object.fromEntries(
    (['engine', 'interconnect', 'controller', 'registers'] as const).map((part) => [part, { luts: 0, ffs: 0, dsps: 0, brams: 0 }]),
  ) as Record<PartName, PartResources>;
  model.units.forEach((fitted, i) => {
    const spec = UNITS[i]; // fitResourceModel keeps UNITS' order
    parts[spec.part].luts += apply(fitted.luts, spec.luts, f);
    parts[spec.part].ffs += apply(fitted.ffs, spec.ffs, f);
  });
  const tiles = bramTiles(p);
  parts.engine.dsps = engineDsps(p);
  parts.engine.brams = tiles.engine;
  parts.controller.brams = tiles.controller;
  for (const part of Object.values(parts)) {
    part.luts = Math.round(part.luts);
    part.ffs = Math.round(part.ffs);
  }
  const total = (what: keyof PartResources) => cfg.engines * parts.engine[what] + parts.interconnect[what] + parts.controller[what] + parts.registers[what];
  return { luts: total('luts'), ffs: total('ffs'), dsps: total('dsps'), brams: total('brams'), parts };
}

/** The features outsideCalibration checks, of one configuration. */
function rangedFeatures(cfg: ResolvedConfig) {
  const p = hwParams(cfg);
  return { engines: cfg.engines, tn: p.tn, tm: p.tm, dataBits: p.dataBits, loadPorts: p.loadPorts, postLanes: p.postLanes, channels: p.channels, addrBits: p.addrBits, window: p.window, counters: p.counters };
}
type Ranged = ReturnType<typeof rangedFeatures>;

const rangesOf = new WeakMap<readonly CalibrationPoint[], { ranges: Record<keyof Ranged, [number, number]>; boothWidths: number[] }>();

/** Each feature's lowest and highest value over the points, and the Booth points' data widths. */
function calibratedRanges(points: readonly CalibrationPoint[]) {
  let known = rangesOf.get(points);
  if (!known) {
    const configs = points.map(pointConfig);
    const features = configs.map(rangedFeatures);
    const ranges = Object.fromEntries(
      (Object.keys(features[0]) as (keyof Ranged)[]).map((key) => [key, [Math.min(...features.map((f) => f[key])), Math.max(...features.map((f) => f[key]))]]),
    ) as Record<keyof Ranged, [number, number]>;
    known = { ranges, boothWidths: [...new Set(configs.filter((c) => c.pe.multiplier === 'booth').map((c) => c.dataBits))] };
    rangesOf.set(points, known);
  }
  return known;
}

/** The features whose calibrated range a configuration leaves, as "engines 32 (calibrated 1..8)":
 * beyond them the LUT and flip-flop figures are extrapolations (DSPs and block RAMs are not). */
export function outsideCalibration(cfg: ResolvedConfig, points: readonly CalibrationPoint[] = calibrationPoints()): string[] {
  const { ranges, boothWidths } = calibratedRanges(points);
  const own = rangedFeatures(cfg);
  const outside = (Object.keys(own) as (keyof Ranged)[]).flatMap((key) => {
    const [lo, hi] = ranges[key];
    return own[key] < lo || own[key] > hi ? [`${key} ${own[key]} (calibrated ${lo}..${hi})`] : [];
  });
  // The Booth multiplier's size grows with the square of the data width.
  if (cfg.pe.multiplier === 'booth' && !boothWidths.includes(cfg.dataBits)) {
    outside.push(`Booth multipliers of ${cfg.dataBits} bits (calibrated ${boothWidths.join(', ') || 'none'})`);
  }
  return outside;
}

export interface DeviceFit {
  fits: boolean;
  /** Share of the device's capacity each resource takes (1.0 = full). */
  shares: PartResources;
  /** The resources over the device's capacity. */
  over: (keyof PartResources)[];
}

/** The devices the model's predictions can be compared with (the xc7 parts of devices.ts). */
export const XC7_DEVICES: readonly Device[] = DEVICES.filter((d) => d.target === 'xc7');

/** Whether a prediction fits a device (devices.ts; on xc7 parts, for which the model predicts). */
export function fitsDevice(pred: PartResources, device: Device): DeviceFit {
  if (device.target !== 'xc7') throw new Error(`the resource model predicts xc7 resources, not ${device.target} (${device.name})`);
  const resources = ['luts', 'ffs', 'dsps', 'brams'] as const;
  const shares = Object.fromEntries(resources.map((r) => [r, pred[r] / device[r]])) as unknown as PartResources;
  const over = resources.filter((r) => pred[r] > device[r]);
  return { fits: over.length === 0, shares, over };
}
