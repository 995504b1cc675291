// The resource model against its calibration syntheses (in-sample and each point left out), its
// structural DSP and block RAM counts, and its behaviour on every preset and on random
// configurations. No synthesis: the syntheses are in calibration.json.
import { describe, expect, it } from 'vitest';
import { hwParams } from '../arch/params.ts';
import { presets } from '../config/presets.ts';
import { loadConfig, resolveConfig, type ResolvedConfig } from '../config/resolve.ts';
import type { ConfigInput } from '../config/schema.ts';
import { InputError } from '../errors.ts';
import { findDevice } from '../fpga/devices.ts';
import { Rng } from '../model/random.ts';
import { loadCalibration, measuredParts, PART_NAMES, pointConfig, splitCalibration } from './calibration.ts';
import { fitNonNegative } from './fit.ts';
import { calibratedModel, engineDsps, fitResourceModel, fitsDevice, muxLuts, outsideCalibration, predictResources, XC7_DEVICES, type ResourcePrediction } from './resource-model.ts';

const fixture = loadCalibration();
/** The points the model is fitted to; the held-out ones test it on sizes it has not seen. */
const { fit: points, holdout } = splitCalibration(fixture);
const RESOURCES = ['luts', 'ffs', 'dsps', 'brams'] as const;
const relative = (predicted: number, measured: number) => (predicted - measured) / Math.max(1, measured);

/** Stated tolerances (relative error), in-sample and with the point left out of the fit. */
const TOLERANCE = {
  inSample: { total: { luts: 0.05, ffs: 0.02 }, part: 0.12 },
  leaveOneOut: { total: { luts: 0.1, ffs: 0.06 }, engine: 0.1, part: 0.4 },
  holdout: { total: { luts: 0.08, ffs: 0.05 }, engine: 0.1, part: 0.35 },
};

const pct = (e: number) => `${e >= 0 ? '+' : ''}${(100 * e).toFixed(1)}%`;

describe('non-negative least squares', () => {
  it('recovers exact coefficients and clamps those the data would make negative to zero', () => {
    const rows = [[1, 1], [1, 2], [1, 3], [1, 4]];
    expect(fitNonNegative(rows, [5, 7, 9, 11], [1, 1, 1, 1]).map((x) => Number(x.toFixed(9)))).toEqual([3, 2]);
    // Unconstrained: y = 10 - 2x; with x >= 0 the best is the mean on the intercept alone.
    expect(fitNonNegative(rows, [8, 6, 4, 2], [1, 1, 1, 1]).map((x) => Number(x.toFixed(9)))).toEqual([5, 0]);
  });

  it('is deterministic and never negative on the calibration data', () => {
    const a = fitResourceModel(points);
    expect(fitResourceModel(points)).toEqual(a);
    for (const unit of a.units) for (const c of [...unit.luts, ...unit.ffs]) expect(c).toBeGreaterThanOrEqual(0);
  });
});

describe('the calibration syntheses', () => {
  it.each(points.map((pt) => [pt.name, pt] as const))('are reproduced within the stated tolerance (%s)', (_name, point) => {
    const pred = predictResources(pointConfig(point));
    const measured = measuredParts(point);
    expect(Math.abs(relative(pred.luts, point.measured.total.luts))).toBeLessThanOrEqual(TOLERANCE.inSample.total.luts);
    expect(Math.abs(relative(pred.ffs, point.measured.total.ffs))).toBeLessThanOrEqual(TOLERANCE.inSample.total.ffs);
    for (const part of PART_NAMES) {
      for (const what of ['luts', 'ffs'] as const) {
        expect(Math.abs(relative(pred.parts[part][what], measured[part][what])), `${part} ${what}`).toBeLessThanOrEqual(TOLERANCE.inSample.part);
      }
    }
  });

  it('have their DSP blocks and block RAMs counted exactly, per part and in total (held-out points too)', () => {
    for (const point of fixture.points) {
      const pred = predictResources(pointConfig(point));
      const measured = measuredParts(point);
      for (const part of PART_NAMES) expect([point.name, part, pred.parts[part].dsps, pred.parts[part].brams]).toEqual([point.name, part, measured[part].dsps, measured[part].brams]);
      expect([point.name, pred.dsps, pred.brams]).toEqual([point.name, point.measured.total.dsps, point.measured.total.brams]);
    }
  });

  it('are each predicted within bounds by the model fitted without them (leave one out)', () => {
    const rows: string[] = [];
    const worst: Record<string, number> = {};
    const check = (key: string, bound: number, e: number) => {
      worst[key] = Math.max(worst[key] ?? 0, Math.abs(e));
      expect(Math.abs(e), key).toBeLessThanOrEqual(bound);
    };
    for (const [i, point] of points.entries()) {
      const model = fitResourceModel(points.filter((_, j) => j !== i));
      const pred = predictResources(pointConfig(point), model);
      const measured = measuredParts(point);
      const lut = relative(pred.luts, point.measured.total.luts);
      const ff = relative(pred.ffs, point.measured.total.ffs);
      check('total LUTs', TOLERANCE.leaveOneOut.total.luts, lut);
      check('total FFs', TOLERANCE.leaveOneOut.total.ffs, ff);
      for (const part of PART_NAMES) {
        for (const what of ['luts', 'ffs'] as const) {
          const bound = part === 'engine' ? TOLERANCE.leaveOneOut.engine : TOLERANCE.leaveOneOut.part;
          check(`${part} ${what}`, bound, relative(pred.parts[part][what], measured[part][what]));
        }
      }
      rows.push(`${point.name.padEnd(16)} LUTs ${String(point.measured.total.luts).padStart(7)} -> ${String(pred.luts).padStart(7)} ${pct(lut).padStart(7)}   FFs ${String(point.measured.total.ffs).padStart(6)} -> ${String(pred.ffs).padStart(6)} ${pct(ff).padStart(7)}`);
    }
    console.info(`leave-one-out (each point predicted by the model fitted to the other ${points.length - 1}):\n${rows.join('\n')}\nworst: ${Object.entries(worst).map(([k, v]) => `${k} ${(100 * v).toFixed(1)}%`).join(', ')}`);
  });

  it.each(holdout.map((pt) => [pt.name, pt] as const))('held out of the fit are predicted within bounds (%s)', (_name, point) => {
    const pred = predictResources(pointConfig(point));
    const measured = measuredParts(point);
    const errors = Object.fromEntries([
      ...(['luts', 'ffs'] as const).map((what) => [`total ${what}`, relative(pred[what], point.measured.total[what])]),
      ...PART_NAMES.flatMap((part) => (['luts', 'ffs'] as const).map((what) => [`${part} ${what}`, relative(pred.parts[part][what], measured[part][what])])),
    ]) as Record<string, number>;
    console.info(`${point.name} (outside the calibration: ${outsideCalibration(pointConfig(point)).join(', ') || 'nothing'}): ${Object.entries(errors).map(([k, e]) => `${k} ${pct(e)}`).join(', ')}`);
    expect(Math.abs(errors['total luts'])).toBeLessThanOrEqual(TOLERANCE.holdout.total.luts);
    expect(Math.abs(errors['total ffs'])).toBeLessThanOrEqual(TOLERANCE.holdout.total.ffs);
    for (const part of PART_NAMES) {
      for (const what of ['luts', 'ffs'] as const) {
        expect(Math.abs(errors[`${part} ${what}`]), `${part} ${what}`).toBeLessThanOrEqual(part === 'engine' ? TOLERANCE.holdout.engine : TOLERANCE.holdout.part);
      }
    }
  });
});

describe('DSP blocks', () => {
  it('are one per MAC with inferred multipliers, at 8 and 16 bits, and none with Booth multipliers', () => {
    const at = (input: ConfigInput) => engineDsps(hwParams(resolveConfig(input, 'test')));
    expect(at({ pe: { tn: 8, tm: 16 } })).toBe(128);
    expect(at({ dataBits: 16, pe: { tn: 4, tm: 16 } })).toBe(64);
    expect(at({ pe: { tn: 8, tm: 16, multiplier: 'booth' } })).toBe(0);
    expect(predictResources(resolveConfig({ engines: 3, pe: { tn: 8, tm: 8 } }, 'test')).dsps).toBe(192);
  });
});

/** A random configuration the schema and its cross-field checks accept (the draws cover every
 * field's range; the few combinations past a limit are drawn again). */
function randomConfig(rng: Rng): ResolvedConfig {
  for (;;) {
    const tn = rng.pick([2, 4, 8, 16, 32, 64]);
    const input: ConfigInput = {
      engines: rng.int(1, 32),
      dataBits: rng.pick([8, 16] as const),
      pe: { tn, tm: tn * rng.pick([1, 2, 4]), multiplier: rng.pick(['inferred', 'booth'] as const), ...(rng.int(0, 1) ? { postLanes: 2 ** rng.int(0, Math.log2(tn)) } : {}) },
      buffers: { inputWords: 2 ** rng.int(6, 14), weightWords: 2 ** rng.int(4, 8), accWords: 2 ** rng.int(4, 12) },
      memory: { channels: 2 ** rng.int(0, 4), maxBurst: 2 ** rng.int(0, 8), maxOutstanding: 2 ** rng.int(1, 6), addressBits: rng.int(16, 32) },
      controller: { window: rng.int(2, 16), counters: 2 ** rng.int(4, 8), trace: rng.int(0, 1) === 1 },
    };
    try {
      return resolveConfig(input, 'random');
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
    }
  }
}

function expectSane(pred: ResourcePrediction, what: string) {
  for (const r of RESOURCES) {
    expect(Number.isFinite(pred[r]) && pred[r] >= 0, `${what}: ${r} ${pred[r]}`).toBe(true);
    for (const part of PART_NAMES) expect(Number.isFinite(pred.parts[part][r]) && pred.parts[part][r] >= 0, `${what}: ${part} ${r}`).toBe(true);
  }
  expect(Number.isInteger(pred.luts) && Number.isInteger(pred.ffs) && Number.isInteger(pred.dsps) && Number.isInteger(2 * pred.brams), what).toBe(true);
}

describe('predictions', () => {
  it('are finite, non-negative and whole (BRAMs in halves) for every preset and 300 random configurations', () => {
    for (const name of Object.keys(presets)) expectSane(predictResources(loadConfig({ preset: name })), `preset ${name}`);
    const rng = new Rng(12);
    for (let i = 0; i < 300; i++) {
      const cfg = randomConfig(rng);
      expectSane(predictResources(cfg), JSON.stringify(cfg));
    }
  });

  it('never shrink, in total or in any part, with more engines, a deeper PE array (tm), a bigger one (tn and tm), a larger window or the trace unit', () => {
    const rng = new Rng(5);
    const grown = (cfg: ResolvedConfig, change: (c: ResolvedConfig) => unknown): ResolvedConfig | undefined => {
      const next = structuredClone(cfg) as ResolvedConfig & Record<string, unknown>;
      change(next);
      for (const key of ['busBits', 'busBytes', 'macs', 'hash', 'source']) delete next[key];
      try {
        return resolveConfig(next, 'grown');
      } catch (err) {
        if (err instanceof InputError) return undefined;
        throw err;
      }
    };
    const changes: [string, (c: ResolvedConfig) => unknown][] = [
      ['engines + 1', (c) => (c.engines += 1)],
      ['tm x 2', (c) => (c.pe.tm *= 2)],
      ['tn and tm x 2', (c) => ((c.pe.tn *= 2), (c.pe.tm *= 2))],
      ['window + 1', (c) => (c.controller.window += 1)],
      ['trace on', (c) => (c.controller.trace = true)],
    ];
    let compared = 0;
    for (let i = 0; i < 200; i++) {
      const cfg = randomConfig(rng);
      const before = predictResources(cfg);
      for (const [name, change] of changes) {
        const bigger = grown(cfg, change);
        if (!bigger) continue;
        const after = predictResources(bigger);
        for (const r of RESOURCES) {
          expect(after[r], `${name} on ${JSON.stringify(cfg)}: ${r}`).toBeGreaterThanOrEqual(before[r]);
          for (const part of PART_NAMES) expect(after.parts[part][r], `${name} on ${JSON.stringify(cfg)}: ${part} ${r}`).toBeGreaterThanOrEqual(before.parts[part][r]);
        }
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(500);
  });

  it('say which features lie outside the calibrated range', () => {
    for (const name of ['tiny', 'default', 'paper', 'micro']) expect(outsideCalibration(loadConfig({ preset: name }))).toEqual([]);
    expect(outsideCalibration(resolveConfig({ engines: 16, pe: { tn: 8, tm: 64 }, dataBits: 16 }, 'big'))).toEqual(['engines 16 (calibrated 1..8)', 'tm 64 (calibrated 4..16)']);
    expect(outsideCalibration(resolveConfig({ dataBits: 16, pe: { tn: 4, tm: 4, multiplier: 'booth' } }, 'b16'))).toEqual(['Booth multipliers of 16 bits (calibrated 8)']);
  });

  it('take well under a millisecond each once the model is fitted', () => {
    calibratedModel();
    const configs = Object.keys(presets).map((name) => loadConfig({ preset: name }));
    const started = performance.now();
    for (let i = 0; i < 2000; i++) predictResources(configs[i % configs.length]);
    expect((performance.now() - started) / 2000).toBeLessThan(1);
  });
});

describe('muxLuts', () => {
  it('counts the LUT6s of a multiplexer tree', () => {
    expect([1, 2, 4, 5, 8, 16, 17, 32].map(muxLuts)).toEqual([0, 1, 1, 3, 3, 5, 8, 11]);
  });
});

describe('fitsDevice', () => {
  const device = (name: string) => findDevice(name)!;

  it('compares a prediction with an xc7 device\'s capacity', () => {
    const paper = predictResources(loadConfig({ preset: 'paper' }));
    expect(fitsDevice(paper, device('xc7vx690t'))).toMatchObject({ fits: true, over: [] });
    const onZynq = fitsDevice(paper, device('xc7z020'));
    expect(onZynq.fits).toBe(false);
    expect(onZynq.over).toEqual(['luts', 'dsps', 'brams']);
    expect(onZynq.shares.dsps).toBeCloseTo(2048 / 220, 9);
    expect(fitsDevice(predictResources(loadConfig({ preset: 'tiny' })), device('xc7z020')).fits).toBe(true);
    const fitting = (name: string) => XC7_DEVICES.filter((d) => fitsDevice(predictResources(loadConfig({ preset: name })), d).fits).map((d) => d.name);
    expect(fitting('default')).toEqual(['xc7vx690t']);
    expect(fitting('tiny')).toEqual(['xc7vx690t', 'xc7z020', 'xc7a100t']);
  });

  it('treats a resource exactly at capacity as fitting and one over it as not', () => {
    const cap = device('xc7a100t');
    const at = { luts: cap.luts, ffs: cap.ffs, dsps: cap.dsps, brams: cap.brams };
    expect(fitsDevice(at, cap).fits).toBe(true);
    expect(fitsDevice({ ...at, brams: cap.brams + 0.5 }, cap)).toMatchObject({ fits: false, over: ['brams'] });
  });

  it('refuses a device of another family', () => {
    expect(() => fitsDevice(predictResources(loadConfig({ preset: 'micro' })), device('ice40hx8k'))).toThrow(/predicts xc7 resources, not ice40/);
  });
});

// The fixture's points must describe what they measured: a point whose config no longer resolves
// to the recorded hash was measured on a different config.
describe('calibration fixture', () => {
  it('holds Yosys-measured points whose configs still resolve to the measured hash', () => {
    expect(points.length).toBeGreaterThanOrEqual(7);
    expect(holdout.length).toBeGreaterThanOrEqual(1);
    for (const point of fixture.points) {
      expect(pointConfig(point).hash, point.name).toBe(point.hash);
      expect(point.yosys, point.name).toMatch(/^Yosys \d+\.\d+/);
    }
  });
});
