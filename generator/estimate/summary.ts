// Human-readable table of fast-model estimates, printed by the CLI.
import type { ResolvedConfig } from '../config/resolve.ts';
import type { PolicyEstimate } from './estimate.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function formatEstimates(workload: string, cfg: ResolvedConfig, estimates: PolicyEstimate[]): string {
  const base = estimates.find((e) => e.policy === 'monolithic')?.cycles;
  const lines = [
    `${workload} on ${cfg.source}: ${cfg.engines} engine(s), ${fmt(cfg.macs)} MACs, ${cfg.memory.channels} x ${cfg.busBits}-bit memory channel(s) (fast cycle model, no RTL)`,
    'policy      cycles         bound ratio  PE util  bandwidth  speedup  model ms',
  ];
  for (const e of estimates) {
    const speedup = base ? `${(base / e.cycles).toFixed(2)}x` : '-';
    lines.push(`${e.policy.padEnd(11)} ${fmt(e.cycles).padStart(13)}  ${e.boundRatio.toFixed(2).padStart(11)}  ${pct(e.peUtilization).padStart(7)}  ${pct(e.bandwidthUtilization).padStart(9)}  ${speedup.padStart(7)}  ${e.modelMs.toFixed(0).padStart(8)}`);
  }
  return lines.join('\n');
}
