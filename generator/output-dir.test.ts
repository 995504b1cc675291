// Output folders: written only when new, empty, or the tool's own and unchanged; replaced whole.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkOutputDir, MANIFEST, writeOutputDir } from './output-dir.ts';
import { problemsOf } from './test-helpers.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-outdir-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const found = (fn: () => unknown) => problemsOf(fn).map((p) => `${p.field}: ${p.found}`).join('\n');

describe('output folders', () => {
  it('creates a new folder with a manifest, and replaces its own folder as a whole', () => {
    const out = join(scratch, 'own');
    writeOutputDir(out, new Map([['a.txt', 'one'], ['sub/b.txt', 'two']]), 'test');
    expect(readdirSync(out).sort()).toEqual([MANIFEST, 'a.txt', 'sub']);
    const manifest = JSON.parse(readFileSync(join(out, MANIFEST), 'utf8'));
    expect(Object.keys(manifest.files)).toEqual(['a.txt', 'sub/b.txt']);
    writeOutputDir(out, new Map([['c.txt', 'three']]), 'test');
    expect(readdirSync(out).sort()).toEqual([MANIFEST, 'c.txt']);
    expect(readdirSync(scratch).filter((n) => n.includes('.partial-') || n.includes('.old-'))).toEqual([]);
  });

  it('leaves the old folder untouched when writing fails', () => {
    const out = join(scratch, 'keep');
    writeOutputDir(out, new Map([['c.txt', 'three']]), 'test');
    // A file whose parent is a file cannot be written.
    expect(() => writeOutputDir(out, new Map([['ok.txt', 'x'], ['ok.txt/child', 'y']]), 'test')).toThrow();
    expect(readFileSync(join(out, 'c.txt'), 'utf8')).toBe('three');
    expect(readdirSync(scratch).filter((n) => n.includes('.partial-'))).toEqual([]);
  });

  it('moves large files in, hashed in the manifest like the rest, and makes scripts executable', () => {
    const out = join(scratch, 'moved');
    const big = join(scratch, 'dump.vcd');
    writeFileSync(big, 'x'.repeat(3 << 20));
    writeOutputDir(out, new Map([['run.sh', '#!/bin/sh\n']]), 'test', {}, { moveIn: new Map([['waves/dump.vcd', big]]), executable: ['run.sh'] });
    expect(existsSync(big)).toBe(false);
    expect(readFileSync(join(out, 'waves/dump.vcd'), 'utf8')).toBe('x'.repeat(3 << 20));
    const manifest = JSON.parse(readFileSync(join(out, MANIFEST), 'utf8'));
    expect(Object.keys(manifest.files)).toEqual(['run.sh', 'waves/dump.vcd']);
    expect(manifest.files['waves/dump.vcd']).toBe(createHash('sha256').update('x'.repeat(3 << 20)).digest('hex'));
    expect(statSync(join(out, 'run.sh')).mode & 0o777).toBe(0o755);
    // Unchanged, the moved file is the tool's own: the folder may be replaced.
    expect(() => checkOutputDir(out, 'test')).not.toThrow();
    writeFileSync(join(out, 'waves/dump.vcd'), 'edited');
    expect(found(() => checkOutputDir(out, 'test'))).toContain('waves/dump.vcd" changed since');
  });

  it('writes into an empty folder', () => {
    const out = join(scratch, 'empty');
    mkdirSync(out);
    writeOutputDir(out, new Map([['a.txt', 'x']]), 'test');
    expect(existsSync(join(out, 'a.txt'))).toBe(true);
  });

  it('refuses a folder holding files it did not write, and leaves them', () => {
    const out = join(scratch, 'user');
    mkdirSync(join(out, 'sub'), { recursive: true });
    writeFileSync(join(out, 'MARKER'), 'x');
    expect(found(() => writeOutputDir(out, new Map([['a.txt', 'x']]), 'test'))).toMatch(/--out: ".*user", which holds "MARKER", "sub"/);
    expect(readFileSync(join(out, 'MARKER'), 'utf8')).toBe('x');
  });

  it('refuses its own folder once the user added a file, even with force', () => {
    const out = join(scratch, 'added');
    writeOutputDir(out, new Map([['a.txt', 'x']]), 'test');
    writeFileSync(join(out, 'notes.txt'), 'mine');
    for (const force of [false, true]) {
      expect(found(() => checkOutputDir(out, 'test', { force }))).toContain('which also holds "notes.txt"');
    }
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('counts a folder, a link or an emptied folder the user added as theirs', () => {
    const out = join(scratch, 'added-dirs');
    writeOutputDir(out, new Map([['a.txt', 'x'], ['sub/b.txt', 'y']]), 'test');
    mkdirSync(join(out, 'mine'));
    symlinkSync(join(out, 'a.txt'), join(out, 'link'));
    expect(found(() => checkOutputDir(out, 'test', { force: true }))).toContain('which also holds "link", "mine/"');
    rmSync(join(out, 'mine'), { recursive: true });
    rmSync(join(out, 'link'));
    rmSync(join(out, 'sub/b.txt'));
    expect(found(() => checkOutputDir(out, 'test'))).toContain('which also holds "sub/"');
    rmSync(join(out, 'sub'), { recursive: true });
    expect(() => checkOutputDir(out, 'test')).not.toThrow();
  });

  it('refuses its own folder with an edited file unless forced', () => {
    const out = join(scratch, 'edited');
    writeOutputDir(out, new Map([['a.txt', 'x']]), 'test');
    writeFileSync(join(out, 'a.txt'), 'edited');
    expect(found(() => checkOutputDir(out, 'test'))).toContain('where "a.txt" changed since');
    writeOutputDir(out, new Map([['a.txt', 'new']]), 'test', { force: true });
    expect(readFileSync(join(out, 'a.txt'), 'utf8')).toBe('new');
  });

  it('refuses a folder another command wrote unless forced, naming the folder, that command and what to do', () => {
    const out = join(scratch, 'other-command');
    writeOutputDir(out, new Map([['results.json', '{}'], ['replay.sh', '#!/bin/sh\n']]), 'run');
    const refused = problemsOf(() => checkOutputDir(out, 'compile'));
    expect(refused.map((p) => p.field)).toEqual(['--out']);
    expect(refused[0].found).toBe(`${JSON.stringify(out)}, written by synergyflow run`);
    expect(refused[0].expected).toContain('one synergyflow compile wrote (choose another path');
    expect(refused[0].expected).toContain('--force');
    expect(() => writeOutputDir(out, new Map([['program.json', '{}']]), 'compile')).toThrow();
    expect(readdirSync(out).sort()).toEqual([MANIFEST, 'replay.sh', 'results.json']);
    // The same command replaces it as before; --force lets another one.
    expect(() => checkOutputDir(out, 'run')).not.toThrow();
    writeOutputDir(out, new Map([['program.json', '{}']]), 'compile', { force: true });
    expect(readdirSync(out).sort()).toEqual([MANIFEST, 'program.json']);
    expect(JSON.parse(readFileSync(join(out, MANIFEST), 'utf8')).command).toBe('compile');
    // A manifest without a command (hand-made or damaged) is another command's too.
    writeFileSync(join(out, MANIFEST), JSON.stringify({ tool: 'synergyflow', files: {} }));
    rmSync(join(out, 'program.json'));
    expect(found(() => checkOutputDir(out, 'compile'))).toContain('written by an unknown synergyflow command');
  });

  it.skipIf(!existsSync('/proc/self'))('refuses a path under /proc at once (Node 20 would hang making it)', () => {
    expect(() => checkOutputDir('/proc/sf-no-such/out', 'generate')).toThrow(/a path on a file system that holds files|a path in a folder you may write to/);
  });

  it('refuses a file, an empty path, the current folder and its parents, a git tree, and a folder holding an input', () => {
    const file = join(scratch, 'f.txt');
    writeFileSync(file, 'keep');
    expect(found(() => checkOutputDir(file, 'test'))).toContain('which is a file');
    expect(found(() => checkOutputDir('', 'test'))).toContain('an empty path');
    expect(found(() => checkOutputDir('.', 'test'))).toContain('"."');
    expect(found(() => checkOutputDir('..', 'test'))).toContain('".."');
    expect(found(() => checkOutputDir(join(file, 'sub'), 'test'))).toContain('under the file');
    const repo = join(scratch, 'repo');
    mkdirSync(join(repo, '.git'), { recursive: true });
    expect(found(() => checkOutputDir(repo, 'test'))).toContain('a git working tree');
    symlinkSync(repo, join(scratch, 'link'));
    expect(found(() => checkOutputDir(join(scratch, 'link'), 'test'))).toContain('a symbolic link');
    symlinkSync(join(scratch, 'nowhere'), join(scratch, 'dangling'));
    expect(found(() => checkOutputDir(join(scratch, 'dangling'), 'test'))).toContain('a symbolic link');
    const kase = join(scratch, 'case');
    mkdirSync(kase);
    writeFileSync(join(kase, 'workload.json'), '{}');
    expect(found(() => checkOutputDir(kase, 'test', { inputs: [join(kase, 'workload.json')] }))).toContain('which holds');
    expect(readFileSync(file, 'utf8')).toBe('keep');
  });

  // Root may write anywhere: there the test is skipped (and says so).
  it.skipIf(process.getuid?.() === 0)('refuses a folder it could not replace (its parent is not writable), before any work', () => {
    const locked = join(scratch, 'locked');
    mkdirSync(join(locked, 'out'), { recursive: true });
    chmodSync(locked, 0o500);
    try {
      expect(found(() => checkOutputDir(join(locked, 'out'), 'test'))).toContain('which is not writable');
      expect(found(() => checkOutputDir(join(locked, 'new/deeper'), 'test'))).toContain('which is not writable');
    } finally {
      chmodSync(locked, 0o700);
    }
  });
});
