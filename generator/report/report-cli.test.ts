// `synergyflow report` as a user meets it: bad results files refused with the file, field,
// expected and found (exit 2, no stack trace), and --out written only where nothing is or over a
// report synergyflow wrote.
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT } from '../cli/exit-codes.ts';
import { runCli } from '../cli/program.ts';
import { MANIFEST } from '../output-dir.ts';
import { renderRunReport } from './report.ts';
import { sampleResults } from './sample-results.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-report-cli-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const at = (path: string) => join(scratch, path);
const repo = new URL('../../', import.meta.url).pathname;

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const exitCode = await runCli(['node', 'synergyflow', ...args], { out: (t) => (stdout += t), err: (t) => (stderr += t) });
  return { exitCode, stdout, stderr };
}

function writeJson(name: string, value: unknown): string {
  writeFileSync(at(name), JSON.stringify(value));
  return at(name);
}

const good = writeJson('good.json', sampleResults());
const monolithic = writeJson('monolithic.json', { ...sampleResults(), policy: 'monolithic' });

describe('report', () => {
  it('writes the page of a results file, the same bytes as the run\'s own report', async () => {
    const r = await cli(['report', good, '--out', at('one/report.html')]);
    expect(r.exitCode, r.stderr).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/^report of .*good\.json \(\d+ KiB\) in \d+ ms -> .*one\/report\.html\n$/);
    expect(readFileSync(at('one/report.html'), 'utf8')).toBe(await renderRunReport(sampleResults()));
  });

  it('compares two runs with --compare, and wants exactly two files for it', async () => {
    const r = await cli(['report', '--compare', monolithic, good, '--out', at('compare.html')]);
    expect(r.exitCode, r.stderr).toBe(EXIT.ok);
    expect(readFileSync(at('compare.html'), 'utf8')).toContain('A: monolithic: tasks on engines');
    const one = await cli(['report', '--compare', good, '--out', at('compare-1.html')]);
    expect(one.exitCode).toBe(EXIT.badInput);
    expect(one.stderr).toContain('command line: <results.json>: expected two results files with --compare, found 1');
    const two = await cli(['report', good, monolithic, '--out', at('two.html')]);
    expect(two.exitCode).toBe(EXIT.badInput);
    expect(existsSync(at('compare-1.html')) || existsSync(at('two.html'))).toBe(false);
  });

  it('refuses a missing or bad results file naming the file and field, without a stack trace or an output', async () => {
    const missing = await cli(['report', at('none.json'), '--out', at('x.html')]);
    expect(missing.exitCode).toBe(EXIT.badInput);
    expect(missing.stderr).toContain(`${at('none.json')}: expected a readable results file (results.json of synergyflow run), found no such file`);
    const bad = writeJson('bad.json', { ...sampleResults(), cycles: -1 });
    const invalid = await cli(['report', bad, '--out', at('x.html')]);
    expect(invalid.exitCode).toBe(EXIT.badInput);
    expect(invalid.stderr).toContain(`${bad}: cycles: expected a number >= 0, found -1`);
    for (const r of [missing, invalid]) expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(at('x.html'))).toBe(false);
  });

  it('exits 2 with the message and no stack trace as a process', async () => {
    const r = await execa('node', [join(repo, 'bin/synergyflow.js'), 'report', 'missing.json', '--out', 'x.html'], { reject: false, cwd: scratch });
    expect(r.exitCode).toBe(EXIT.badInput);
    expect(r.stderr).toBe('error: invalid input:\n  missing.json: expected a readable results file (results.json of synergyflow run), found no such file');
  });
});

describe('report --out never overwrites a file it did not write', () => {
  it('refuses a file of the user\'s and keeps it', async () => {
    writeFileSync(at('mine.html'), '<p>my notes</p>');
    const r = await cli(['report', good, '--out', at('mine.html')]);
    expect(r.exitCode).toBe(EXIT.badInput);
    expect(r.stderr).toContain('--out: expected a new path, or a file synergyflow wrote');
    expect(readFileSync(at('mine.html'), 'utf8')).toBe('<p>my notes</p>');
  });

  it('replaces its own report, refuses it once edited, and replaces the edit with --force', async () => {
    const out = at('own.html');
    expect((await cli(['report', good, '--out', out])).exitCode).toBe(EXIT.ok);
    expect((await cli(['report', monolithic, '--out', out])).exitCode).toBe(EXIT.ok);
    expect(readFileSync(out, 'utf8')).toContain('under monolithic');
    writeFileSync(out, readFileSync(out, 'utf8').replace('under monolithic', 'under my edit'));
    const edited = await cli(['report', good, '--out', out]);
    expect(edited.exitCode).toBe(EXIT.badInput);
    expect(edited.stderr).toContain('which changed since synergyflow wrote it');
    expect(readFileSync(out, 'utf8')).toContain('under my edit');
    expect((await cli(['report', good, '--out', out, '--force'])).exitCode).toBe(EXIT.ok);
    expect(readFileSync(out, 'utf8')).toBe(await renderRunReport(sampleResults()));
  });

  it('refuses its input, a folder, a symbolic link, and a run\'s output folder', async () => {
    mkdirSync(at('run-out'));
    writeFileSync(at(`run-out/${MANIFEST}`), '{}');
    symlinkSync(at('own.html'), at('link.html'));
    const cases: [string, string][] = [
      [good, 'one of its inputs'],
      [scratch, 'which is a folder'],
      [at('link.html'), 'a symbolic link'],
      [at('run-out/report.html'), `a path outside an output folder of synergyflow (it holds ${MANIFEST}`],
      [at('good.json/report.html'), 'under the file'],
    ];
    for (const [out, message] of cases) {
      const r = await cli(['report', good, '--out', out]);
      expect(r.exitCode, out).toBe(EXIT.badInput);
      expect(r.stderr).toContain(message);
    }
    expect(existsSync(at('run-out/report.html'))).toBe(false);
    expect(JSON.parse(readFileSync(good, 'utf8'))).toEqual(sampleResults());
  });
});
