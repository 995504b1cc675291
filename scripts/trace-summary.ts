// Who ran what when, from a run's hardware trace (results.json): a text Gantt chart of a window of
// cycles, one lane per engine, and for each bandwidth-bound (fc) task the memory bandwidth it
// drew against what the channels can deliver, with what ran beside it.
//
//   npx tsx scripts/trace-summary.ts RESULTS.json (--preset P | --config F) --workload W
//       [--from CYCLE] [--to CYCLE] [--width COLUMNS]
//
// The task's bytes come from recompiling the workload (deterministic, so task i of the trace is
// task i of the program) and counting its descriptor's reads as the fast cycle model does.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { hwParams } from '../generator/arch/params.ts';
import { loadConfig } from '../generator/config/resolve.ts';
import { taskCost } from '../generator/estimate/cost.ts';
import { modelTasks } from '../generator/estimate/estimate.ts';
import { loadWorkloadRef } from '../generator/model/workload.ts';
import { compileForPolicy, type RunResults } from '../generator/runner/run.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    preset: { type: 'string' },
    config: { type: 'string' },
    workload: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    width: { type: 'string', default: '100' },
  },
});
if (positionals.length !== 1 || !values.workload) {
  console.error('usage: trace-summary.ts RESULTS.json (--preset P | --config F) --workload W [--from C] [--to C] [--width N]');
  process.exit(2);
}
const results = JSON.parse(readFileSync(positionals[0], 'utf8')) as RunResults;
const cfg = loadConfig({ preset: values.preset, config: values.config });
const p = hwParams(cfg);
const program = compileForPolicy(loadWorkloadRef(values.workload), cfg, results.policy, { taskListOnly: true });
const tasks = modelTasks(program);
if (tasks.length !== results.tasks) throw new Error(`the workload compiles to ${tasks.length} tasks, the run had ${results.tasks}`);
const beatsPerCycle = Math.min(1, results.memory.bytesPerCycle / cfg.busBytes);
const peakBytes = cfg.memory.channels * beatsPerCycle * cfg.busBytes;
const fcLayers = new Set(program.jobs.flatMap((cj) => cj.job.model.layers.filter((l) => l.type === 'fc').map((l) => l.name)));
const isFc = (layer: string) => fcLayers.has(layer);
const trace = results.trace;

// Bandwidth-bound tasks: bytes read over their duration, against the channels' peak.
let fcCycles = 0;
let fcBesideConv = 0;
console.log(`${positionals[0]}: ${results.policy}, ${results.cycles.toLocaleString('en-US')} cycles, ${cfg.engines} engines, peak ${peakBytes} bytes/cycle over ${cfg.memory.channels} channel(s)\n`);
console.log('fc task                  engines  cycles      read bytes/cycle  of peak  engines running conv beside it (mean)');
for (const t of trace.filter((e) => isFc(e.layer))) {
  const d = tasks[t.task].desc;
  const cost = taskCost(d, p, t.engines.length, results.memory.latency, beatsPerCycle);
  const cycles = t.end - t.start;
  const rate = (cost.readBeats * cfg.busBytes) / cycles;
  let convEngineCycles = 0;
  for (const o of trace) {
    if (isFc(o.layer)) continue;
    const overlap = Math.min(o.end, t.end) - Math.max(o.start, t.start);
    if (overlap > 0) convEngineCycles += overlap * o.engines.length;
  }
  fcCycles += cycles;
  fcBesideConv += convEngineCycles / cfg.engines;
  const name = `${t.job} ${t.layer} [${t.images[0]}-${t.images[1]}]`;
  console.log(`${name.padEnd(24)} ${String(t.engines.length).padStart(7)}  ${cycles.toLocaleString('en-US').padStart(10)}  ${rate.toFixed(1).padStart(16)}  ${(100 * rate / peakBytes).toFixed(0).padStart(6)}%  ${(convEngineCycles / cycles).toFixed(2).padStart(6)}`);
}
if (fcCycles > 0) console.log(`\nfc tasks ran ${fcCycles.toLocaleString('en-US')} cycles; conv tasks held on average ${(100 * fcBesideConv / fcCycles).toFixed(0)}% of the engines meanwhile\n`);

// Gantt: a character per bin and engine, the layer that held the engine longest in the bin
// (conv layers by their number, fc layers F, G, H, ...; '.' idle), and beneath it the job.
const from = values.from ? Number(values.from) : 0;
const to = values.to ? Number(values.to) : results.cycles;
const width = Number(values.width);
const bin = (to - from) / width;
const jobNames = [...new Set(trace.map((e) => e.job))];
const symbol = (layer: string) => {
  const n = Number(layer.replace(/^\D+/, ''));
  if (isFc(layer)) return String.fromCharCode('A'.charCodeAt(0) + ((n - 1) % 26));
  return Number.isInteger(n) ? String(n % 10) : layer[0];
};
console.log(`cycles ${from.toLocaleString('en-US')} to ${to.toLocaleString('en-US')}, ${Math.round(bin).toLocaleString('en-US')} a column: conv layers by number, fc6 = F, fc7 = G, fc8 = H; the job beneath (index mod 10)`);
for (let e = 0; e < cfg.engines; e++) {
  let layers = '';
  let jobs = '';
  for (let b = 0; b < width; b++) {
    const lo = from + b * bin;
    const hi = lo + bin;
    let best: (typeof trace)[number] | undefined;
    let bestOverlap = 0;
    for (const t of trace) {
      if (!t.engines.includes(e)) continue;
      const overlap = Math.min(t.end, hi) - Math.max(t.start, lo);
      if (overlap > bestOverlap) [best, bestOverlap] = [t, overlap];
    }
    layers += best ? symbol(best.layer) : '.';
    jobs += best ? String(jobNames.indexOf(best.job) % 10) : ' ';
  }
  console.log(`engine ${String(e).padStart(2)} |${layers}|`);
  console.log(`          |${jobs}|`);
}
