// Design-space exploration: every point of a space (configuration x policy) through the fast
// cycle model on all cores and through a resource model, then the Pareto fronts of throughput
// against DSPs and against LUTs, per device (the points that fit it).
import type { Policy } from '../arch/regmap.ts';
import { resolveConfig, type ResolvedConfig } from '../config/resolve.ts';
import { findDevice } from '../fpga/devices.ts';
import { loadWorkloadRef } from '../model/workload.ts';
import type { PointTask } from './evaluate.ts';
import { paretoFront } from './pareto.ts';
import { evaluatePoints, type PoolOptions } from './pool.ts';
import { spaceConfigs, type Space } from './space.ts';

export interface PointResources {
  luts: number;
  ffs: number;
  dsps: number;
  brams: number;
}

export type ResourcePredictor = (cfg: ResolvedConfig) => PointResources;

export interface ExploreOptions extends PoolOptions {
  /** Names the features of a configuration beyond the resource model's calibration. */
  outsideCalibration?: (cfg: ResolvedConfig) => string[];
}

export interface ExplorePoint {
  index: number;
  /** The varied fields' values. */
  setting: Record<string, unknown>;
  policy: Policy;
  invalid?: string;
  configHash?: string;
  cycles?: number;
  /** Images a second at the configuration's clockMhz. */
  imagesPerSecond?: number;
  boundRatio?: number;
  peUtilization?: number;
  resources?: PointResources;
  /** Devices the point fits (by the resource model). */
  fits?: string[];
  /** Features beyond the resource model's calibrated ranges (its figures are extrapolated). */
  extrapolated?: string[];
}

export interface DeviceFront {
  device: string;
  /** Points on the front of throughput against DSPs, and against LUTs (indices into points). */
  byDsps: number[];
  byLuts: number[];
}

export interface Exploration {
  workload: string;
  images: number;
  base: string;
  points: ExplorePoint[];
  fronts: DeviceFront[];
  seconds: number;
  threads: number;
}

export async function explore(workload: string, space: Space, predict: ResourcePredictor, opts: ExploreOptions = {}): Promise<Exploration> {
  const started = performance.now();
  const images = loadWorkloadRef(workload).reduce((n, j) => n + j.batch, 0);
  const configs = spaceConfigs(space);
  const tasks: PointTask[] = configs.flatMap((c, k) => space.policies.map((policy, p) => ({ index: k * space.policies.length + p, input: c.input, policy })));
  const cycles = await evaluatePoints(workload, tasks, opts);
  const points: ExplorePoint[] = tasks.map((t, i) => {
    const c = cycles[i];
    const point: ExplorePoint = { index: t.index, setting: configs[Math.floor(t.index / space.policies.length)].setting, policy: t.policy };
    if (c.invalid !== undefined) return { ...point, invalid: c.invalid };
    const cfg = resolveConfig(t.input, 'the design space');
    const resources = predict(cfg);
    return {
      ...point,
      configHash: c.configHash,
      cycles: c.cycles,
      imagesPerSecond: (images * cfg.clockMhz * 1e6) / c.cycles!,
      boundRatio: c.boundRatio,
      peUtilization: c.peUtilization,
      resources,
      fits: space.devices.filter((d) => fitsDevice(resources, d)),
      ...(opts.outsideCalibration ? { extrapolated: opts.outsideCalibration(cfg) } : {}),
    };
  });
  const fronts = space.devices.map((device) => {
    const fitting = points.filter((p) => p.fits?.includes(device));
    const front = (cost: (r: PointResources) => number) =>
      paretoFront(fitting.map((p) => ({ throughput: p.imagesPerSecond!, cost: cost(p.resources!) }))).map((i) => fitting[i].index);
    return { device, byDsps: front((r) => r.dsps), byLuts: front((r) => r.luts) };
  });
  return { workload, images, base: space.baseName, points, fronts, seconds: (performance.now() - started) / 1000, threads: opts.threads ?? 0 };
}

/** The predicted resources fit the device (every kind within its capacity). */
export function fitsDevice(r: PointResources, deviceName: string): boolean {
  const d = findDevice(deviceName);
  if (!d) return false;
  return r.luts <= d.luts && r.ffs <= d.ffs && r.dsps <= d.dsps && r.brams <= d.brams;
}
