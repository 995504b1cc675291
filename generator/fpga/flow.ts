// The synthesis flow: generate the design, synthesize it with Yosys for a target, check the
// quality gates (check -assert, no latches, MACs on DSP blocks, buffers in block RAM), compare
// the resources with the device, optionally place and route on iCE40 for an Fmax figure, and
// write the netlist, logs and a machine-readable report.
import type { ResolvedConfig } from '../config/resolve.ts';
import { loadConfig } from '../config/resolve.ts';
import type { Design } from '../arch/design.ts';
import { MULTIPLIERS } from '../blocks/pe-array/block.ts';
import { generatedHeaderLines, generateFiles, type FileMap, type Generated } from '../emit/generate.ts';
import { checkOutputDir, writeOutputDir } from '../output-dir.ts';
import { render } from '../emit/templates.ts';
import { InputError } from '../errors.ts';
import { chooseToolSource, nextpnrPhase, runNextpnrIce40, runYosys, yosysStep, type OnLine, type ToolSource } from '../tools/fpga-tools.ts';
import type { Progress } from '../progress.ts';
import { defaultCacheDir, expectedSeconds, openCache, readHistory, recordTiming } from '../tools/sim-cache.ts';
import { DEFAULT_DEVICE, DEVICES, findDevice, type Device, type Target } from './devices.ts';
import { breakdown, classify, type Breakdown, type Resources } from './resources.ts';
import { flattenCells, parseStat } from './stat.ts';
import type { PNR_MODULES as PNR_MODULE_NAMES } from '../config/ranges.ts';

export interface SynthOptions {
  preset?: string;
  config?: string;
  /** The design, already elaborated and generated (the CLI's): else elaborated from preset/config. */
  generated?: Generated;
  target: Target;
  device?: string;
  out: string;
  /** Replace the tool's own files in --out even when they were edited since. */
  force?: boolean;
  tools?: ToolSource;
  /** Place and route (iCE40 only); default on for iCE40. */
  pnr?: boolean;
  /** What to place and route: the whole accelerator (default) or one engine alone, for the
   * datapath's timing when the whole design is too big for the part. */
  pnrModule?: PnrModule;
  log?: (message: string) => void;
  /** Progress of Yosys (its passes) and nextpnr (its phases), with an ETA from the previous
   * synthesis of the design recorded in the simulator cache's history; its log() replaces `log`. */
  progress?: Progress;
}

/**
 * A tool run shown as a progress task: its output lines give the detail, a previous run of the
 * same kind on the same design the expected time (recorded in the cache's history, best effort).
 */
async function timedStep<T extends { seconds: number }>(
  progress: Progress | undefined,
  title: string,
  timing: { kind: string; design: string; size: number },
  detailOf: (line: string) => string | undefined,
  run: (onLine?: OnLine) => Promise<T>,
): Promise<T> {
  if (!progress) return run();
  let root: string | undefined;
  try {
    root = openCache(defaultCacheDir());
  } catch {
    // No cache folder of ours: no history, no ETA.
  }
  const task = progress.task(title, { expectedSeconds: root ? expectedSeconds(readHistory(root), timing.kind, timing.design, timing.size) : undefined });
  try {
    const result = await run((line) => {
      const detail = detailOf(line);
      if (detail !== undefined) task.update(undefined, detail);
    });
    if (root) recordTiming(root, { ...timing, seconds: result.seconds });
    return result;
  } finally {
    task.end();
  }
}

export type PnrModule = (typeof PNR_MODULE_NAMES)[number];
const PNR_MODULES: Record<PnrModule, string> = { top: 'sf_top', engine: 'sf_engine' };

export interface PnrResult {
  /** The module placed and routed (sf_top, or sf_engine alone). */
  module: string;
  /** Logic cells (a LUT, a flip-flop and a carry each) and block RAMs after packing. */
  logicCells: { used: number; capacity: number };
  rams: { used: number; capacity: number };
  /** Absent when the packed design does not fit and was not placed. */
  fmaxMhz?: number;
  constraintMhz: number;
  passed: boolean;
}

export interface Gate {
  name: string;
  passed: boolean;
  detail: string;
}

export interface SynthReport {
  config: { name: string; hash: string; source: string; engines: number; macs: number; clockMhz: number };
  target: Target;
  device?: { name: string; description: string; capacity: Pick<Device, 'luts' | 'ffs' | 'dsps' | 'brams'> };
  /** The builds run: `source` Yosys's (and nextpnr's), `nextpnrSource` nextpnr's where it differs
   * (the npm build of one installed, not the other's). */
  tools: { source: ToolSource; nextpnrSource?: ToolSource; yosysSeconds: number; pnrYosysSeconds?: number; nextpnrSeconds?: number };
  resources: Breakdown;
  /** Share of the device's capacity used (1.0 = full). */
  shares?: { luts: number; ffs: number; dsps: number; brams: number };
  fits: boolean;
  macs: number;
  /** DSP blocks in the MAC arrays, and MACs per DSP block (xc7, ice40 with DSPs). */
  macDsps: number;
  macsPerDsp: number | null;
  gates: Gate[];
  pnr?: PnrResult;
  passed: boolean;
  problems: string[];
}

const SHELL_TOP = 'sf_pnr_shell';

export function yosysScript(target: Target, sources: string[], device: Device | undefined, top: string, inlined: readonly string[] = []): string {
  const read = `read_verilog -sv ${sources.join(' ')}`;
  // The instances of modules marked synthInline are flattened into their parents; every other
  // module keeps its hierarchy (and its line in the report).
  const inline = inlined.length > 0 ? [`flatten ${inlined.map((m) => `t:${m}`).join(' ')}`] : [];
  // Latches are found before technology mapping hides them; check -assert fails on combinational
  // loops, multiple drivers and undriven wires, both before and after synthesis.
  const front = [read, `hierarchy -check -top ${top}`, 'proc', ...inline, 'select -assert-none t:$dlatch t:$adlatch t:$dlatchsr', 'check -assert'];
  switch (target) {
    case 'xc7':
      return [...front, `synth_xilinx -top ${top} -family xc7`, 'check -assert', 'stat -tech xilinx', 'write_verilog -noattr netlist.v'].join('; ');
    case 'ice40': {
      const dsp = device && device.dsps > 0 ? ' -dsp' : '';
      return [...front, `synth_ice40 -top ${top} -noflatten${dsp}`, 'check -assert', 'stat', 'write_verilog -noattr netlist.v'].join('; ');
    }
    case 'generic':
      // Technology-independent: word-level cells before multipliers are merged into adders, and
      // memories kept as memories; the report counts multipliers, flip-flop bits and memories.
      return [...front, 'opt', 'wreduce', 'opt_clean', 'memory -nomap', 'opt', 'check -assert', 'stat -width', 'write_verilog -noattr netlist.v'].join('; ');
  }
}

/** Place-and-route netlist: the shell around the module, synthesized flat (as nextpnr takes it;
 * flattening lets constants and unused logic cross module boundaries). */
export function pnrYosysScript(sources: string[], device: Device): string {
  const dsp = device.dsps > 0 ? ' -dsp' : '';
  return [`read_verilog -sv ${sources.join(' ')}`, `hierarchy -check -top ${SHELL_TOP}`, `synth_ice40 -top ${SHELL_TOP}${dsp}`, 'check -assert', 'write_json netlist.json'].join('; ');
}

function resolveDevice(target: Target, name: string | undefined): Device | undefined {
  if (target === 'generic') {
    if (name !== undefined) throw new InputError([{ file: 'command line', field: '--device', expected: 'no device with --target generic', found: name }]);
    return undefined;
  }
  const deviceName = name ?? DEFAULT_DEVICE[target]!;
  const device = findDevice(deviceName);
  const known = DEVICES.filter((d) => d.target === target).map((d) => d.name);
  if (!device || device.target !== target) {
    throw new InputError([{ file: 'command line', field: '--device', expected: `a ${target} device (${known.join(', ')})`, found: JSON.stringify(deviceName) }]);
  }
  return device;
}

/** Inputs and outputs of a module (but clock and reset) packed into the shell's vectors. */
function shellPorts(design: Design, moduleName: string) {
  const module = [design.top, ...design.modules, ...design.leaves].find((m) => m.name === moduleName);
  if (!module) throw new Error(`internal: no module ${moduleName} in the design`);
  const inputs: { name: string; offset: number; width: number }[] = [];
  const outputs: { name: string; offset: number; width: number }[] = [];
  let inBits = 0;
  let outBits = 0;
  for (const p of module.ports) {
    if (p.name === 'clk_i' || p.name === 'rst_ni') continue;
    if (p.dir === 'input') {
      inputs.push({ name: p.name, offset: inBits, width: p.width });
      inBits += p.width;
    } else {
      outputs.push({ name: p.name, offset: outBits, width: p.width });
      outBits += p.width;
    }
  }
  return { inputs, outputs, inBits, outBits };
}

export function shellSource(design: Design, moduleName = 'sf_top'): string {
  const ports = shellPorts(design, moduleName);
  const body = render('rtl/sf_pnr_shell.sv.hbs', { ...ports, module: moduleName });
  return [
    ...generatedHeaderLines(design.cfg).map((line) => `// ${line}`),
    '// Place-and-route shell around the design (synth flow only): its ports on two pins.',
    '`default_nettype none',
    `module ${SHELL_TOP} (`,
    '  input  wire clk_i,',
    '  input  wire rst_ni,',
    '  input  wire seed_i,',
    '  output wire out_o',
    ');',
    `  localparam integer IN_BITS = ${ports.inBits};`,
    `  localparam integer OUT_BITS = ${ports.outBits};`,
    body.trimEnd(),
    'endmodule',
    '`default_nettype wire',
    '',
  ].join('\n');
}

function share(used: number, capacity: number): number {
  return capacity > 0 ? used / capacity : used > 0 ? Infinity : 0;
}

export function gatesFor(target: Target, design: Design, stat: ReturnType<typeof parseStat>, total: Resources): { gates: Gate[]; macDsps: number } {
  const { cfg, params: p } = design;
  const gates: Gate[] = [];
  gates.push({ name: 'check -assert', passed: true, detail: 'no combinational loops, multiple drivers or undriven wires' });
  gates.push({ name: 'no latches', passed: total.latches === 0, detail: total.latches === 0 ? 'no latch cells' : `${total.latches} latch cells` });
  const compute = stat.modules.sf_compute ? classify(flattenCells(stat, 'sf_compute'), target) : undefined;
  const macDsps = compute && target !== 'generic' ? compute.dsps * cfg.engines : 0;
  if (target === 'xc7' && !MULTIPLIERS[p.multiplier].onDsp) {
    gates.push({ name: 'MACs on DSP blocks', passed: true, detail: `not applicable: pe.multiplier is ${p.multiplier}, so the ${cfg.macs} MACs are built in logic by choice` });
  } else if (target === 'xc7') {
    const perEngine = cfg.pe.tn * cfg.pe.tm;
    // Every product of the array on its own DSP block, and no DSP block spent elsewhere.
    const ok = !!compute && compute.dsps === perEngine && total.dsps === macDsps;
    gates.push({
      name: 'MACs on DSP blocks',
      passed: ok,
      detail: `${cfg.macs} MACs on ${macDsps} DSP48E1 (${total.dsps} DSP48E1 in the design)`,
    });
  }
  if (target !== 'generic') {
    // Storage in block RAM: no LUT RAM, and no more flip-flops than output registers and the
    // select bits of a buffer split over several RAM blocks (a few per data bit at most).
    const widths: Record<string, number> = { sf_sdp_ram_in: p.busBits, sf_sdp_ram_w: p.busBits, sf_sdp_ram_acc: p.tm * 32 };
    const rams = Object.keys(stat.modules).filter((m) => m.startsWith('sf_sdp_ram_'));
    const bad = rams.filter((m) => {
      const r = classify(flattenCells(stat, m), target);
      return r.brams === 0 || r.lutram > 0 || r.ffs > 3 * (widths[m] ?? 32) + 16;
    });
    gates.push({
      name: 'buffers in block RAM',
      passed: rams.length > 0 && bad.length === 0,
      detail: bad.length === 0 ? `${rams.join(', ')} map to block RAM` : `${bad.join(', ')} use LUTs or flip-flops for storage`,
    });
  }
  return { gates, macDsps };
}

/** The modules synthesis flattens into their parents: those marked synthInline. */
export function inlinedModules(design: Design): string[] {
  return [...design.modules, ...design.leaves].filter((m) => m.synthInline).map((m) => m.name);
}

export async function synthesize(opts: SynthOptions): Promise<SynthReport> {
  const progress = opts.progress;
  const log = progress ? (m: string) => progress.log(m) : (opts.log ?? (() => {}));
  const cfg = opts.generated?.design.cfg ?? loadConfig({ preset: opts.preset, config: opts.config });
  const outOptions = { force: opts.force, inputs: opts.config ? [opts.config] : [] };
  checkOutputDir(opts.out, 'synth', outOptions);
  const device = resolveDevice(opts.target, opts.device);
  const pnr = opts.target === 'ice40' && (opts.pnr ?? true);
  const pnrModule = opts.pnrModule ?? 'top';
  // The tools are found (or their absence reported, exit 3) before any work.
  const requested = opts.tools ?? 'npm';
  const yosysChoice = await chooseToolSource('yosys', requested);
  const pnrChoice = pnr ? await chooseToolSource('nextpnr-ice40', requested) : undefined;
  for (const note of [yosysChoice.note, pnrChoice?.note]) if (note) log(note);
  const tools = yosysChoice.source;
  const { design, files } = opts.generated ?? generateFiles(cfg);
  const sources = [...files.keys()].filter((p) => p.endsWith('.sv'));
  const inputs = new Map<string, string>(sources.map((p) => [p, String(files.get(p))]));
  const top = 'sf_top';

  log(`synthesizing ${cfg.source} for ${opts.target}${device ? ` (${device.description})` : ''} with ${tools === 'npm' ? '@yowasp/yosys' : 'system yosys'}`);
  const size = [...inputs.values()].reduce((n, text) => n + text.length, 0);
  const synthDesign = `${cfg.hash} ${device?.name ?? ''}`;
  const step = yosysStep();
  const yosys = await timedStep(progress, 'Yosys', { kind: `yosys-${opts.target}-${tools}`, design: synthDesign, size }, step, (onLine) =>
    runYosys(tools, yosysScript(opts.target, sources, device, top, inlinedModules(design)), inputs, ['netlist.v', 'netlist.json'], onLine));
  log(`yosys: ${yosys.seconds.toFixed(1)} s`);
  const stat = parseStat(yosys.log);
  const resources = breakdown(stat, opts.target, cfg.engines);
  const { gates, macDsps } = gatesFor(opts.target, design, stat, resources.total);
  const problems = gates.filter((g) => !g.passed).map((g) => `gate "${g.name}" failed: ${g.detail}`);

  let shares: SynthReport['shares'];
  // What must fit: the design, or the engine when it is placed and routed alone. Yosys's counts
  // estimate it; where nextpnr packs the netlist, its logic cells decide instead.
  const placed = pnr && pnrModule === 'engine' ? resources.perEngine : resources.total;
  const placedName = pnr && pnrModule === 'engine' ? 'one engine' : 'the design';
  let fitProblems: string[] = [];
  if (device) {
    shares = {
      luts: share(resources.total.luts, device.luts),
      ffs: share(resources.total.ffs, device.ffs),
      dsps: share(resources.total.dsps, device.dsps),
      brams: share(resources.total.brams, device.brams),
    };
    fitProblems = (['luts', 'ffs', 'dsps', 'brams'] as const)
      .filter((what) => placed[what] > device[what])
      .map((what) => `${placedName} does not fit ${device.description} (${device.name}): needs ${placed[what]} ${what.toUpperCase()}, the device has ${device[what]}`);
  }

  const report: SynthReport = {
    config: { name: cfg.name, hash: cfg.hash, source: cfg.source, engines: cfg.engines, macs: cfg.macs, clockMhz: cfg.clockMhz },
    target: opts.target,
    device: device ? { name: device.name, description: device.description, capacity: { luts: device.luts, ffs: device.ffs, dsps: device.dsps, brams: device.brams } } : undefined,
    tools: { source: tools, yosysSeconds: yosys.seconds },
    resources,
    shares,
    fits: false,
    macs: cfg.macs,
    macDsps,
    macsPerDsp: macDsps > 0 ? cfg.macs / macDsps : null,
    gates,
    passed: false,
    problems,
  };

  const out: FileMap = new Map(files);
  out.set('synth/netlist.v', yosys.outputs.get('netlist.v') ?? '');
  out.set('synth/yosys.log', yosys.log);

  // Place and route when the Yosys estimate is near enough the device for packing to decide
  // (flat synthesis and packing can save a little; a design far over is not worth the time).
  const nextpnrDevice = pnr && device?.nextpnr ? { ...device, nextpnr: device.nextpnr } : undefined;
  const pnrWorthTrying = !!nextpnrDevice && placed.luts <= 1.5 * nextpnrDevice.luts && placed.brams <= nextpnrDevice.brams && placed.dsps <= nextpnrDevice.dsps;
  if (nextpnrDevice && !pnrWorthTrying) {
    log(`not placing and routing: ${placedName} is far over the device's capacity`);
  } else if (nextpnrDevice) {
    const module = PNR_MODULES[pnrModule];
    const shell = shellSource(design, module);
    out.set('fpga/sf_pnr_shell.sv', shell);
    try {
      const result = await placeAndRoute(cfg, nextpnrDevice, module, { yosys: tools, nextpnr: pnrChoice!.source }, new Map([...inputs, ['fpga/sf_pnr_shell.sv', shell]]), [...sources, 'fpga/sf_pnr_shell.sv'], log, progress);
      report.tools.nextpnrSeconds = result.nextpnrSeconds;
      if (pnrChoice!.source !== tools) report.tools.nextpnrSource = pnrChoice!.source;
      report.tools.pnrYosysSeconds = result.yosysSeconds;
      out.set('synth/pnr-yosys.log', result.yosysLog);
      out.set('synth/nextpnr.log', result.nextpnrLog);
      report.pnr = result.pnr;
      const { logicCells, rams } = result.pnr;
      fitProblems = [];
      if (logicCells.used > logicCells.capacity || rams.used > rams.capacity) {
        fitProblems.push(`${module} does not fit ${nextpnrDevice.description} (${nextpnrDevice.name}) after packing: needs ${logicCells.used} logic cells and ${rams.used} block RAMs, the device has ${logicCells.capacity} and ${rams.capacity}`);
      } else if (result.pnr.fmaxMhz === undefined) {
        problems.push('nextpnr reported no maximum frequency');
      } else if (!result.pnr.passed) {
        problems.push(`timing: ${module} reaches ${result.pnr.fmaxMhz} MHz, below the ${cfg.clockMhz} MHz constraint`);
      }
    } catch (err) {
      problems.push(`place and route failed: ${(err as Error).message.split('\n').slice(-6).join(' | ')}`);
    }
  }
  report.fits = fitProblems.length === 0;
  problems.push(...fitProblems);
  report.passed = problems.length === 0;
  out.set('synth/report.json', JSON.stringify(report, (_k, v) => (v === Infinity ? 'Infinity' : v), 2) + '\n');
  writeOutputDir(opts.out, out, 'synth', outOptions);
  return report;
}

/** Flat synthesis of the shell around the module, nextpnr packing, and (when the packed design
 * fits) placement and routing at the configured clock. */
async function placeAndRoute(
  cfg: ResolvedConfig,
  device: Device & { nextpnr: NonNullable<Device['nextpnr']> },
  module: string,
  tools: { yosys: ToolSource; nextpnr: ToolSource },
  inputs: Map<string, string>,
  sources: string[],
  log: (message: string) => void,
  progress?: Progress,
): Promise<{ pnr: PnrResult; yosysSeconds: number; yosysLog: string; nextpnrSeconds: number; nextpnrLog: string }> {
  const size = [...inputs.values()].reduce((n, text) => n + text.length, 0);
  const timing = (kind: string, source: ToolSource) => ({ kind: `${kind}-${source}`, design: `${cfg.hash} ${device.name} ${module}`, size });
  const yosys = await timedStep(progress, `Yosys (flat, ${module})`, timing('yosys-pnr', tools.yosys), yosysStep(), (onLine) => runYosys(tools.yosys, pnrYosysScript(sources, device), inputs, ['netlist.json'], onLine));
  log(`yosys (flat, ${module} in the place-and-route shell): ${yosys.seconds.toFixed(1)} s`);
  const netlist = new Map([['netlist.json', yosys.outputs.get('netlist.json') ?? '']]);
  const common = [device.nextpnr.device, '--package', device.nextpnr.package, '--json', 'netlist.json', '--freq', String(cfg.clockMhz), '--pcf-allow-unconstrained', '--seed', '1'];
  const packed = await timedStep(progress, 'nextpnr packing', timing('nextpnr-pack', tools.nextpnr), nextpnrPhase, (onLine) => runNextpnrIce40(tools.nextpnr, [...common, '--pack-only'], netlist, [], onLine));
  const usage = parseUtilisation(packed.log);
  if (!usage) throw new Error('nextpnr reported no device utilisation after packing');
  log(`nextpnr packing: ${usage.logicCells.used} of ${usage.logicCells.capacity} logic cells`);
  const pnr: PnrResult = { module, ...usage, constraintMhz: cfg.clockMhz, passed: false };
  if (usage.logicCells.used > usage.logicCells.capacity || usage.rams.used > usage.rams.capacity) {
    return { pnr, yosysSeconds: yosys.seconds, yosysLog: yosys.log, nextpnrSeconds: packed.seconds, nextpnrLog: packed.log };
  }
  log(`placing and routing ${module} on ${device.name} with ${tools.nextpnr === 'npm' ? '@yowasp/nextpnr-ice40' : 'system nextpnr-ice40'}`);
  const routed = await timedStep(progress, 'nextpnr', timing('nextpnr-route', tools.nextpnr), nextpnrPhase, (onLine) => runNextpnrIce40(tools.nextpnr, [...common, '--asc', 'sf_top.asc'], netlist, [], onLine));
  const fmax = parseFmax(routed.log);
  if (fmax !== undefined) {
    pnr.fmaxMhz = fmax;
    pnr.passed = fmax >= cfg.clockMhz;
  }
  return { pnr, yosysSeconds: yosys.seconds, yosysLog: yosys.log, nextpnrSeconds: packed.seconds + routed.seconds, nextpnrLog: routed.log };
}

/** Logic cells and block RAMs in use after packing, from nextpnr's "Device utilisation". */
export function parseUtilisation(log: string): Pick<PnrResult, 'logicCells' | 'rams'> | undefined {
  const lc = /ICESTORM_LC:\s+(\d+)\/\s*(\d+)/.exec(log);
  const ram = /ICESTORM_RAM:\s+(\d+)\/\s*(\d+)/.exec(log);
  if (!lc || !ram) return undefined;
  return { logicCells: { used: Number(lc[1]), capacity: Number(lc[2]) }, rams: { used: Number(ram[1]), capacity: Number(ram[2]) } };
}

/** The final "Max frequency for clock" figure of a nextpnr log, in MHz. */
export function parseFmax(log: string): number | undefined {
  let fmax: number | undefined;
  for (const m of log.matchAll(/Max frequency for clock '[^']*': ([\d.]+) MHz/g)) fmax = Number(m[1]);
  return fmax;
}
