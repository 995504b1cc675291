// Human-readable summary of a synthesis run, printed by the CLI.
import type { Resources } from './resources.ts';
import type { SynthReport } from './flow.ts';

const fmt = (n: number) => (Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(1));

function row(name: string, r: Resources): string {
  return `  ${name.padEnd(14)} ${fmt(r.luts).padStart(9)} ${fmt(r.ffs).padStart(9)} ${fmt(r.dsps).padStart(6)} ${fmt(r.brams).padStart(7)}`;
}

export function formatSynthSummary(r: SynthReport): string {
  const lines = [
    `design:  ${r.config.source}: ${r.config.engines} engine(s), ${fmt(r.macs)} MACs, config hash ${r.config.hash}`,
    `target:  ${r.target}${r.device ? `, ${r.device.description} (${r.device.name})` : ''}; Yosys ${r.tools.source} ${r.tools.yosysSeconds.toFixed(0)} s`,
    `  ${''.padEnd(14)} ${'LUTs'.padStart(9)} ${'FFs'.padStart(9)} ${'DSPs'.padStart(6)} ${'BRAMs'.padStart(7)}`,
    row('total', r.resources.total),
    row('per engine', r.resources.perEngine),
    row('interconnect', r.resources.interconnect),
    row('controller', r.resources.controller),
    row('registers', r.resources.registers),
  ];
  if (r.target === 'generic') lines.push('  (generic: word-level cells; FFs are flip-flop bits, DSPs multipliers, BRAMs memories)');
  if (r.shares) {
    const pct = (x: number) => (x === Infinity ? 'n/a' : `${(100 * x).toFixed(1)}%`);
    lines.push(row('device', { luts: r.device!.capacity.luts, ffs: r.device!.capacity.ffs, dsps: r.device!.capacity.dsps, brams: r.device!.capacity.brams, lutram: 0, latches: 0, cells: 0 }));
    lines.push(`  ${'used'.padEnd(14)} ${pct(r.shares.luts).padStart(9)} ${pct(r.shares.ffs).padStart(9)} ${pct(r.shares.dsps).padStart(6)} ${pct(r.shares.brams).padStart(7)}`);
  }
  if (r.macsPerDsp !== null) lines.push(`MACs per DSP block: ${r.macsPerDsp.toFixed(2)} (${r.macs} MACs on ${r.macDsps} DSPs)`);
  for (const g of r.gates) lines.push(`gate ${g.passed ? 'PASS' : 'FAIL'}: ${g.name} (${g.detail})`);
  if (r.pnr) {
    const cells = `${fmt(r.pnr.logicCells.used)} of ${fmt(r.pnr.logicCells.capacity)} logic cells, ${r.pnr.rams.used} of ${r.pnr.rams.capacity} block RAMs`;
    lines.push(`place and route (${r.pnr.module}): ${cells} after packing`);
    if (r.pnr.fmaxMhz !== undefined) lines.push(`  Fmax ${r.pnr.fmaxMhz.toFixed(2)} MHz against a ${r.pnr.constraintMhz} MHz constraint (${r.pnr.passed ? 'met' : 'not met'})`);
  }
  for (const p of r.problems) lines.push(`problem: ${p}`);
  lines.push(r.passed ? 'result: passed' : 'result: FAILED');
  return lines.join('\n');
}
