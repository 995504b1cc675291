// The exploration's page (pareto.html): per device, throughput against DSPs and against LUTs for
// every point that fits, the Pareto front drawn as a line, and the front's points in a table.
// Self-contained like the run report: inline SVG rendered in Node, no script.
import { GENERATOR_VERSION } from '../version.ts';
import { escapeHtml, figure, page, table, type Cell } from '../report/html.ts';
import { renderSvg, type ChartSpec } from '../report/render-svg.ts';
import type { Exploration, ExplorePoint, PointResources } from './explore.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** A point's varied fields and policy, in one line. */
export function pointLabel(p: ExplorePoint): string {
  return `${Object.entries(p.setting).map(([k, v]) => `${k}=${v}`).join(' ')} ${p.policy}`.trim();
}

function frontSpec(x: Exploration, device: string, cost: keyof PointResources, costTitle: string, front: number[]): ChartSpec {
  const rows = x.points.filter((p) => p.fits?.includes(device)).map((p) => ({
    cost: p.resources![cost],
    throughput: p.imagesPerSecond!,
    policy: p.policy,
    front: front.includes(p.index) ? 'on the front' : 'dominated',
    label: pointLabel(p),
  }));
  const line = front.map((i) => x.points[i]).map((p) => ({ cost: p.resources![cost], throughput: p.imagesPerSecond! }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${device}: images/s against ${costTitle}`,
    width: 420,
    height: 260,
    layer: [
      { data: { values: line }, mark: { type: 'line', interpolate: 'step-after', color: '#888' }, encoding: { x: { field: 'cost', type: 'quantitative' }, y: { field: 'throughput', type: 'quantitative' } } },
      {
        data: { values: rows },
        mark: { type: 'point', filled: true, size: 50 },
        encoding: {
          x: { field: 'cost', type: 'quantitative', title: costTitle, axis: { format: ',d' }, scale: { zero: false } },
          y: { field: 'throughput', type: 'quantitative', title: 'images / s', axis: { format: ',d' } },
          color: { field: 'policy', type: 'nominal' },
          shape: { field: 'front', type: 'nominal', title: null },
          tooltip: [{ field: 'label', title: 'point' }, { field: 'throughput', title: 'images/s', format: ',.0f' }, { field: 'cost', title: costTitle, format: ',' }],
        },
      },
    ],
  } as ChartSpec;
}

function frontTable(x: Exploration, front: number[]): string {
  const rows = front.map((i) => x.points[i]).map((p): Cell[] => [
    pointLabel(p) + ((p.extrapolated?.length ?? 0) > 0 ? ` * (${p.extrapolated!.join(', ')})` : ''), fmt(p.imagesPerSecond!), fmt(p.cycles!), p.boundRatio!.toFixed(2), `${(100 * p.peUtilization!).toFixed(1)}%`,
    fmt(p.resources!.luts), fmt(p.resources!.ffs), fmt(p.resources!.dsps), p.resources!.brams.toFixed(1),
  ]);
  return table(['point', 'images/s', 'cycles', 'cycles / bound', 'PE util', 'LUTs', 'FFs', 'DSPs', 'BRAM36'], rows);
}

export async function renderExplorePage(x: Exploration): Promise<string> {
  const invalid = x.points.filter((p) => p.invalid).length;
  const parts = [
    `<h1>synergyflow design-space exploration: ${escapeHtml(x.workload)}</h1>`,
    `<p class="meta">${x.points.length} points on base ${escapeHtml(x.base)} (${invalid} cannot run the workload); ${x.images} images; ` +
      'cycles from the fast cycle model, resources from the resource model (predictions: confirm chosen points with RTL and synthesis).</p>',
  ];
  for (const f of x.fronts) {
    parts.push(`<h2>${escapeHtml(f.device)}</h2>`);
    if (f.byDsps.length === 0) {
      parts.push('<p>No point fits this device.</p>');
      continue;
    }
    const [dsp, lut] = await Promise.all([renderSvg(frontSpec(x, f.device, 'dsps', 'DSPs', f.byDsps)), renderSvg(frontSpec(x, f.device, 'luts', 'LUTs', f.byLuts))]);
    parts.push(figure(`front-${f.device}-dsps`, dsp, 'Every point that fits, coloured by policy; the line joins the Pareto front (no other point is faster for no more DSPs).'));
    parts.push('<h3>Front by DSPs</h3>', frontTable(x, f.byDsps));
    parts.push(figure(`front-${f.device}-luts`, lut, 'The same against LUTs.'));
    parts.push('<h3>Front by LUTs</h3>', frontTable(x, f.byLuts));
  }
  return page(`synergyflow exploration: ${x.workload}`, `synergyflow ${GENERATOR_VERSION}`, parts.join('\n'));
}

/** The fronts as text for the terminal. */
export function formatExploration(x: Exploration): string {
  const extrapolated = x.points.filter((p) => (p.extrapolated?.length ?? 0) > 0).length;
  const lines = [`${x.points.length} points (${x.points.filter((p) => p.invalid).length} cannot run the workload) in ${x.seconds.toFixed(1)} s` +
    (extrapolated > 0 ? `; ${extrapolated} beyond the resource model's calibration (resources extrapolated, marked *)` : '')];
  for (const f of x.fronts) {
    lines.push('', `${f.device}: Pareto front, images/s against DSPs`);
    if (f.byDsps.length === 0) lines.push('  no point fits');
    for (const i of f.byDsps) {
      const p = x.points[i];
      const mark = (p.extrapolated?.length ?? 0) > 0 ? ' *' : '';
      lines.push(`  ${fmt(p.imagesPerSecond!).padStart(9)} images/s  ${fmt(p.resources!.dsps).padStart(6)} DSPs  ${fmt(p.resources!.luts).padStart(8)} LUTs  ${pointLabel(p)}${mark}`);
    }
  }
  return lines.join('\n');
}
