// Re-synthesizes the resource model's calibration configurations for xc7 with Yosys, one at a
// time, and rewrites generator/explore/calibration.json (after each synthesis, so an
// interrupted run keeps what it measured). Each synthesis takes 1 to 5 minutes.
//
//   nice -n 15 npx tsx scripts/calibrate-resources.ts [--only NAME,NAME] [--tools npm|system] [--out DIR]
//
// --only re-measures the named points and keeps the others from the fixture. --reparse rebuilds
// the points from the synthesis folders a previous run left in --out (DIR/cal-NAME), without
// synthesizing (for a change to what the fixture keeps).
// Yosys 0.55 (the pinned npm build) by default; --tools system uses the system's yosys.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { presets } from '../generator/config/presets.ts';
import { resolveConfig } from '../generator/config/resolve.ts';
import type { ConfigInput } from '../generator/config/schema.ts';
import { CALIBRATION_FILE, type CalibrationFixture, type CalibrationPoint, type PartResources } from '../generator/explore/calibration.ts';
import { synthesize, type SynthReport } from '../generator/fpga/flow.ts';
import { classify, type Resources } from '../generator/fpga/resources.ts';
import { flattenCells, parseStat } from '../generator/fpga/stat.ts';
import type { ToolSource } from '../generator/tools/fpga-tools.ts';

const COMMAND = 'nice -n 15 npx tsx scripts/calibrate-resources.ts';

/** The presets, and sizes chosen so that the model's features (engines, tn, tm, load ports,
 * post-processing lanes, data width, multiplier, address and loop widths, controller window)
 * vary independently of one another. */
const POINTS: { name: string; config: ConfigInput; holdout?: true }[] = [
  { name: 'tiny', config: presets.tiny },
  { name: 'micro', config: presets.micro },
  { name: 'default', config: presets.default },
  { name: 'paper', config: presets.paper },
  { name: 'e2-8x8-c1', config: { name: 'e2_8x8_c1', engines: 2, pe: { tn: 8, tm: 8 }, memory: { channels: 1 } } },
  { name: 'e4-8x16-c2', config: { name: 'e4_8x16_c2', engines: 4, pe: { tn: 8, tm: 16 }, buffers: { inputWords: 4096 }, memory: { channels: 2 } } },
  { name: 'e2-16x16-c1-pl4', config: { name: 'e2_16x16_c1_pl4', engines: 2, pe: { tn: 16, tm: 16, postLanes: 4 }, memory: { channels: 1 } } },
  { name: 'e2-4x8-d16-c2', config: { name: 'e2_4x8_d16_c2', dataBits: 16, engines: 2, pe: { tn: 4, tm: 8 }, buffers: { accWords: 512 }, memory: { channels: 2 } } },
  { name: 'e2-8x8-booth-w8', config: { name: 'e2_8x8_booth_w8', engines: 2, pe: { tn: 8, tm: 8, multiplier: 'booth' }, memory: { addressBits: 24 }, controller: { window: 8, counters: 128 } } },
  { name: 'e1-4x16-c4', config: { name: 'e1_4x16_c4', engines: 1, pe: { tn: 4, tm: 16 }, buffers: { weightWords: 64 }, memory: { channels: 4, maxOutstanding: 16 }, controller: { window: 16 } } },
  // Held out of the fit, to test the model on sizes it was not fitted to: one inside the
  // calibrated ranges, one beyond them (12 engines, tm 32, 8 channels and load ports).
  { name: 'h1-e6-8x8-c2-pl2', holdout: true, config: { name: 'h1', engines: 6, pe: { tn: 8, tm: 8, postLanes: 2 }, memory: { channels: 2, addressBits: 28 }, controller: { window: 6, counters: 128 } } },
  { name: 'h2-e12-8x32-c8', holdout: true, config: { name: 'h2', engines: 12, pe: { tn: 8, tm: 32 }, buffers: { inputWords: 4096, accWords: 512 }, memory: { channels: 8 } } },
];

/** Modules whose resources the fixture keeps too: the units inside the parts. */
const BLOCK_MODULES = ['sf_compute', 'sf_loader', 'sf_writer', 'sf_controller', 'sf_dep_counters', 'sf_trace_unit', 'sf_mem_xbar', 'sf_group_bus'];

function parts(r: Resources): PartResources & { lutram: number } {
  return { luts: r.luts, ffs: r.ffs, dsps: r.dsps, brams: r.brams, lutram: r.lutram };
}

function gitCommit(): string {
  const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' }).trim();
  // Changes that can alter the RTL: the generator (but the resource model itself) and templates.
  const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'generator', 'templates', ':(exclude)generator/explore'], { encoding: 'utf8' }).trim() !== '';
  return dirty ? `${head}+dirty` : head;
}

async function measure(point: (typeof POINTS)[number], tools: ToolSource, outRoot: string): Promise<CalibrationPoint> {
  const dir = join(outRoot, `cal-${point.name}`);
  const configFile = join(outRoot, `cal-${point.name}.json`);
  writeFileSync(configFile, JSON.stringify(point.config, null, 2));
  rmSync(dir, { recursive: true, force: true });
  const cfg = resolveConfig(point.config, configFile);
  console.log(`${point.name}: synthesizing (${cfg.engines} engines, ${cfg.pe.tn} x ${cfg.pe.tm}, ${cfg.memory.channels} channels)`);
  await synthesize({ config: configFile, target: 'xc7', out: dir, tools });
  return pointFromOutput(point, dir, gitCommit());
}

/** A calibration point from a synthesis output folder (synth/report.json and synth/yosys.log). */
function pointFromOutput(point: (typeof POINTS)[number], dir: string, commit: string): CalibrationPoint {
  const cfg = resolveConfig(point.config, point.name);
  const report = JSON.parse(readFileSync(join(dir, 'synth/report.json'), 'utf8')) as SynthReport;
  if (report.config.hash !== cfg.hash) throw new Error(`${dir} holds config ${report.config.hash}, not ${point.name}'s ${cfg.hash}`);
  const failed = report.gates.filter((g) => !g.passed).map((g) => g.name);
  if (failed.length > 0) throw new Error(`${point.name}: gates failed (${failed.join(', ')}); not a calibration point`);
  const log = readFileSync(join(dir, 'synth/yosys.log'), 'utf8');
  const yosys = /^\s*(Yosys \d+\.\d+[^\n]*)/m.exec(log)?.[1].trim() ?? 'unknown';
  const stat = parseStat(log);
  const blocks = Object.fromEntries(
    BLOCK_MODULES.filter((m) => stat.modules[m]).map((m) => [m, parts(classify(flattenCells(stat, m), 'xc7'))]),
  );
  const b = report.resources;
  console.log(`${point.name}: ${b.total.luts} LUTs, ${b.total.ffs} FFs, ${b.total.dsps} DSPs, ${b.total.brams} BRAMs in ${report.tools.yosysSeconds.toFixed(0)} s`);
  return {
    name: point.name,
    ...(point.holdout ? { holdout: true } : {}),
    config: point.config,
    hash: cfg.hash,
    yosys,
    commit,
    yosysSeconds: Math.round(report.tools.yosysSeconds),
    measured: {
      total: parts(b.total),
      parts: { engine: parts(b.perEngine), interconnect: parts(b.interconnect), controller: parts(b.controller), registers: parts(b.registers), top: parts(b.top) },
      blocks,
    },
  };
}

function writeFixture(points: CalibrationPoint[]): void {
  const ordered = POINTS.map((p) => points.find((q) => q.name === p.name)).filter((p): p is CalibrationPoint => !!p);
  const fixture: CalibrationFixture = { target: 'xc7', command: COMMAND, points: ordered };
  writeFileSync(CALIBRATION_FILE, compactJson(fixture) + '\n');
}

/** JSON indented by two, with every object or array of plain values on one line (a resource
 * record, a config section), so the fixture reads as a table. */
function compactJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/([{[])\n\s*([^{}[\]]*?)\n\s*([}\]])/g, (_m, open: string, body: string, close: string) => {
    const inner = body.split(/,\n\s*/).join(', ');
    return open === '{' ? `{ ${inner} }` : `[${inner}]`;
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string' }, tools: { type: 'string', default: 'npm' }, out: { type: 'string', default: '/tmp' }, reparse: { type: 'boolean' } } });
  const tools = values.tools as ToolSource;
  if (tools !== 'npm' && tools !== 'system') throw new Error(`--tools: npm or system, not ${values.tools}`);
  const only = values.only?.split(',');
  const unknown = (only ?? []).filter((n) => !POINTS.some((p) => p.name === n));
  if (unknown.length > 0) throw new Error(`--only: no calibration point ${unknown.join(', ')} (known: ${POINTS.map((p) => p.name).join(', ')})`);
  for (const point of POINTS) resolveConfig(point.config, point.name); // every size valid before hours of synthesis
  mkdirSync(values.out!, { recursive: true });
  // Points are replaced as they are measured, so an interrupted run leaves a whole fixture.
  const previous = existsSync(CALIBRATION_FILE) ? (JSON.parse(readFileSync(CALIBRATION_FILE, 'utf8')) as CalibrationFixture).points : [];
  const points = previous.filter((p) => POINTS.some((q) => q.name === p.name));
  for (const point of POINTS.filter((p) => !only || only.includes(p.name))) {
    const before = points.find((p) => p.name === point.name);
    // A folder new to the fixture is taken to be a synthesis of the current RTL.
    const measured = values.reparse
      ? pointFromOutput(point, join(values.out!, `cal-${point.name}`), before?.hash === resolveConfig(point.config, point.name).hash ? before.commit : gitCommit())
      : await measure(point, tools, values.out!);
    const at = points.findIndex((p) => p.name === point.name);
    if (at >= 0) points[at] = measured;
    else points.push(measured);
    writeFixture(points);
  }
  console.log(`wrote ${CALIBRATION_FILE} (${points.length} points)`);
}

await main();
