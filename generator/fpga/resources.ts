// Turns primitive cell counts into the resources people budget by (LUTs, flip-flops, DSPs, block
// RAMs), per target, and groups them by part of the design.
import type { Target } from './devices.ts';
import { flattenCells, type StatReport } from './stat.ts';

export interface Resources {
  /** LUTs used for logic and as distributed RAM. */
  luts: number;
  /** Of those, LUTs used as distributed RAM or shift registers. */
  lutram: number;
  /** Flip-flops (flip-flop bits for generic). */
  ffs: number;
  /** DSP blocks; multipliers for generic. */
  dsps: number;
  /** Block RAM tiles (RAMB36 equivalents on 7-series, SB_RAM40_4K on iCE40); memories for generic. */
  brams: number;
  latches: number;
  cells: number;
}

/** LUTs taken by each 7-series distributed-memory primitive. */
const XC7_LUTRAM: Record<string, number> = {
  RAM32M: 4, RAM64M: 4, RAM32M16: 8, RAM64M8: 8, RAM32X1D: 2, RAM64X1D: 2, RAM128X1D: 4, RAM256X1S: 4,
  RAM32X1S: 1, RAM64X1S: 1, RAM128X1S: 2, SRL16E: 1, SRLC32E: 1,
};

export function classify(cells: Record<string, number>, target: Target): Resources {
  const r: Resources = { luts: 0, lutram: 0, ffs: 0, dsps: 0, brams: 0, latches: 0, cells: 0 };
  for (const [type, count] of Object.entries(cells)) {
    if (type === '$scopeinfo') continue;
    r.cells += count;
    if (target === 'xc7') {
      if (/^LUT[1-6]$/.test(type)) r.luts += count;
      else if (XC7_LUTRAM[type]) {
        r.luts += XC7_LUTRAM[type] * count;
        r.lutram += XC7_LUTRAM[type] * count;
      } else if (/^FD[RSCP]E$/.test(type)) r.ffs += count;
      else if (/^LD[CP]E$/.test(type)) r.latches += count;
      else if (/^DSP48E[12]$/.test(type)) r.dsps += count;
      else if (type === 'RAMB36E1' || type === 'RAMB36E2') r.brams += count;
      else if (type === 'RAMB18E1' || type === 'RAMB18E2') r.brams += count / 2;
    } else if (target === 'ice40') {
      if (type === 'SB_LUT4') r.luts += count;
      else if (/^SB_DFF/.test(type)) r.ffs += count;
      else if (type === 'SB_MAC16') r.dsps += count;
      else if (type === 'SB_RAM40_4K') r.brams += count;
    } else {
      // Word-level cells, named with their width by `stat -width` ("$adff_32"): multipliers,
      // flip-flop bits and memories.
      const m = /^(\$[a-z_]+?)(?:_(\d+))?$/.exec(type);
      const base = m ? m[1] : type;
      const width = m?.[2] ? Number(m[2]) : 1;
      if (base === '$mul') r.dsps += count;
      else if (base === '$mem' || base === '$mem_v2') r.brams += count;
      else if (/^\$(a|s|al|sdc|sdce|)dffe?$/.test(base)) r.ffs += count * width;
      else if (/^\$(ad|d)latch/.test(base)) r.latches += count * width;
    }
  }
  return r;
}

export interface Breakdown {
  total: Resources;
  /** One engine (all engines are the same module). */
  perEngine: Resources;
  engines: number;
  interconnect: Resources;
  /** The controller with its dependency counters and trace unit. */
  controller: Resources;
  registers: Resources;
  /** Cells in the top module itself (I/O buffers, constants). */
  top: Resources;
}

const ZERO: Resources = { luts: 0, lutram: 0, ffs: 0, dsps: 0, brams: 0, latches: 0, cells: 0 };

function of(report: StatReport, module: string, target: Target): Resources {
  return report.modules[module] ? classify(flattenCells(report, module), target) : { ...ZERO };
}

function add(a: Resources, b: Resources): Resources {
  return {
    luts: a.luts + b.luts, lutram: a.lutram + b.lutram, ffs: a.ffs + b.ffs, dsps: a.dsps + b.dsps,
    brams: a.brams + b.brams, latches: a.latches + b.latches, cells: a.cells + b.cells,
  };
}

export function breakdown(report: StatReport, target: Target, engines: number): Breakdown {
  const topOwn: Record<string, number> = {};
  for (const [type, count] of Object.entries(report.modules[report.top].cells)) if (!report.modules[type]) topOwn[type] = count;
  return {
    total: classify(flattenCells(report, report.top), target),
    perEngine: of(report, 'sf_engine', target),
    engines,
    interconnect: add(of(report, 'sf_mem_xbar', target), of(report, 'sf_group_bus', target)),
    controller: add(add(of(report, 'sf_controller', target), of(report, 'sf_dep_counters', target)), of(report, 'sf_trace_unit', target)),
    registers: of(report, 'sf_csr', target),
    top: classify(topOwn, target),
  };
}
