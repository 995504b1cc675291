// The run report's charts as Vega-Lite specs (rendered by ./render-svg.ts): the data are rows
// prepared here from the results and ./figures.ts; scales, axes, marks and layout are Vega-Lite's.
import type { ChartSpec } from './render-svg.ts';
import { attainable, type LayerFigures, type Roofs, type TimeBin } from './figures.ts';
import type { ReportResults } from './results-file.ts';

/** Width of the plotting area of every time chart, so that stacked charts share one time axis. */
export const TIME_CHART_WIDTH = 960;
const LANE_HEIGHT = 26;
/** Space between engine lanes, in lanes. */
const LANE_GAP = 0.08;
const LABEL_FONT_SIZE = 10;

/** The time axis of every time chart; only the lowest of a stack needs its title. */
const timeAxis = (maxCycles: number, withTitle = true) => ({
  field: 'start',
  type: 'quantitative' as const,
  title: withTitle ? 'cycle' : null,
  scale: { domain: [0, Math.max(1, maxCycles)], nice: false, zero: true },
  axis: { format: '~s', labelFlush: true },
});

/** A Gantt bar: one task on a run of consecutive engines (a group may span several lanes). */
export interface GanttBar {
  start: number;
  end: number;
  /** Lanes from laneTop to laneBottom (engine e is lane [e, e + 1), less the gap). */
  laneTop: number;
  laneBottom: number;
  job: string;
  title: string;
  label: string;
}

/** The consecutive runs in a sorted list of engines: [0, 1, 3] -> [[0, 1], [3, 3]]. */
export function engineRuns(engines: readonly number[]): [number, number][] {
  const sorted = [...engines].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const e of sorted) {
    const last = runs[runs.length - 1];
    if (last && e === last[1] + 1) last[1] = e;
    else runs.push([e, e]);
  }
  return runs;
}

/** Rough width of a label in pixels (Vega's own estimate is about 0.6 em a character). */
const labelWidth = (text: string) => text.length * LABEL_FONT_SIZE * 0.6 + 6;

export function ganttBars(trace: ReportResults['trace'], maxCycles: number): GanttBar[] {
  const pixelsPerCycle = TIME_CHART_WIDTH / Math.max(1, maxCycles);
  return trace.flatMap((t) => {
    const images = t.images[0] === t.images[1] ? `image ${t.images[0]}` : `images ${t.images[0]}-${t.images[1]}`;
    const title = `${t.job} ${t.layer}, ${images}: task ${t.task} on engine${t.engines.length > 1 ? 's' : ''} ${t.engines.join(', ')}, cycles ${t.start}-${t.end}`;
    // A label only where it fits inside the bar.
    const label = (t.end - t.start) * pixelsPerCycle >= labelWidth(t.layer) ? t.layer : '';
    return engineRuns(t.engines).map(([first, last]) => ({ start: t.start, end: t.end, laneTop: first + LANE_GAP, laneBottom: last + 1 - LANE_GAP, job: t.job, title, label }));
  });
}

/** One lane per engine, a bar per task coloured by job; ganged engines share one tall bar. */
export function ganttSpec(r: ReportResults, opts: { title: string; maxCycles: number; jobs: string[]; timeTitle?: boolean }): ChartSpec {
  const engines = r.config.engines;
  // Both layers (bars, labels) share these scales and axes: Vega-Lite merges a layer's axes.
  const x = { ...timeAxis(opts.maxCycles, opts.timeTitle) };
  const y = {
    type: 'quantitative' as const,
    title: 'engine',
    scale: { domain: [0, engines], reverse: true, nice: false, zero: false },
    axis: { values: Array.from({ length: engines }, (_, e) => e + 0.5), labelExpr: 'floor(datum.value)', grid: false, ticks: false, domain: false },
  };
  return {
    title: opts.title,
    width: TIME_CHART_WIDTH,
    height: engines * LANE_HEIGHT,
    data: { values: ganttBars(r.trace, opts.maxCycles) },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 0.5 },
        encoding: {
          x,
          x2: { field: 'end' },
          y: { ...y, field: 'laneTop' },
          y2: { field: 'laneBottom' },
          color: { field: 'job', type: 'nominal', scale: { domain: opts.jobs, scheme: 'tableau10' }, legend: { title: 'job', orient: 'right' } },
          tooltip: { field: 'title' },
          description: { field: 'title' },
        },
      },
      {
        transform: [{ filter: "datum.label != ''" }, { calculate: '(datum.start + datum.end) / 2', as: 'middle' }, { calculate: '(datum.laneTop + datum.laneBottom) / 2', as: 'lane' }],
        mark: { type: 'text', fontSize: LABEL_FONT_SIZE, color: 'white', baseline: 'middle', align: 'center', aria: false },
        encoding: { x: { ...x, field: 'middle' }, y: { ...y, field: 'lane' }, text: { field: 'label' } },
      },
    ],
  };
}

/** A series drawn as a step line: one row per bin start, and one at the last bin's end. */
interface StepRow {
  start: number;
  value: number;
  series: string;
}

function stepRows(series: string, bins: readonly TimeBin[], value: (b: TimeBin) => number): StepRow[] {
  const rows = bins.map((b) => ({ start: b.start, value: value(b), series }));
  if (bins.length > 0) rows.push({ start: bins[bins.length - 1].end, value: value(bins[bins.length - 1]), series });
  return rows;
}

/** Step lines over time against an optional horizontal roof. */
function stepLinesSpec(opts: { title: string; maxCycles: number; timeTitle?: boolean; rows: StepRow[]; yTitle: string; yFormat: string; roof?: { value: number; label: string }; yMax?: number }): ChartSpec {
  const seriesNames = [...new Set(opts.rows.map((r) => r.series))];
  const y = { field: 'value', type: 'quantitative' as const, title: opts.yTitle, axis: { format: opts.yFormat }, scale: opts.yMax === undefined ? {} : { domain: [0, opts.yMax] } };
  const layers: ChartSpec[] = [
    {
      data: { values: opts.rows },
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5 },
      encoding: {
        x: timeAxis(opts.maxCycles, opts.timeTitle),
        y,
        color: { field: 'series', type: 'nominal', scale: { domain: seriesNames, scheme: 'set1' }, legend: { title: null, orient: 'right', labelLimit: 400 } },
      },
    } as ChartSpec,
  ];
  if (opts.roof) {
    layers.push(
      {
        data: { values: [{ value: opts.roof.value, label: opts.roof.label }] },
        mark: { type: 'rule', strokeDash: [4, 3], color: '#555' },
        encoding: { y: { field: 'value', type: 'quantitative' } },
      } as ChartSpec,
      {
        data: { values: [{ value: opts.roof.value, label: opts.roof.label }] },
        mark: { type: 'text', align: 'right', baseline: 'bottom', dy: -2, color: '#555', fontSize: LABEL_FONT_SIZE, x: TIME_CHART_WIDTH },
        encoding: { y: { field: 'value', type: 'quantitative' }, text: { field: 'label' } },
      } as ChartSpec,
    );
  }
  return { title: opts.title, width: TIME_CHART_WIDTH, height: 140, layer: layers } as ChartSpec;
}

/** Memory bandwidth of one run or more over time, against the configuration's bandwidth roof. */
export function bandwidthSpec(runs: { name: string; bins: TimeBin[] }[], roof: Roofs, opts: { title: string; maxCycles: number; timeTitle?: boolean }): ChartSpec {
  const rows = runs.length === 1
    ? [
        ...stepRows('read', runs[0].bins, (b) => b.readBytesPerCycle),
        ...stepRows('write', runs[0].bins, (b) => b.writeBytesPerCycle),
      ]
    : runs.flatMap((run) => stepRows(run.name, run.bins, (b) => b.readBytesPerCycle + b.writeBytesPerCycle));
  return stepLinesSpec({
    ...opts,
    rows,
    yTitle: 'bytes / cycle',
    yFormat: '~s',
    roof: { value: roof.bandwidthBytesPerCycle, label: `bandwidth roof ${roof.bandwidthBytesPerCycle} B/cycle` },
  });
}

/** PE utilization (and, for one run, the share of engines holding a task) over time. */
export function utilizationSpec(runs: { name: string; bins: TimeBin[] }[], opts: { title: string; maxCycles: number; timeTitle?: boolean }): ChartSpec {
  const rows = runs.length === 1
    ? [
        ...stepRows('PE utilization', runs[0].bins, (b) => b.peUtilization),
        ...stepRows('engines holding a task', runs[0].bins, (b) => b.engineOccupancy),
      ]
    : runs.flatMap((run) => stepRows(`${run.name}: PE utilization`, run.bins, (b) => b.peUtilization));
  return stepLinesSpec({ ...opts, rows, yTitle: 'share', yFormat: '.0%', yMax: 1 });
}

/** Achieved MACs a cycle of each layer against its intensity, under the compute and bandwidth roofs. */
export function rooflineSpec(layers: readonly LayerFigures[], roof: Roofs, opts: { title: string; jobs: string[] }): ChartSpec {
  const points = layers
    .filter((l) => l.achieved > 0 && Number.isFinite(l.intensity))
    .map((l) => ({ intensity: l.intensity, achieved: l.achieved, job: l.job, layer: l.layer, bound: `${l.bound}-bound`, title: `${l.job} ${l.layer}: ${formatNumber(l.intensity)} MACs/byte, ${formatNumber(l.achieved)} MACs/cycle (${(100 * l.ofRoof).toFixed(0)}% of its roof), ${l.bound}-bound` }));
  const xs = [roof.ridgeMacsPerByte, ...points.map((p) => p.intensity)];
  const ys = [roof.computeMacsPerCycle, ...points.map((p) => p.achieved)];
  const xMin = Math.min(...xs) / 4;
  const xMax = Math.max(...xs) * 4;
  const yMin = Math.min(...ys) / 4;
  const roofLine = [xMin, roof.ridgeMacsPerByte, xMax].map((x) => ({ intensity: x, achieved: attainable(roof, x) }));
  const x = { field: 'intensity', type: 'quantitative' as const, title: 'arithmetic intensity (MACs / byte moved)', scale: { type: 'log' as const, domain: [xMin, xMax], nice: false } };
  const y = { field: 'achieved', type: 'quantitative' as const, title: 'achieved MACs / cycle', scale: { type: 'log' as const, domain: [yMin, roof.computeMacsPerCycle * 2], nice: false } };
  const labelled = points.length <= 40;
  return {
    title: opts.title,
    width: 560,
    height: 360,
    layer: [
      { data: { values: roofLine }, mark: { type: 'line', color: '#333', strokeWidth: 2 }, encoding: { x, y } },
      {
        // Left of the ridge, above the slope: clear of the compute-bound layers right of it.
        data: { values: [{ intensity: roof.ridgeMacsPerByte, achieved: roof.computeMacsPerCycle, label: `compute roof: ${formatNumber(roof.computeMacsPerCycle)} MACs/cycle` }] },
        mark: { type: 'text', align: 'right', baseline: 'bottom', dx: -6, dy: -4, fontSize: LABEL_FONT_SIZE, color: '#333' },
        encoding: { x, y, text: { field: 'label' } },
      },
      {
        data: { values: [{ intensity: xMin * 1.5, achieved: attainable(roof, xMin * 1.5), label: `bandwidth roof: ${formatNumber(roof.bandwidthBytesPerCycle)} B/cycle` }] },
        mark: { type: 'text', align: 'left', baseline: 'top', dx: 6, dy: 4, fontSize: LABEL_FONT_SIZE, color: '#333' },
        encoding: { x, y, text: { field: 'label' } },
      },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 70, opacity: 0.85 },
        encoding: {
          x,
          y,
          color: { field: 'bound', type: 'nominal', scale: { domain: ['compute-bound', 'bandwidth-bound'], range: ['#e45756', '#4c78a8'] }, legend: { title: 'layer' } },
          shape: { field: 'job', type: 'nominal', scale: { domain: opts.jobs }, legend: { title: 'job' } },
          tooltip: { field: 'title' },
          description: { field: 'title' },
        },
      },
      ...(labelled
        ? [{ data: { values: points }, mark: { type: 'text' as const, align: 'left' as const, dx: 6, dy: -6, fontSize: LABEL_FONT_SIZE - 1, aria: false }, encoding: { x, y, text: { field: 'layer' } } }]
        : []),
    ],
  } as ChartSpec;
}

/**
 * Time charts one above the other in one SVG, their plotting areas aligned (flush bounds: axes
 * and titles hang outside them), so that their time axes line up cycle for cycle.
 */
export function stackedSpec(charts: ChartSpec[]): ChartSpec {
  return {
    vconcat: charts,
    spacing: 48,
    bounds: 'flush',
    resolve: { scale: { color: 'independent', shape: 'independent' }, legend: { color: 'independent' } },
  } as ChartSpec;
}

/** Numbers in the report: integers with thousands separators, others to 3 significant digits. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3);
}
