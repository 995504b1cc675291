// Renders the Gantt chart of a run (its results.json) as a standalone SVG, as the run report draws
// it: what docs/gantt-elastic.svg is made with.
//
//   npx tsx scripts/gantt-svg.ts RESULTS.json OUT.svg [TITLE] [--force]
//
// OUT.svg is written only where nothing is, or with --force (to refresh docs/gantt-elastic.svg).
import { existsSync, writeFileSync } from 'node:fs';
import { ganttSpec } from '../generator/report/charts.ts';
import { renderSvg } from '../generator/report/render-svg.ts';
import { readResultsFile } from '../generator/report/results-file.ts';

const force = process.argv.includes('--force');
const [resultsPath, outPath, title] = process.argv.slice(2).filter((a) => a !== '--force');
if (!resultsPath || !outPath) {
  process.stderr.write('usage: npx tsx scripts/gantt-svg.ts RESULTS.json OUT.svg [TITLE] [--force]\n');
  process.exit(2);
}
if (existsSync(outPath) && !force) {
  process.stderr.write(`${outPath} exists: not replaced (--force replaces it)\n`);
  process.exit(2);
}
const r = readResultsFile(resultsPath);
const jobs = r.jobs.map((j) => j.name);
const maxCycles = Math.max(r.cycles, ...r.trace.map((t) => t.end));
const svg = await renderSvg(ganttSpec(r, { title: title ?? `${r.policy} policy on ${r.config.name}: tasks on engines (${r.simulator}, hardware trace)`, maxCycles, jobs }));
writeFileSync(outPath, svg);
process.stdout.write(`${outPath}: ${r.trace.length} tasks, ${r.cycles.toLocaleString('en-US')} cycles\n`);
