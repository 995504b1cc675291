// The run report: one self-contained HTML page per run (every `run` writes DIR/report.html, and
// `synergyflow report` re-renders it from a results file), or two runs one above the other on one
// time axis (`report --compare`). The same results give the same bytes: nothing in the page
// depends on the time, the machine or the results file's path.
import { GENERATOR_VERSION } from '../version.ts';
import { bandwidthSpec, formatNumber, ganttSpec, rooflineSpec, stackedSpec, utilizationSpec } from './charts.ts';
import { binWidth, jobFigures, layerFigures, roofs, runTotals, timeBins, type TimeBin } from './figures.ts';
import { escapeHtml, figure, page, table, type Cell } from './html.ts';
import { renderSvg } from './render-svg.ts';
import type { ReportResults } from './results-file.ts';
import { stampHtml } from '../output-file.ts';

/** About as many bins as the time charts have pixels over 4. */
const TIME_BINS = 240;
const GENERATOR = `synergyflow ${GENERATOR_VERSION}`;

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const fmt = formatNumber;

function statusHtml(r: ReportResults): string {
  const cls = r.status === 'ok' ? 'status-ok' : r.status === 'estimate' ? 'status-estimate' : 'status-bad';
  return `<span class="${cls}">${escapeHtml(r.status)}</span>${r.message ? `: ${escapeHtml(r.message)}` : ''}`;
}

/** One line about the hardware and the run's settings (no file paths: a config file is named by its name and hash). */
function settingsText(r: ReportResults): string {
  const c = r.config;
  const policy = r.policy === 'static' ? `static (groups of ${r.staticGroup})` : r.policy;
  return `config ${c.name} (${c.hash}): ${c.engines} engine(s) of ${c.tn}x${c.tm} MACs (${fmt(c.macs)} MACs), ${c.channels} x ${c.busBits}-bit memory channel(s); ` +
    `policy ${policy}; ${r.simulator}; memory latency ${r.memory.latency} cycles, ${r.memory.bytesPerCycle} B/cycle a channel, ${r.memory.stallPercent}% stalls, seed ${r.memory.seed}`;
}

function totalsRows(r: ReportResults): [string, Cell][] {
  const t = runTotals(r);
  const roof = roofs(r);
  return [
    ['cycles', fmt(r.cycles)],
    ['physical bound (cycles)', fmt(r.physicalBoundCycles)],
    ['cycles / bound', r.boundRatio.toFixed(2)],
    ['PE utilization', pct(r.peUtilization)],
    ['MACs', fmt(r.totalMacs)],
    [r.status === 'estimate' ? 'bytes moved (predicted)' : 'bytes moved (channel counters)', fmt(t.channelBytes)],
    ['memory bandwidth used', `${fmt(t.bytesPerCycle)} B/cycle (${pct(t.bytesPerCycle / roof.bandwidthBytesPerCycle)} of ${roof.bandwidthBytesPerCycle})`],
    ['tasks', fmt(r.tasks)],
    ['images', fmt(t.images)],
    ['throughput', `${fmt(t.imagesPerMcycle)} images / Mcycle`],
  ];
}

function jobsTable(r: ReportResults): string {
  const rows = jobFigures(r).map((j): Cell[] => [j.name, j.model, j.batch, r.status === 'estimate' ? 'not run (estimate)' : j.match ? 'matches' : 'MISMATCH', fmt(j.startCycle), fmt(j.endCycle), fmt(j.latencyCycles), fmt(j.imagesPerMcycle)]);
  return table(['job', 'model', 'batch', 'outputs vs golden', 'first task starts', 'last task ends', 'latency (cycles)', 'images / Mcycle over its latency'], rows, { leftColumns: 4 });
}

function layersTable(r: ReportResults): string {
  const rows = layerFigures(r).map((l): Cell[] => [
    l.job,
    l.layer,
    { html: `<span class="bound-${l.bound}">${l.bound}</span>` },
    l.tasks,
    fmt(l.macs),
    fmt(l.bytes),
    fmt(l.intensity),
    `${fmt(l.firstStart)}-${fmt(l.lastEnd)}`,
    fmt(l.activeCycles),
    fmt(l.engineCycles / Math.max(1, l.activeCycles)),
    fmt(l.achieved),
    pct(l.ofRoof),
  ]);
  return table(['job', 'layer', 'bound by', 'tasks', 'MACs', 'bytes moved', 'MACs / byte', 'cycles', 'active cycles', 'engines (mean)', 'MACs / cycle', 'of its roof'], rows, { leftColumns: 3 });
}

function enginesTable(r: ReportResults): string {
  const rows = r.engines.map((e, i): Cell[] => [`engine ${i}`, fmt(e.busyCycles), fmt(e.computeCycles), fmt(e.stallCycles), pct(r.cycles > 0 ? e.computeCycles / r.cycles : 0)]);
  return table(['engine', 'busy cycles', 'compute cycles', 'stall cycles', 'computing'], rows);
}

/** How the time charts were made, and how much of the counted traffic the tasks account for. */
function binningCaption(r: ReportResults, binCycles: number): string {
  const t = runTotals(r);
  const share = t.channelBytes > 0 ? pct(t.taskBytes / t.channelBytes) : 'none';
  return `Each task's bytes (from its descriptor) and MACs are spread evenly over its cycles and summed in bins of ${fmt(binCycles)} cycles. ` +
    `The tasks' ${fmt(t.taskBytes)} bytes are ${share} of the ${fmt(t.channelBytes)} bytes the ${r.status === 'estimate' ? 'model predicts' : 'channel counters measured'}; the rest is the controller's (descriptor fetches, trace records).`;
}

/** The last cycle to draw: the run's, or a trace entry's if one ends later (a trace is the hardware's word). */
function lastCycle(r: ReportResults): number {
  return r.trace.reduce((last, t) => Math.max(last, t.end), r.cycles);
}

/** The page of one run. */
export async function renderRunReport(r: ReportResults): Promise<string> {
  const jobs = r.jobs.map((j) => j.name);
  for (const t of r.trace) if (!jobs.includes(t.job)) jobs.push(t.job);
  const maxCycles = lastCycle(r);
  const binCycles = binWidth(maxCycles, TIME_BINS);
  const bins = timeBins(r, binCycles, maxCycles);
  const roof = roofs(r);
  const layers = layerFigures(r);
  const run = [{ name: r.policy, bins }];
  const [timeline, roofline] = await Promise.all([
    renderSvg(stackedSpec([
      ganttSpec(r, { title: r.status === 'estimate' ? 'Predicted schedule (fast cycle model): tasks on engines' : 'Hardware trace: tasks on engines', maxCycles, jobs, timeTitle: false }),
      bandwidthSpec(run, roof, { title: 'Memory bandwidth', maxCycles, timeTitle: false }),
      utilizationSpec(run, { title: 'PE utilization', maxCycles }),
    ])),
    renderSvg(rooflineSpec(layers, roof, { title: 'Roofline of the layers', jobs })),
  ]);
  const noTrace = r.trace.length === 0 ? '<p>The run has no trace (no trace unit, or it stopped before a task completed): the charts are empty.</p>' : '';
  const body = [
    `<h1>synergyflow run report: ${escapeHtml(jobs.join(', ') || 'no jobs')} under ${escapeHtml(r.policy)}</h1>`,
    `<p>${statusHtml(r)}</p>`,
    `<p class="meta">${escapeHtml(settingsText(r))}</p>`,
    '<h2>Totals</h2>',
    table(['', 'value'], totalsRows(r)),
    jobsTable(r),
    '<h2>Schedule</h2>',
    noTrace,
    figure('timeline', timeline, [
      `Top: ${r.status === 'estimate' ? 'the fast cycle model\'s predicted schedule' : 'the hardware trace'}, one lane per engine; a bar per task, coloured by job, spanning the engines ganged on it (hover a bar for its job, layer, images, engines and cycles); a change in bar height is a reconfiguration.`,
      `Middle: bytes a cycle read and written over every channel. ${binningCaption(r, binCycles)}`,
      'Bottom: MACs a cycle over the configuration\'s MACs a cycle, and the share of engines holding a task (from the trace\'s intervals).',
    ].join('<br>')),
    '<h2>Layers</h2>',
    figure('roofline', roofline, `Each layer's MACs over the bytes its tasks moved (intensity) against its MACs a cycle while active. Roofs: ${fmt(roof.computeMacsPerCycle)} MACs/cycle (engines x tn x tm) and ${fmt(roof.bandwidthBytesPerCycle)} B/cycle (channels x bytes a cycle); they meet at ${fmt(roof.ridgeMacsPerByte)} MACs/byte: a layer below that intensity is bandwidth-bound, above it compute-bound.`),
    layersTable(r),
    '<h2>Engines (counters)</h2>',
    enginesTable(r),
    `<p class="meta">Rendered by ${escapeHtml(GENERATOR)} from the run's results.json.</p>`,
  ].filter((s) => s !== '').join('\n');
  return stampHtml(page(`synergyflow run report: ${jobs.join(', ')} (${r.policy})`, GENERATOR, body));
}

/** Names of two runs for the comparison: by policy, else by A and B. */
function runNames(a: ReportResults, b: ReportResults): [string, string] {
  if (a.policy !== b.policy) return [`A: ${a.policy}`, `B: ${b.policy}`];
  return ['A', 'B'];
}

/** Two runs one above the other on the same time axis, with their totals side by side. */
export async function renderComparison(a: ReportResults, b: ReportResults): Promise<string> {
  const [nameA, nameB] = runNames(a, b);
  const maxCycles = Math.max(lastCycle(a), lastCycle(b));
  const binCycles = binWidth(maxCycles, TIME_BINS);
  const jobs = [...new Set([...a.jobs.map((j) => j.name), ...b.jobs.map((j) => j.name), ...a.trace.map((t) => t.job), ...b.trace.map((t) => t.job)])];
  const runs: { name: string; bins: TimeBin[] }[] = [
    { name: nameA, bins: timeBins(a, binCycles, lastCycle(a)) },
    { name: nameB, bins: timeBins(b, binCycles, lastCycle(b)) },
  ];
  const timeline = await renderSvg(stackedSpec([
    ganttSpec(a, { title: `${nameA}: tasks on engines`, maxCycles, jobs, timeTitle: false }),
    ganttSpec(b, { title: `${nameB}: tasks on engines`, maxCycles, jobs, timeTitle: false }),
    bandwidthSpec(runs, roofs(a), { title: 'Memory bandwidth (read + write)', maxCycles, timeTitle: false }),
    utilizationSpec(runs, { title: 'PE utilization', maxCycles }),
  ]));
  const totalsA = totalsRows(a);
  const totalsB = totalsRows(b);
  const ratio = (x: number, y: number) => (y > 0 ? (x / y).toFixed(2) : '-');
  const totals = table(
    ['', nameA, nameB],
    [
      ['status', { html: statusHtml(a) }, { html: statusHtml(b) }],
      ...totalsA.map(([label, value], i): Cell[] => [label, value, totalsB[i][1]]),
      [`speed-up of ${nameB} over ${nameA} (cycles)`, '', ratio(a.cycles, b.cycles)],
    ],
  );
  const jobRows = jobs.map((name): Cell[] => {
    const ja = a.jobs.find((j) => j.name === name);
    const jb = b.jobs.find((j) => j.name === name);
    return [name, ja ? fmt(ja.cycles) : '-', jb ? fmt(jb.cycles) : '-', ja ? fmt(ja.endCycle) : '-', jb ? fmt(jb.endCycle) : '-'];
  });
  const sameHardware = a.config.hash === b.config.hash ? '' : '<p class="status-bad">The two runs are on different configurations.</p>';
  const body = [
    `<h1>synergyflow run comparison: ${escapeHtml(nameA)} and ${escapeHtml(nameB)}</h1>`,
    `<p class="meta">${escapeHtml(nameA)}: ${escapeHtml(settingsText(a))}</p>`,
    `<p class="meta">${escapeHtml(nameB)}: ${escapeHtml(settingsText(b))}</p>`,
    sameHardware,
    '<h2>Totals</h2>',
    totals,
    table(['job', `${nameA} latency`, `${nameB} latency`, `${nameA} last task ends`, `${nameB} last task ends`], jobRows),
    '<h2>Schedules on one time axis</h2>',
    figure('timeline', timeline, [
      `The hardware traces of ${escapeHtml(nameA)} and ${escapeHtml(nameB)} on one time axis: one lane per engine, a bar per task coloured by job, spanning the engines ganged on it (hover a bar for its task).`,
      `Below them: bytes a cycle over every channel of each run, from the tasks' bytes spread evenly over their cycles in bins of ${fmt(binCycles)} cycles; and MACs a cycle over the configuration's MACs a cycle.`,
    ].join('<br>')),
    `<p class="meta">Rendered by ${escapeHtml(GENERATOR)} from the runs' results.json files.</p>`,
  ].filter((s) => s !== '').join('\n');
  return stampHtml(page(`synergyflow run comparison: ${nameA} and ${nameB}`, GENERATOR, body));
}
