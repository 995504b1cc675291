// The resource model's calibration data: configurations synthesized for xc7 with Yosys, each
// with the resources measured per part of the design. scripts/calibrate-resources.ts writes the
// fixture (calibration.json, next to this file); the model fits its coefficients to it.
import { readFileSync } from 'node:fs';
import { assetPath } from '../paths.ts';
import type { ConfigInput } from '../config/schema.ts';
import { resolveConfig, type ResolvedConfig } from '../config/resolve.ts';

/** Resources of one part, as synth's report.json counts them (xc7: LUT6-equivalents including
 * LUT RAM, flip-flops, DSP48E1, RAMB36 equivalents). */
export interface PartResources {
  luts: number;
  ffs: number;
  dsps: number;
  brams: number;
}

export const PART_NAMES = ['engine', 'interconnect', 'controller', 'registers'] as const;
export type PartName = (typeof PART_NAMES)[number];

export interface CalibrationPoint {
  /** Short label: a preset's name or what the configuration varies. */
  name: string;
  /** Kept out of the fit: a test of the model on a size it was not fitted to. */
  holdout?: boolean;
  /** The configuration as synthesized (a preset's input copied, so the point outlives edits to
   * the presets). */
  config: ConfigInput;
  /** The resolved config's hash at measurement time. */
  hash: string;
  /** Yosys's version line, and the generator commit whose RTL was measured ("+dirty" with
   * uncommitted changes). */
  yosys: string;
  commit: string;
  yosysSeconds: number;
  measured: {
    total: PartResources & { lutram: number };
    /** Parts as report.json breaks them down; `engine` is one engine. `top` is the few cells of
     * the top module itself. */
    parts: Record<PartName | 'top', PartResources & { lutram: number }>;
    /** Units inside the parts, by module (sf_compute, sf_loader, sf_writer: one engine's). */
    blocks: Record<string, PartResources & { lutram: number }>;
  };
}

export interface CalibrationFixture {
  target: 'xc7';
  /** The command that rewrites the fixture. */
  command: string;
  points: CalibrationPoint[];
}

export const CALIBRATION_FILE = assetPath(import.meta.url, './calibration.json');

export function loadCalibration(file: URL | string = CALIBRATION_FILE): CalibrationFixture {
  return JSON.parse(readFileSync(file, 'utf8')) as CalibrationFixture;
}

/** The points the model is fitted to, and those held out to test it. */
export function splitCalibration(fixture: CalibrationFixture): { fit: CalibrationPoint[]; holdout: CalibrationPoint[] } {
  return { fit: fixture.points.filter((p) => !p.holdout), holdout: fixture.points.filter((p) => p.holdout) };
}

/** A point's configuration, resolved as the generator resolves it. */
export function pointConfig(point: CalibrationPoint): ResolvedConfig {
  return resolveConfig(point.config, `calibration point ${point.name}`);
}

/** A point's measured parts as the model predicts them: the top module's own few cells count
 * with the interconnect (they are glue between the blocks). */
export function measuredParts(point: CalibrationPoint): Record<PartName, PartResources> {
  const { parts } = point.measured;
  const strip = ({ luts, ffs, dsps, brams }: PartResources): PartResources => ({ luts, ffs, dsps, brams });
  return {
    engine: strip(parts.engine),
    interconnect: { luts: parts.interconnect.luts + parts.top.luts, ffs: parts.interconnect.ffs + parts.top.ffs, dsps: parts.interconnect.dsps + parts.top.dsps, brams: parts.interconnect.brams + parts.top.brams },
    controller: strip(parts.controller),
    registers: strip(parts.registers),
  };
}
