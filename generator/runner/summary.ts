// Human-readable summary of a run, printed by the CLI.
import type { RunResults } from './run.ts';

const fmt = (n: number) => n.toLocaleString('en-US');
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

const fileSize = (bytes: number) => (bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 2 ** 10).toFixed(1)} KiB`);

export function formatRunSummary(r: RunResults): string {
  const lines = [
    `status:        ${r.status}${r.message ? ` (${r.message})` : ''}`,
    `config:        ${r.config.source}: ${r.config.engines} engine(s), ${fmt(r.config.macs)} MACs, ${r.channels.length} x ${r.config.busBits}-bit memory channel(s); policy ${r.policy}${r.policy === 'static' ? ` (groups of ${r.staticGroup})` : ''}`,
    `simulator:     ${r.simulator}, ${r.timing.simSeconds.toFixed(1)} s (${fmt(r.timing.simCyclesPerSecond)} cycles/s); build ${r.timing.buildCached ? 'cached' : `${r.timing.buildSeconds.toFixed(1)} s`}`,
  ];
  // Only a run that finished has a length to set against the bound and the MACs.
  if (r.status === 'ok' || r.status === 'mismatch') {
    lines.push(
      `cycles:        ${fmt(r.cycles)} (physical bound ${fmt(r.physicalBoundCycles)}, ratio ${r.boundRatio.toFixed(2)})`,
      `PE utilization: ${pct(r.peUtilization)} (${fmt(r.totalMacs)} MACs)`,
    );
  } else {
    lines.push(`cycles:        the run did not finish (the budget was ${fmt(r.budget)} cycles; physical bound ${fmt(r.physicalBoundCycles)}); no utilization`);
  }
  if (r.waves) {
    const window = `cycles ${r.waves.from} to ${r.waves.to ?? 'the end'}`;
    lines.push(
      r.waves.bytes > 0
        ? `waveforms:     ${r.waves.file} (${fileSize(r.waves.bytes)}, ${window}); GTKWave: ${r.waves.saveFile}`
        : `waveforms:     none (the window, ${window}, opened after the run ended)`,
    );
  }
  for (const j of r.jobs) {
    lines.push(`job ${j.name}: ${j.model} x${j.batch}, ${fmt(j.cycles)} cycles, output [${j.outputShape.join(', ')}] ${j.match ? 'matches the golden model bit for bit' : `MISMATCH in ${fmt(j.mismatches)} values`}`);
  }
  return lines.join('\n');
}
