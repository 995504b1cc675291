// Waveforms of a run (`synergyflow run --waves`): the checks of the options, and the GTKWave save
// file written beside the dump. The save file is made from the design's own structure (the top
// level's ports, wires and instances as the DSL built them, the registers the leaves declare), so
// that another size or engine count needs nothing here; it names the dump by its file name only
// (relative to the save file), never by an absolute path.
import type { Design } from '../arch/design.ts';
import type { LeafModule } from '../arch/leaves.ts';
import type { StructuralModule, ModuleInterface, PortDef } from '../dsl/module.ts';
import { InputError, type Problem } from '../errors.ts';
import type { FileMap } from '../output-dir.ts';
import type { Simulator, WaveFormat } from '../tools/sim.ts';
import { GENERATOR_VERSION } from '../version.ts';
import { WAVE_FORMATS as WAVE_FORMAT_NAMES } from '../config/ranges.ts';

export const WAVE_FORMATS: readonly WaveFormat[] = WAVE_FORMAT_NAMES;

/** What `run` is asked for: a dump format, and the window of run cycles it covers. */
export interface WavesOptions {
  waves?: WaveFormat;
  wavesFrom?: number;
  wavesTo?: number;
}

/** The dump's and the save file's names in the run folder. */
export const wavesFileName = (format: WaveFormat): string => `waves.${format}`;
export const GTKW_FILE = 'waves.gtkw';

/**
 * Refuses, before any work, waveform options that do not go together: a window without --waves,
 * an unknown format, a window that ends before it starts.
 */
export function checkWavesOptions(opts: WavesOptions): void {
  const problems: Problem[] = [];
  const add = (field: string, expected: string, found: string) => problems.push({ file: 'command line', field, expected, found });
  if (opts.waves !== undefined && !WAVE_FORMATS.includes(opts.waves)) add('--waves', `one of ${WAVE_FORMATS.join(', ')} (or nothing: ${WAVE_FORMATS[0]})`, JSON.stringify(opts.waves));
  for (const [field, value] of [['--waves-from', opts.wavesFrom], ['--waves-to', opts.wavesTo]] as const) {
    if (value === undefined) continue;
    if (opts.waves === undefined) add(field, '--waves too (a window of the waveform dump needs the dump)', `${field} ${value} without --waves`);
    else if (!Number.isSafeInteger(value) || value < 0) add(field, 'a cycle of the run, an integer of at least 0', String(value));
  }
  if (opts.wavesFrom !== undefined && opts.wavesTo !== undefined && opts.wavesTo < opts.wavesFrom) {
    add('--waves-to', `a cycle at or after --waves-from (${opts.wavesFrom})`, String(opts.wavesTo));
  }
  if (problems.length > 0) throw new InputError(problems);
}

/** The plusargs of the testbench's waveform block (tb/sf_tb.v) for these options. */
export function wavesPlusargs(opts: WavesOptions): Record<string, string | number> {
  if (!opts.waves) return {};
  return {
    waves: wavesFileName(opts.waves),
    ...(opts.wavesFrom !== undefined ? { waves_from: opts.wavesFrom } : {}),
    ...(opts.wavesTo !== undefined ? { waves_to: opts.wavesTo } : {}),
  };
}

interface Trace {
  /** Hierarchical name as the dump has it, the bit range included for a vector. */
  name: string;
  width: number;
}

interface Group {
  name: string;
  traces: Trace[];
}

/**
 * A signal's bit range as the dump names it: Verilator keeps a declared [0:0], Icarus names a
 * one-bit signal without a range.
 */
const rangeIn = (simulator: Simulator) => (width: number, vector = false): string =>
  width === 1 && !(vector && simulator === 'verilator') ? '' : `[${width - 1}:0]`;

/** Ports worth watching on a block's boundary: handshakes and the AXI channels, busy and done flags, task ids, errors. */
const INTERESTING_PORT = /^(s_|ch_|m_axi_|s_axil_)?(ar|aw|r|w|b)(valid|ready|last|addr|len|id|resp|data)?_|(valid|ready|last|busy|start|done|task|error|computing|abort|push|full|idle|fault|bad_desc|bus_error|irq|policy|bulk|clear|cycle)/;
/** The constant AXI fields the top level ties off: nothing to watch. */
const CONSTANT_PORT = /_(arsize|arburst|awsize|awburst|wstrb)_[io]$/;
/** State registers of the leaves (as their templates name them): run, busy and done flags, FSM states, counts of tasks, errors. */
const STATE_REGISTER = /^(active|run|running|stopping|busy|rd_busy|aw_busy|fetch|tw|kind|done|ld_done|in_done|error|error_code|bad|bad_desc|protocol_err|tasks|trace_idx|eng_alloc|eng_start|grp_run|valid|met|status_done|start|slot_kept)_q$/;

function portTraces(sim: Simulator, scope: string, ports: readonly PortDef[], keep: (p: PortDef) => boolean): Trace[] {
  return ports.filter((p) => p.name !== 'clk_i' && p.name !== 'rst_ni' && keep(p)).map((p) => ({ name: `${scope}.${p.name}${rangeIn(sim)(p.width, p.vector)}`, width: p.width }));
}

/**
 * The state registers a leaf's rendered RTL declares (`reg [W-1:0] name_q;`, no arrays), with
 * widths from its literal ranges or its localparams; a range this cannot evaluate is left out.
 */
function leafStateRegisters(sim: Simulator, leaf: LeafModule, text: string): { name: string; width: number }[] {
  const params = new Map(leaf.localparams);
  const value = (term: string): number | undefined => (/^\d+$/.test(term) ? Number(term) : params.get(term));
  const found: { name: string; width: number }[] = [];
  for (const m of text.matchAll(/^\s*reg\s+(?:\[\s*([A-Za-z_0-9]+)\s*(-\s*1)?\s*:\s*0\s*\]\s*)?([A-Za-z_][A-Za-z_0-9]*)\s*;/gm)) {
    const [, msbTerm, minusOne, name] = m;
    if (!STATE_REGISTER.test(name)) continue;
    let width = 1;
    if (msbTerm !== undefined) {
      const v = value(msbTerm);
      if (v === undefined) continue;
      width = (minusOne ? v - 1 : v) + 1;
    }
    found.push({ name: `${name}${rangeIn(sim)(width, msbTerm !== undefined)}`, width });
  }
  return found;
}

/**
 * The state registers of every leaf below an instance (through the DSL's structural modules;
 * a leaf's own sub-instances, inside its template, are not followed).
 */
function stateTraces(sim: Simulator, scope: string, module: ModuleInterface, design: Design, files: FileMap): Trace[] {
  const structural = structuralModules(design).get(module.name);
  if (structural) return structural.instances.flatMap((inst) => stateTraces(sim, `${scope}.${inst.name}`, inst.module, design, files));
  const leaf = design.leaves.find((l) => l.name === module.name);
  const text = files.get(`rtl/${module.name}.sv`);
  if (!leaf || typeof text !== 'string') return [];
  return leafStateRegisters(sim, leaf, text).map((r) => ({ name: `${scope}.${r.name}`, width: r.width }));
}

function structuralModules(design: Design): Map<string, StructuralModule> {
  return new Map([...design.modules, design.top].map((m) => [m.name, m]));
}

/** Human names of the top level's blocks, by instance name (anything else keeps its own). */
function blockTitle(instance: string, module: string): string {
  const engine = /^u_engine(\d+)$/.exec(instance);
  if (engine) return `Engine ${engine[1]}`;
  const titles: Record<string, string> = {
    u_csr: 'Register block',
    u_controller: 'Controller',
    u_dep: 'Dependency counters',
    u_trace: 'Trace unit',
    u_group_bus: 'Group bus',
    u_mem_xbar: 'Memory crossbar',
  };
  return `${titles[instance] ?? module} (${instance})`;
}

/** The groups of signals the save file shows, from the design's structure. */
export function waveGroups(design: Design, files: FileMap, simulator: Simulator): Group[] {
  const root = simulator === 'verilator' ? 'TOP.sf_tb' : 'sf_tb';
  // sf_top sits in the test system the testbench instantiates (tb/sf_tb_system.v).
  const dut = `${root}.u_system.u_dut`;
  const top = design.top;
  const wire = (name: string): Trace[] => {
    const w = top.wires.find((x) => x.name === name);
    return w ? [{ name: `${dut}.${w.name}${rangeIn(simulator)(w.width)}`, width: w.width }] : [];
  };
  const groups: Group[] = [
    {
      name: 'Run',
      traces: [
        { name: `${root}.clk`, width: 1 },
        { name: `${root}.rst_n`, width: 1 },
        { name: `${root}.irq`, width: 1 },
        ...['start', 'busy', 'cycle', 'tasks_done', 'error_code'].flatMap(wire),
      ],
    },
    { name: 'AXI4-Lite control port', traces: portTraces(simulator, dut, top.ports, (p) => p.name.startsWith('s_axil_')) },
    {
      name: design.cfg.memory.channels > 1 ? `AXI4 memory ports (${design.cfg.memory.channels} channels packed, channel 0 lowest)` : 'AXI4 memory port',
      traces: portTraces(simulator, dut, top.ports, (p) => p.name.startsWith('m_axi_') && !CONSTANT_PORT.test(p.name)),
    },
  ];
  // The register block, the controller and the rest in the top level's order; the engines last,
  // one group each.
  const instances = [...top.instances].sort((a, b) => Number(/^u_engine\d+$/.test(a.name)) - Number(/^u_engine\d+$/.test(b.name)));
  for (const inst of instances) {
    const scope = `${dut}.${inst.name}`;
    const isCsr = inst.name === 'u_csr';
    const traces = [
      // The register block's AXI4-Lite side is the control port's group already.
      ...portTraces(simulator, scope, inst.module.ports, (p) => INTERESTING_PORT.test(p.name) && !(isCsr && p.name.startsWith('s_'))),
      ...stateTraces(simulator, scope, inst.module, design, files),
    ];
    if (traces.length > 0) groups.push({ name: blockTitle(inst.name, inst.module.name), traces });
  }
  return groups;
}

/**
 * The GTKWave save file (.gtkw) of a run's dump: one group per block, each with its handshakes,
 * flags, task ids and state registers. `dumpFile` is the dump's name beside the save file.
 */
export function gtkwaveSaveFile(design: Design, files: FileMap, simulator: Simulator, dumpFile: string): string {
  const lines = [
    `[*] GTKWave save file written by synergyflow ${GENERATOR_VERSION} for ${design.cfg.source} (config hash ${design.cfg.hash}), ${simulator}`,
    `[*] Open with: gtkwave ${GTKW_FILE} (from this folder)`,
    `[dumpfile] "${dumpFile}"`,
    '[timestart] 0',
    '[sst_expanded] 1',
  ];
  for (const group of waveGroups(design, files, simulator)) {
    // 0x800200: a group's start (a blank line named -NAME); 0x1000200: its end.
    lines.push('@800200', `-${group.name}`);
    for (const t of group.traces) lines.push(t.width > 1 ? '@22' : '@28', t.name);
    lines.push('@1000200', `-${group.name}`);
  }
  return lines.join('\n') + '\n';
}
