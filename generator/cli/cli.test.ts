// The command line as a user meets it: exit codes, refusals before any work, never a stack
// trace, never a file of the user's lost, and an interrupt that cleans up. One test per
// reproducer of issue #8 (each failed before).
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import { writeRandomWorkload } from '../model/random-model.ts';
import { ToolError } from '../tools/exec.ts';
import { EXIT } from './exit-codes.ts';
import { describeFailure } from './failure.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-cli-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const repo = new URL('../../', import.meta.url).pathname;

function cli(args: string[], env: Record<string, string> = {}) {
  return execa('node', [join(repo, 'bin/synergyflow.js'), ...args], { reject: false, cwd: scratch, env });
}

/** No stack trace and no raw Node error reaches the user. */
function expectClean(stderr: string) {
  expect(stderr).not.toMatch(/\n\s+at |RangeError|EEXIST|TypeError/);
}

describe('output folders are never destroyed', () => {
  it('refuses a folder holding the user\'s files, and keeps them', async () => {
    mkdirSync(join(scratch, 'u/sub'), { recursive: true });
    writeFileSync(join(scratch, 'u/MARKER'), 'x');
    const r = await cli(['generate', '--preset', 'tiny', '--out', 'u']);
    expect(r.exitCode).toBe(EXIT.badInput);
    expect(r.stderr).toContain('--out: expected a new or empty folder, or one synergyflow wrote');
    expect(readFileSync(join(scratch, 'u/MARKER'), 'utf8')).toBe('x');
    expect(existsSync(join(scratch, 'u/sub'))).toBe(true);
  });

  it.each([
    ['a regular file', ['f.txt'], 'which is a file'],
    ['the current folder', ['.'], 'not the current folder'],
    ['an empty path', [''], 'an empty path'],
  ])('refuses %s', async (_what, out, message) => {
    writeFileSync(join(scratch, 'f.txt'), 'keep');
    const r = await cli(['generate', '--preset', 'tiny', '--out', ...out]);
    expect(r.exitCode).toBe(EXIT.badInput);
    expect(r.stderr).toContain(message);
    expect(readFileSync(join(scratch, 'f.txt'), 'utf8')).toBe('keep');
  });

  it('refuses the workload\'s own folder, leaving it intact', async () => {
    writeRandomWorkload(join(scratch, 'case'), 5, 1);
    const before = readdirSync(join(scratch, 'case')).sort();
    const r = await cli(['run', '--preset', 'tiny', '--workload', 'case/workload.json', '--out', 'case']);
    expect(r.exitCode).toBe(EXIT.badInput);
    expect(r.stderr).toContain('holds none of the files the command reads or keeps');
    expect(readdirSync(join(scratch, 'case')).sort()).toEqual(before);
  });

  it('refuses --out under a file at once, before simulating', async () => {
    writeFileSync(join(scratch, 'afile'), 'x');
    const started = Date.now();
    const r = await cli(['run', '--preset', 'tiny', '--workload', 'builtin:lenet5', '--out', 'afile/sub']);
    expect(r.exitCode).toBe(EXIT.badInput);
    expect(r.stderr).toContain('under the file');
    expect(r.stderr).not.toContain('[synergyflow] compiled');
    expect(Date.now() - started).toBeLessThan(10_000);
    expectClean(r.stderr);
  });

  it('replaces its own folder on a re-run, refuses it once edited, and replaces the edit with --force', async () => {
    expect((await cli(['generate', '--preset', 'tiny', '--out', 'gen'])).exitCode).toBe(EXIT.ok);
    expect((await cli(['generate', '--preset', 'tiny', '--out', 'gen'])).exitCode).toBe(EXIT.ok);
    writeFileSync(join(scratch, 'gen/sf_top.f'), 'edited');
    const refused = await cli(['generate', '--preset', 'tiny', '--out', 'gen']);
    expect(refused.exitCode).toBe(EXIT.badInput);
    expect(refused.stderr).toContain('"sf_top.f" changed since');
    expect((await cli(['generate', '--preset', 'tiny', '--out', 'gen', '--force'])).exitCode).toBe(EXIT.ok);
    expect(readFileSync(join(scratch, 'gen/sf_top.f'), 'utf8')).not.toBe('edited');
    writeFileSync(join(scratch, 'gen/notes.txt'), 'mine');
    expect((await cli(['generate', '--preset', 'tiny', '--out', 'gen', '--force'])).exitCode).toBe(EXIT.badInput);
    expect(readFileSync(join(scratch, 'gen/notes.txt'), 'utf8')).toBe('mine');
  });
});

describe('exit codes', () => {
  it('exits 2 on every usage error, with commander\'s message and no stack trace', async () => {
    const base = ['run', '--preset', 'tiny', '--workload', 'builtin:lenet5', '--out', 'usage-out'];
    const cases: [string[], RegExp][] = [
      [['run', '--preset', 'tiny', '--workload', 'builtin:lenet5'], /required option '--out <dir>'/],
      [['run', '--preset', 'tiny', '--out', 'x'], /required option '--workload <file>'/],
      [['bogus'], /unknown command 'bogus'/],
      [[...base, '--nope'], /unknown option '--nope'/],
      [[...base, '--sim', 'foo'], /Allowed choices are verilator, icarus/],
      [[...base, '--policy', 'foo'], /Allowed choices are monolithic, static, elastic/],
      [[...base, '--budget', '0'], /--budget must be a decimal integer from 1/],
      [['generate', '--preset', 'tiny', '--config', 'c.json', '--out', 'x'], /cannot be used with option '--config/],
      [[...base, '--latency', '4294967297'], /--latency must be a decimal integer from 1 to 1000/],
      [[...base, '--stall-percent', '100'], /--stall-percent must be a decimal integer from 0 to 90/],
      [[...base, '--seed', '1e3'], /--seed must be a decimal integer/],
      [[...base, '--fault', 'read:5-2'], /expected read\|write:LO-HI/],
      [[...base, '--bytes-per-cycle', '16'], /--bytes-per-cycle: expected an integer from 1 to one beat \(4 bytes/],
      [[...base, '--static-group', '3'], /--static-group: expected a power of two/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(args)));
    results.forEach((r, i) => {
      expect(r.exitCode, cases[i][0].join(' ')).toBe(EXIT.badInput);
      expect(r.stderr).toMatch(cases[i][1]);
      expectClean(r.stderr);
    });
    expect(existsSync(join(scratch, 'usage-out'))).toBe(false);
  });

  it('exits 0 for --help and --version', async () => {
    expect((await cli(['--version'])).exitCode).toBe(EXIT.ok);
    expect((await cli(['run', '--help'])).exitCode).toBe(EXIT.ok);
  });

  it('maps each kind of error to its code, and shows a stack trace only under --debug', () => {
    const bug = new TypeError('x is undefined');
    expect(describeFailure(bug, false)).toMatchObject({ code: EXIT.internal });
    expect(describeFailure(bug, false).message).toMatch(/^internal error: x is undefined\nThis is a bug in synergyflow; please report it/);
    expect(describeFailure(bug, false).message).not.toContain('    at ');
    expect(describeFailure(bug, true).message).toContain('    at ');
    expect(describeFailure(new ToolError('verilator missing'), false).code).toBe(EXIT.tool);
    expect(describeFailure(new InputError([{ file: 'f', field: 'x', expected: 'a', found: 'b' }]), false).code).toBe(EXIT.badInput);
  });
});

describe('cost guards refuse at once what this machine cannot run', () => {
  it.each([
    ['a fc layer of 1e9 outputs', { name: 'm', input: [1, 8, 8], layers: [{ name: 'fc', type: 'fc', out: 1e9 }] }, 1, /layers\[0\] \(fc\): expected weights of at most 536870912 elements/],
    ['a 1.2 GiB conv layer input', { name: 'm', input: [64, 2048, 2048], layers: [{ name: 'c', type: 'conv', out: 64, kernel: 3, pad: 1 }] }, 5, /expected a batch whose input has at most 536870912 elements/],
  ])('refuses %s', async (name, model, batch, message) => {
    const dir = join(scratch, `guard-${batch}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model.json'), JSON.stringify(model));
    writeFileSync(join(dir, 'workload.json'), JSON.stringify({ jobs: [{ name: 'j', model: 'model.json', batch }] }));
    const started = Date.now();
    const r = await cli(['run', '--preset', 'tiny', '--workload', join(dir, 'workload.json'), '--out', join(dir, 'out')]);
    expect(r.exitCode, name).toBe(EXIT.badInput);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('--allow-large');
    expect(Date.now() - started).toBeLessThan(10_000);
    expectClean(r.stderr);
  });

  it('refuses builtin:lenet5:1000000 in a moment', async () => {
    const started = Date.now();
    const r = await cli(['run', '--preset', 'tiny', '--workload', 'builtin:lenet5:1000000', '--out', 'big']);
    expect(r.exitCode).toBe(EXIT.badInput);
    expect(r.stderr).toContain('batch 1000000');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it.each([
    ['buffers.inputWords: 2^30', { buffers: { inputWords: 2 ** 30 } }, /buffers.inputWords: expected at most 16384 words/],
    ['32 engines of 64x64', { engines: 32, pe: { tn: 64, tm: 64 } }, /engines: expected engines \* pe.tn \* pe.tm \(MACs\) at most 16384, found 32 \* 64 \* 64 = 131072/],
    ['engines: 0', { engines: 0 }, /engines: expected an integer >= 1, found 0/],
  ])('refuses a config with %s before any build', async (name, config, message) => {
    const file = join(scratch, `cfg-${name.replace(/\W+/g, '_')}.json`);
    writeFileSync(file, JSON.stringify(config));
    const r = await cli(['run', '--config', file, '--workload', 'builtin:lenet5', '--out', 'cfg-out']);
    expect(r.exitCode).toBe(EXIT.badInput);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain('build');
  });
});

describe('interrupts', () => {
  it('SIGINT during a Verilator build ends the build, removes partial files, leaves --out as it was, exits 130', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'sf-cli-cache-'));
    try {
      mkdirSync(join(scratch, 'sig-out'));
      const child = execa('node', [join(repo, 'bin/synergyflow.js'), 'run', '--preset', 'tiny', '--workload', 'builtin:lenet5', '--out', 'sig-out'], {
        reject: false, cwd: scratch, env: { SYNERGYFLOW_CACHE_DIR: cache }, all: true,
      });
      let output = '';
      child.all!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const deadline = Date.now() + 30_000;
      while (!output.includes('build of a design not in the cache') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      // Let Verilator get going (make and the C++ compiler).
      await new Promise((r) => setTimeout(r, 1500));
      const stopped = Date.now();
      child.kill('SIGINT');
      const r = await child;
      expect(r.exitCode).toBe(EXIT.sigint);
      expect(Date.now() - stopped).toBeLessThan(5_000);
      await new Promise((res) => setTimeout(res, 500));
      const ps = await execa('ps', ['-eo', 'args']);
      expect(ps.stdout.split('\n').filter((l) => l.includes(cache))).toEqual([]);
      expect(readdirSync(cache)).toEqual([]);
      expect(readdirSync(join(scratch, 'sig-out'))).toEqual([]);
      expect(readdirSync(scratch).filter((n) => n.includes('.partial-'))).toEqual([]);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it('SIGTERM during a simulation ends the simulator, removes its temporary folder, exits 143', async () => {
    const child = execa('node', [join(repo, 'bin/synergyflow.js'), 'run', '--preset', 'tiny', '--workload', 'builtin:alexnet', '--out', 'sim-out'], { reject: false, cwd: scratch, all: true });
    let output = '';
    child.all!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 120_000;
    while (!/simulating .* in (\S+)/.test(output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const work = /simulating .* in (\S+)/.exec(output)![1];
    await new Promise((r) => setTimeout(r, 1000));
    expect(existsSync(join(work, 'image.bin'))).toBe(true);
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode).toBe(EXIT.sigterm);
    expect(existsSync(work)).toBe(false);
    expect(existsSync(join(scratch, 'sim-out'))).toBe(false);
    const ps = await execa('ps', ['-eo', 'args']);
    expect(ps.stdout.split('\n').filter((l) => l.includes(work))).toEqual([]);
  });
});
