// The benchmark (npm run bench; not a test): each workload under each policy on the same
// generated hardware, in RTL (Verilator, every output checked bit for bit) and with the fast
// cycle model. Prints a markdown table and writes bench.json.
//
// For a stream, the steady state is measured as the cycles a batch adds in the middle of a long
// stream: (cycles of 2N batches - cycles of N batches) / N.
//
//   npx tsx scripts/bench.ts [--out DIR] [--only SUBSTRING] [--model-only] [--reuse]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { POLICIES, type Policy } from '../generator/arch/regmap.ts';
import { loadConfig } from '../generator/config/resolve.ts';
import { generateFiles } from '../generator/emit/generate.ts';
import { taskErrors, type TaskErrors } from '../generator/estimate/accuracy.ts';
import { estimateWorkload } from '../generator/estimate/estimate.ts';
import { loadWorkloadRef } from '../generator/model/workload.ts';
import { memorySettings, runWorkload, type RunResults } from '../generator/runner/run.ts';

interface Case {
  name: string;
  preset: string;
  /** One workload, or a stream of N and one of 2N batches (jobs). */
  workloads: [string] | [string, string];
  /** Batches in the first stream (N), for the steady state. */
  batches?: number;
  /** Run RTL too (else the fast model only). */
  rtl: boolean;
}

const CASES: Case[] = [
  { name: 'AlexNet x4 stream', preset: 'default', workloads: ['examples/alexnet-b4-stream4.json', 'examples/alexnet-b4-stream8.json'], batches: 4, rtl: true },
  { name: 'AlexNet x4 stream', preset: 'paper', workloads: ['examples/alexnet-b4-stream4.json', 'examples/alexnet-b4-stream8.json'], batches: 4, rtl: true },
  { name: 'AlexNet x2 / ZFNet x2 alternating', preset: 'default', workloads: ['examples/alexnet-zfnet-stream4.json', 'examples/alexnet-zfnet-stream8.json'], batches: 4, rtl: true },
  { name: 'AlexNet x2 / ZFNet x2 alternating', preset: 'paper', workloads: ['examples/alexnet-zfnet-stream4.json', 'examples/alexnet-zfnet-stream8.json'], batches: 4, rtl: true },
  { name: 'AlexNet x1', preset: 'default', workloads: ['examples/alexnet-batch1.json'], rtl: true },
  { name: 'AlexNet x4', preset: 'default', workloads: ['examples/alexnet-batch4.json'], rtl: true },
  { name: 'LeNet-5 x4', preset: 'default', workloads: ['examples/lenet5-batch4.json'], rtl: true },
  { name: 'VGG-16 x1 + AlexNet x4', preset: 'default', workloads: ['examples/vgg16-alexnet.json'], rtl: true },
];

interface Measured {
  cycles: number;
  modelCycles: number;
  modelError: number;
  boundRatio: number;
  boundCycles: number;
  peUtilization: number;
  bandwidthUtilization: number;
  allMatch: boolean | null;
  simSeconds: number;
  /** The fast model's per-task duration errors against the RTL trace. */
  taskErrors?: TaskErrors;
  workload: string;
}

interface Row {
  case: string;
  preset: string;
  policy: Policy;
  runs: Measured[];
  /** Cycles a batch adds in the steady state (streams), from RTL (or the model). */
  steadyCycles?: number;
  modelSteadyCycles?: number;
  /** Steady cycles per batch over the physical bound's cycles per batch. */
  steadyBoundRatio?: number;
  speedup?: number;
  steadySpeedup?: number;
}

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'rtl-out/bench' },
    only: { type: 'string' },
    'model-only': { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
  },
});

const load = () => `load ${loadavg()[0].toFixed(2)} on ${cpus().length} cores`;
const started = Date.now();
const rows: Row[] = [];
const loadAtStart = load();

for (const c of CASES) {
  const label = `${c.name} (${c.preset})`;
  if (values.only && !label.includes(values.only)) continue;
  const generated = generateFiles(loadConfig({ preset: c.preset }));
  const cfg = generated.design.cfg;
  const memory = memorySettings({}, cfg);
  const perPolicy = new Map<Policy, Measured[]>();
  for (const workload of c.workloads) {
    const jobs = loadWorkloadRef(workload);
    const estimates = estimateWorkload(jobs, cfg, POLICIES, memory);
    for (const policy of POLICIES) {
      const est = estimates.find((e) => e.policy === policy)!;
      let rtl: RunResults | undefined;
      if (c.rtl && !values['model-only']) {
        const out = join(values.out!, c.preset, workload.replace(/^.*\//, '').replace(/\.json$/, ''), policy);
        const resultsPath = join(out, 'results.json');
        if (values.reuse && existsSync(resultsPath)) {
          rtl = JSON.parse(readFileSync(resultsPath, 'utf8')) as RunResults;
        } else {
          process.stderr.write(`[bench] ${label}: ${workload} under ${policy} in RTL ...\n`);
          rtl = await runWorkload({ generated, workload, sim: 'verilator', out, policy, log: undefined });
        }
        if (rtl.status !== 'ok') process.stderr.write(`[bench] ${label} ${policy}: ${rtl.status}: ${rtl.message}\n`);
      }
      const cycles = rtl?.cycles ?? est.cycles;
      const list = perPolicy.get(policy) ?? [];
      list.push({
        cycles,
        modelCycles: est.cycles,
        modelError: rtl ? (est.cycles - rtl.cycles) / rtl.cycles : NaN,
        boundRatio: cycles / est.physicalBoundCycles,
        boundCycles: est.physicalBoundCycles,
        peUtilization: rtl?.peUtilization ?? est.peUtilization,
        bandwidthUtilization: rtl
          ? (rtl.readBeats + rtl.writeBeats) / (rtl.cycles * cfg.memory.channels * Math.min(1, memory.bytesPerCycle / cfg.busBytes))
          : est.bandwidthUtilization,
        allMatch: rtl ? rtl.allMatch : null,
        simSeconds: rtl?.timing.simSeconds ?? 0,
        taskErrors: rtl && rtl.status === 'ok' ? taskErrors(est.taskSpans, rtl.trace) : undefined,
        workload,
      });
      perPolicy.set(policy, list);
    }
  }
  const mono = perPolicy.get('monolithic')!;
  const steady = (runs: Measured[], key: 'cycles' | 'modelCycles' | 'boundCycles') => (runs.length === 2 && c.batches ? (runs[1][key] - runs[0][key]) / c.batches : undefined);
  for (const policy of POLICIES) {
    const runs = perPolicy.get(policy)!;
    const steadyCycles = steady(runs, 'cycles');
    rows.push({
      case: c.name,
      preset: c.preset,
      policy,
      runs,
      steadyCycles,
      modelSteadyCycles: steady(runs, 'modelCycles'),
      steadyBoundRatio: steadyCycles !== undefined ? steadyCycles / steady(runs, 'boundCycles')! : undefined,
      speedup: mono[mono.length - 1].cycles / runs[runs.length - 1].cycles,
      steadySpeedup: steadyCycles !== undefined ? steady(mono, 'cycles')! / steadyCycles : undefined,
    });
  }
}

const fmt = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '-' : Math.round(n).toLocaleString('en-US'));
const pct = (x: number) => (Number.isNaN(x) ? '-' : `${(100 * x).toFixed(1)}%`);
const lines = [
  '| workload | preset | policy | cycles (largest run) | steady cycles / batch | speedup (steady) | bound ratio (steady) | PE util | bandwidth util | model error | bit-exact |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const r of rows) {
  const last = r.runs[r.runs.length - 1];
  const errors = r.runs.map((m) => pct(m.modelError)).join(' / ');
  const exact = r.runs.every((m) => m.allMatch === null) ? 'model only' : r.runs.every((m) => m.allMatch) ? 'yes' : 'NO';
  const speed = r.steadySpeedup !== undefined ? `${r.steadySpeedup.toFixed(2)}x` : `${r.speedup!.toFixed(2)}x`;
  const bound = r.steadyBoundRatio !== undefined ? `${last.boundRatio.toFixed(2)} (${r.steadyBoundRatio.toFixed(2)})` : last.boundRatio.toFixed(2);
  lines.push(`| ${r.case} | ${r.preset} | ${r.policy} | ${fmt(last.cycles)} | ${fmt(r.steadyCycles)} | ${speed} | ${bound} | ${pct(last.peUtilization)} | ${pct(last.bandwidthUtilization)} | ${errors} | ${exact} |`);
}
console.log(lines.join('\n'));

// The fast model per task: the error of each task's duration against the RTL trace.
const taskLines = [
  '| workload | preset | policy | tasks | median | 90th percentile | largest | within 10% (tasks / their RTL cycles) |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const r of rows) {
  for (const m of r.runs) {
    const e = m.taskErrors;
    if (!e) continue;
    const name = m.workload.replace(/^.*\//, '').replace(/\.json$/, '');
    taskLines.push(`| ${name} | ${r.preset} | ${r.policy} | ${e.tasks} | ${pct(e.median)} | ${pct(e.p90)} | ${pct(e.max)} | ${pct(e.within10)} / ${pct(e.within10Cycles)} |`);
  }
}
if (taskLines.length > 2) console.log(`\nFast model per task (duration error against the RTL trace):\n\n${taskLines.join('\n')}`);
console.log(`\n${((Date.now() - started) / 60000).toFixed(1)} minutes; ${loadAtStart} at the start, ${load()} at the end.`);
mkdirSync(values.out!, { recursive: true });
writeFileSync(join(values.out!, 'bench.json'), JSON.stringify({ rows, loadAtStart, loadAtEnd: load(), minutes: (Date.now() - started) / 60000 }, null, 2) + '\n');
