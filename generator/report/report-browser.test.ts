// The report of a real (tiny) run: `run` writes it, `report` re-renders the same bytes from the
// run's results.json, and headless Chromium lays its charts out with every task's bar, every
// line and every layer's point visible inside its chart. Chromium comes from scripts/setup.sh
// (Debian's `chromium`); without it the browser check is skipped, saying so.
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../cli/exit-codes.ts';
import { runCli } from '../cli/program.ts';
import { writeRandomWorkload } from '../model/random-model.ts';
import { runWorkload } from '../runner/run.ts';
import { engineRuns } from './charts.ts';
import { layerFigures } from './figures.ts';
import { readResultsFile, type ReportResults } from './results-file.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-report-run-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const out = join(scratch, 'out');

/** A Chromium or Chrome on PATH (or $CHROMIUM), else undefined. */
function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'].filter((c): c is string => !!c);
  for (const name of candidates) {
    try {
      execFileSync(name, ['--version'], { stdio: 'ignore' });
      return name;
    } catch {
      // Not this one.
    }
  }
  return undefined;
}
const chromium = findChromium();
const NO_CHROMIUM = 'headless Chromium check SKIPPED: no chromium on PATH (scripts/setup.sh installs Debian\'s chromium with apt-get; set $CHROMIUM to use another)';
if (!chromium) console.warn(NO_CHROMIUM);

let results: ReportResults;

beforeAll(async () => {
  const workload = writeRandomWorkload(join(scratch, 'workload'), 71, 2);
  const r = await runWorkload({ preset: 'tiny', workload, sim: 'verilator', out, policy: 'elastic' });
  expect(r.status, r.message).toBe('ok');
  results = readResultsFile(join(out, 'results.json'));
});

describe('the report of a tiny run', () => {
  it('is written by run, and report re-renders the same bytes from its results.json', async () => {
    const again = join(scratch, 'again.html');
    let stderr = '';
    const code = await runCli(['node', 'synergyflow', 'report', join(out, 'results.json'), '--out', again], { out: () => {}, err: (t) => (stderr += t) });
    expect(code, stderr).toBe(EXIT.ok);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(readFileSync(again, 'utf8')).toBe(html);
    expect(results.trace.length).toBeGreaterThan(4);
    // Nothing of the machine or the run's folder in the page.
    expect(html).not.toContain(scratch);
    expect(html).not.toContain(tmpdir());
  });
});

/**
 * Appended to a copy of the page: measures, in the browser's own layout, the charts and their
 * marks, and writes the figures into the page for --dump-dom to show.
 */
const MEASURE = `<script>
const box = (e) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; };
const within = (b, s) => b.w > 0 && b.h > 0 && b.x >= s.x - 1 && b.y >= s.y - 1 && b.x + b.w <= s.x + s.w + 1 && b.y + b.h <= s.y + s.h + 1;
// A mark's plotting area: the frame (background) of the nearest view around it. Vega grows the
// SVG to hold marks drawn off their plot, so the SVG's own box would not catch them.
const frameOf = (mark) => {
  for (let g = mark.parentElement; g; g = g.parentElement) {
    if (!g.matches('g.mark-group.role-scope, g.mark-group.role-frame')) continue;
    const background = g.querySelector(':scope > g > path.background');
    const b = background && box(background);
    if (b && b.w > 0 && b.h > 0) return b;
  }
  return { x: 0, y: 0, w: 0, h: 0 };
};
const chart = (id) => document.querySelector('#' + id + ' svg');
const marks = (svg, role) => [...svg.querySelectorAll('[aria-roledescription="' + role + '"]')];
const visible = (list) => list.filter((m) => within(box(m), frameOf(m))).length;
const timeline = chart('timeline');
const roofline = chart('roofline');
const check = {
  svgs: [...document.querySelectorAll('svg')].map(box).map((b) => [Math.round(b.w), Math.round(b.h)]),
  bars: marks(timeline, 'rect mark').length,
  barsVisible: visible(marks(timeline, 'rect mark')),
  barTitles: timeline.querySelectorAll('[aria-roledescription="rect mark"] > title').length,
  lineWidths: marks(timeline, 'line mark').map((m) => Math.round(box(m).w)),
  linesVisible: visible(marks(timeline, 'line mark')),
  roofWidths: marks(roofline, 'line mark').map((m) => Math.round(box(m).w)),
  points: marks(roofline, 'point').length,
  pointsVisible: visible(marks(roofline, 'point')),
};
// The tag is split so that the script's own text never matches the test's search for it.
document.body.insertAdjacentHTML('beforeend', '<pre id="render-' + 'check">' + JSON.stringify(check) + '</pre>');
</script>`;

describe.skipIf(!chromium)('the report in headless Chromium', () => {
  it('lays out every chart: a bar per task and run of engines inside the Gantt chart\'s frame, lines across the run, a point per layer', async () => {
    const page = join(scratch, 'measured.html');
    writeFileSync(page, readFileSync(join(out, 'report.html'), 'utf8').replace('</body>', `${MEASURE}\n</body>`));
    const dom = await execa(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${join(scratch, 'profile')}`, '--window-size=1280,2000', '--dump-dom', `file://${page}`], { reject: false, timeout: 60_000 });
    const found = /<pre id="render-check">(.*?)<\/pre>/.exec(dom.stdout);
    expect(found, `no measurement in Chromium's DOM (exit ${dom.exitCode}): ${dom.stderr.slice(-500)}`).not.toBeNull();
    const check = JSON.parse(found![1]) as { svgs: [number, number][]; bars: number; barsVisible: number; barTitles: number; lineWidths: number[]; linesVisible: number; roofWidths: number[]; points: number; pointsVisible: number };
    const expectedBars = results.trace.reduce((n, t) => n + engineRuns(t.engines).length, 0);
    const layers = layerFigures(results).filter((l) => l.achieved > 0);
    // The time charts (one SVG) and the roofline, each drawn at a real size.
    expect(check.svgs.length).toBe(2);
    expect(check.svgs[0][0]).toBeGreaterThan(960);
    expect(check.svgs[0][1]).toBeGreaterThan(300);
    expect(check.svgs[1][0]).toBeGreaterThan(560);
    expect(check.svgs[1][1]).toBeGreaterThan(360);
    expect(check).toMatchObject({ bars: expectedBars, barsVisible: expectedBars, barTitles: expectedBars, points: layers.length, pointsVisible: layers.length });
    // Read, write, PE utilization and occupancy span the run's time axis; the roofs the roofline.
    expect(check.lineWidths.length).toBe(4);
    expect(check.linesVisible).toBe(4);
    for (const width of check.lineWidths) expect(width).toBeGreaterThan(900);
    expect(check.roofWidths.length).toBe(1);
    expect(check.roofWidths[0]).toBeGreaterThan(500);
  });
});

// Without Chromium, the skip says why in the test list.
if (!chromium) {
  describe('the report in headless Chromium', () => {
    it.skip(NO_CHROMIUM, () => {});
  });
}
