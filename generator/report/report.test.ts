// The report page from a hand-made run: deterministic, self-contained, every chart and table
// present; and the results file's checks.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { problemsOf } from '../test-helpers.ts';
import { stampState } from '../output-file.ts';
import { renderComparison, renderRunReport } from './report.ts';
import { checkResults, readResultsFile } from './results-file.ts';
import { sampleResults } from './sample-results.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-report-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;

describe('the run report page', () => {
  it('is the same bytes for the same results, stamped as synergyflow\'s', async () => {
    const a = await renderRunReport(sampleResults());
    const b = await renderRunReport(structuredClone(sampleResults()));
    expect(a).toBe(b);
    expect(stampState(a)).toBe('own');
    expect(a.startsWith('<!DOCTYPE html>\n<!-- synergyflow output')).toBe(true);
  });

  it('is self-contained: inline SVG, no script, no link to load', async () => {
    const html = await renderRunReport(sampleResults());
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(html).not.toMatch(/\s(src|href|xlink:href)=/i);
    // The only URLs are the SVG namespaces.
    const urls = [...new Set(html.match(/https?:\/\/[^"'\s<>]+/g))].sort();
    expect(urls).toEqual(['http://www.w3.org/1999/xlink', 'http://www.w3.org/2000/svg']);
  });

  it('draws the trace, bandwidth, utilization and roofline, with the tables', async () => {
    const html = await renderRunReport(sampleResults());
    // The time charts in one SVG (their time axes aligned), the roofline in another.
    expect(count(html, /<svg /g)).toBe(2);
    // A bar per task per run of consecutive engines, each with its hover title.
    expect(count(html, /aria-roledescription="rect mark"/g)).toBe(3);
    expect(html).toContain('<title>j c1, images 0-3: task 0 on engines 0, 1, cycles 0-10</title>');
    // Read, write, PE utilization, engine occupancy, the roof.
    expect(count(html, /aria-roledescription="line mark"/g)).toBe(5);
    expect(html).toContain('bandwidth roof 8 B/cycle');
    // A point per layer on the roofline, marked by its bound.
    expect(count(html, /aria-roledescription="point"/g)).toBe(2);
    expect(html).toContain('<span class="bound-compute">compute</span>');
    expect(html).toContain('<span class="bound-bandwidth">bandwidth</span>');
    for (const text of ['<td>cycles</td><td class="num">20</td>', '<td>physical bound (cycles)</td><td class="num">14</td>', '<td>cycles / bound</td><td class="num">1.43</td>', '200,000']) {
      expect(html).toContain(text);
    }
  });

  it('escapes what comes from the results', async () => {
    const r = sampleResults({ message: '<b>&', config: { ...sampleResults().config, name: '"x"<y>' } });
    const html = await renderRunReport(r);
    expect(html).toContain(': &lt;b&gt;&amp;</p>');
    expect(html).toContain('config &quot;x&quot;&lt;y&gt;');
    expect(html).not.toContain('<b>&');
  });

  it('renders a run without a trace', async () => {
    const html = await renderRunReport(sampleResults({ status: 'timeout', message: 'no completion', trace: [], jobs: [] }));
    expect(html).toContain('The run has no trace');
    expect(html).toContain('status-bad');
  });

  it('compares two runs on one time axis', async () => {
    const slow = sampleResults({ policy: 'monolithic', cycles: 40, trace: sampleResults().trace.map((t) => ({ ...t, start: 2 * t.start, end: 2 * t.end })) });
    const html = await renderComparison(slow, sampleResults());
    expect(count(html, /<svg /g)).toBe(1);
    expect(html).toContain('A: monolithic: tasks on engines');
    expect(html).toContain('B: elastic: tasks on engines');
    expect(count(html, /aria-roledescription="rect mark"/g)).toBe(6);
    expect(html).toContain('<td>speed-up of B: elastic over A: monolithic (cycles)</td><td class="num"></td><td class="num">2.00</td>');
    expect(html).toBe(await renderComparison(slow, sampleResults()));
  });
});

describe('the results file', () => {
  const write = (name: string, content: unknown) => {
    const path = join(scratch, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  it('reads a good file', () => {
    // Only the fields the report reads are kept.
    expect(readResultsFile(write('good.json', { ...sampleResults(), budget: 100, extra: true }))).toEqual(sampleResults());
  });

  it('refuses a missing file, a folder and bad JSON, naming the file', () => {
    expect(problemsOf(() => readResultsFile(join(scratch, 'none.json')))).toEqual([{ file: join(scratch, 'none.json'), field: '', expected: 'a readable results file (results.json of synergyflow run)', found: 'no such file' }]);
    expect(problemsOf(() => readResultsFile(scratch))[0].found).toBe('a folder');
    expect(problemsOf(() => readResultsFile(write('bad.json', '{"cycles": 1,')))[0]).toMatchObject({ field: '', expected: 'valid JSON' });
  });

  it('names the field, what was expected and what was found', () => {
    const r = sampleResults() as unknown as Record<string, unknown>;
    const problems = problemsOf(() => checkResults({ ...r, cycles: '20', status: 'fine', config: { ...sampleResults().config, engines: 0 } }, 'r.json'));
    expect(problems).toEqual(expect.arrayContaining([
      { file: 'r.json', field: 'cycles', expected: 'a number', found: '"20"' },
      { file: 'r.json', field: 'status', expected: 'one of "ok", "mismatch", "timeout", "hardware-error", "estimate"', found: '"fine"' },
      { file: 'r.json', field: 'config.engines', expected: 'a number >= 1', found: '0' },
    ]));
    expect(problemsOf(() => checkResults([], 'r.json'))).toEqual([{ file: 'r.json', field: '(the file)', expected: 'an object', found: '[]' }]);
    const { channels: _channels, ...noChannels } = sampleResults();
    expect(problemsOf(() => checkResults(noChannels, 'r.json'))).toEqual([{ file: 'r.json', field: 'channels', expected: 'an array', found: 'nothing' }]);
  });

  it('refuses results of a run before the report, once per field however long the trace', () => {
    const old = { ...sampleResults(), trace: sampleResults().trace.map(({ macs: _m, readBytes: _r, writeBytes: _w, ...rest }) => rest) };
    const problems = problemsOf(() => checkResults(old, 'old.json'));
    expect(problems.map((p) => p.field)).toEqual(['trace[0].macs', 'trace[0].readBytes', 'trace[0].writeBytes']);
    expect(problemsOf(() => checkResults({ ...sampleResults(), config: { ...sampleResults().config, tn: undefined } }, 'old.json'))[0].expected).toContain('run again');
    expect(problems[0]).toEqual({ file: 'old.json', field: 'trace[0].macs', expected: 'a number (written by synergyflow run since the run report: run again to get it)', found: 'nothing (and the same in 2 more)' });
  });

  it('reads a run\'s waveform dump, and a run with none (its window opened after the run ended: no file named)', () => {
    const dump = { format: 'vcd', file: 'waves.vcd', saveFile: 'waves.gtkw', from: 10, to: 20, bytes: 1234 } as const;
    expect(checkResults({ ...sampleResults(), waves: dump }, 'r.json').waves).toEqual(dump);
    const none = { format: 'fst', file: null, saveFile: null, from: 9_999_999, to: null, bytes: 0 } as const;
    expect(checkResults({ ...sampleResults(), waves: none }, 'r.json').waves).toEqual(none);
    expect(problemsOf(() => checkResults({ ...sampleResults(), waves: { ...dump, file: null } }, 'r.json'))).toEqual([
      { file: 'r.json', field: 'waves', expected: "the dump's file and saveFile, as bytes is 1234", found: 'file null, saveFile "waves.gtkw"' },
    ]);
  });

  it('refuses a trace entry that cannot be right', () => {
    const r = sampleResults();
    r.trace[1] = { ...r.trace[1], engines: [2] };
    expect(problemsOf(() => checkResults(r, 'r.json'))).toEqual([expect.objectContaining({ field: 'trace[1]', found: 'engines [2], images [0, 3], cycles 10 to 20' })]);
  });
});
