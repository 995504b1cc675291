// The command line as a user meets it: exit codes, refusals before any work, never a stack
// trace, never a file of the user's lost, and an interrupt that cleans up. One test per
// reproducer of issue #8 (each failed before). The reproducers run as a real process from a
// scratch folder; the rest run in-process (runCli), which is the same code without node's start.
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
import { runCli } from './program.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-cli-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const repo = new URL('../../', import.meta.url).pathname;
const at = (path: string) => join(scratch, path);

/** The synergyflow process, run from the scratch folder. */
function cliProcess(args: string[], env: Record<string, string> = {}) {
  return execa('node', [join(repo, 'bin/synergyflow.js'), ...args], { reject: false, cwd: scratch, env, all: true });
}

/** The same command in-process: paths must be absolute (the test's folder is the repository). */
async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const exitCode = await runCli(['node', 'synergyflow', ...args], { out: (t) => (stdout += t), err: (t) => (stderr += t) });
  return { exitCode, stdout, stderr };
}

/** No stack trace and no raw Node error reaches the user. */
function expectClean(stderr: string) {
  expect(stderr).not.toMatch(/\n\s+at |RangeError|EEXIST|TypeError/);
}

describe('output folders are never destroyed', () => {
  it('refuses a folder holding the user\'s files, and keeps them', async () => {
    mkdirSync(at('u/sub'), { recursive: true });
    writeFileSync(at('u/MARKER'), 'x');
    const r = await cliProcess(['generate', '--preset', 'tiny', '--out', 'u']);
    expect(r.exitCode).toBe(EXIT.badInput);
    expect(r.stderr).toContain('--out: expected a new or empty folder, or one synergyflow wrote');
    expect(r.stderr).toContain('which holds "MARKER", "sub"');
    expect(readFileSync(at('u/MARKER'), 'utf8')).toBe('x');
    expect(existsSync(at('u/sub'))).toBe(true);
  });

  it('refuses a regular file, the current folder and an empty path', async () => {
    writeFileSync(at('f.txt'), 'keep');
    writeFileSync(at('here.txt'), 'mine');
    const cases: [string, string][] = [['f.txt', 'which is a file'], ['.', 'not the current folder'], ['', 'an empty path']];
    const results = await Promise.all(cases.map(([out]) => cliProcess(['generate', '--preset', 'tiny', '--out', out])));
    results.forEach((r, i) => {
      expect(r.exitCode, cases[i][0]).toBe(EXIT.badInput);
      expect(r.stderr).toContain(cases[i][1]);
    });
    expect(readFileSync(at('f.txt'), 'utf8')).toBe('keep');
    expect(readFileSync(at('here.txt'), 'utf8')).toBe('mine');
  });

  it('refuses the workload\'s own folder, leaving it intact', async () => {
    writeRandomWorkload(at('case'), 5, 1);
    const before = readdirSync(at('case')).sort();
    const r = await cliProcess(['run', '--preset', 'tiny', '--workload', 'case/workload.json', '--out', 'case']);
    expect(r.exitCode).toBe(EXIT.badInput);
    expect(r.stderr).toContain('holds none of the files the command reads or keeps');
    expect(readdirSync(at('case')).sort()).toEqual(before);
  });

  it('refuses --out under a file at once, before simulating', async () => {
    writeFileSync(at('afile'), 'x');
    const started = Date.now();
    const r = await cliProcess(['run', '--preset', 'tiny', '--workload', 'builtin:lenet5', '--out', 'afile/sub']);
    expect(r.exitCode).toBe(EXIT.badInput);
    expect(r.stderr).toContain('under the file');
    expect(r.stderr).not.toContain('[synergyflow] compiled');
    expect(Date.now() - started).toBeLessThan(10_000);
    expectClean(r.stderr);
  });

  it('replaces its own folder on a re-run, refuses it once edited, and replaces the edit with --force', async () => {
    const gen = at('gen');
    const generate = (...more: string[]) => cli(['generate', '--preset', 'tiny', '--out', gen, ...more]);
    expect((await generate()).exitCode).toBe(EXIT.ok);
    expect((await generate()).exitCode).toBe(EXIT.ok);
    writeFileSync(join(gen, 'sf_top.f'), 'edited');
    const refused = await generate();
    expect(refused.exitCode).toBe(EXIT.badInput);
    expect(refused.stderr).toContain('"sf_top.f" changed since');
    expect(readFileSync(join(gen, 'sf_top.f'), 'utf8')).toBe('edited');
    expect((await generate('--force')).exitCode).toBe(EXIT.ok);
    expect(readFileSync(join(gen, 'sf_top.f'), 'utf8')).not.toBe('edited');
    writeFileSync(join(gen, 'notes.txt'), 'mine');
    const foreign = await generate('--force');
    expect(foreign.exitCode).toBe(EXIT.badInput);
    expect(foreign.stderr).toContain('which also holds "notes.txt"');
    expect(readFileSync(join(gen, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('refuses a folder another command wrote (compile --out on a generate folder) unless --force, before any work', async () => {
    const gen = at('gen-then-compile');
    expect((await cli(['generate', '--preset', 'tiny', '--out', gen])).exitCode).toBe(EXIT.ok);
    const before = readdirSync(gen).sort();
    const compile = (...more: string[]) => cli(['compile', '--preset', 'tiny', '--workload', 'builtin:lenet5', '--out', gen, ...more]);
    const refused = await compile();
    expect(refused.exitCode).toBe(EXIT.badInput);
    expect(refused.stderr).toContain(`${JSON.stringify(gen)}, written by synergyflow generate`);
    expect(refused.stderr).toContain('--force');
    expectClean(refused.stderr);
    expect(readdirSync(gen).sort()).toEqual(before);
    expect((await compile('--force')).exitCode).toBe(EXIT.ok);
    expect(readdirSync(gen)).toContain('program.json');
    expect(existsSync(join(gen, 'sf_top.f'))).toBe(false);
  });
});

describe('exit codes', () => {
  it('exits 2 on every usage error, with commander\'s message and no stack trace', async () => {
    const out = at('usage-out');
    const base = ['run', '--preset', 'tiny', '--workload', 'builtin:lenet5', '--out', out];
    const cases: [string[], RegExp][] = [
      [['run', '--preset', 'tiny', '--workload', 'builtin:lenet5'], /required option '--out <dir>'/],
      [['run', '--preset', 'tiny', '--out', out], /required option '--workload <file>'/],
      [['synth', '--preset', 'tiny', '--out', out], /required option '--target <target>'/],
      [['bogus'], /unknown command 'bogus'/],
      [[...base, '--nope'], /unknown option '--nope'/],
      [['generate', '--preset', 'tiny', '--out', out, 'extra'], /too many arguments/],
      [['generate', '--preset', 'tiny', '--out'], /option '--out <dir>' argument missing/],
      [[...base, '--sim', 'foo'], /Allowed choices are verilator, icarus/],
      [[...base, '--policy', 'foo'], /Allowed choices are monolithic, static, elastic/],
      [[...base, '--budget', '0'], /--budget must be a decimal integer from 1/],
      [['generate', '--preset', 'tiny', '--config', 'c.json', '--out', out], /cannot be used with option '--config/],
      [[...base, '--latency', '4294967297'], /--latency must be a decimal integer from 1 to 1000/],
      [[...base, '--stall-percent', '100'], /--stall-percent must be a decimal integer from 0 to 90/],
      [[...base, '--seed', '1e3'], /--seed must be a decimal integer/],
      [[...base, '--seed', '4294967296'], /--seed must be a decimal integer from 0 to 4294967295/],
      [[...base, '--budget', '0x10'], /--budget must be a decimal integer/],
      [[...base, '--fault', 'read:5-2'], /expected read\|write:LO-HI/],
      [[...base, '--bytes-per-cycle', '16'], /--bytes-per-cycle: expected an integer from 1 to one beat \(4 bytes/],
      [[...base, '--static-group', '3'], /--static-group: expected a power of two/],
      [[...base, '--static-group', '4'], /--static-group: expected a power of two at most the engine count \(2\)/],
      [['generate', '--preset', 'huge', '--out', out], /--preset: expected one of tiny, micro, default, paper, found "huge"/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.exitCode, args.join(' ')).toBe(EXIT.badInput);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expectClean(r.stderr);
    }
    expect(existsSync(out)).toBe(false);
  });

  it('exits 0 for --help and --version', async () => {
    expect(await cli(['--version'])).toMatchObject({ exitCode: EXIT.ok, stdout: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(await cli(['run', '--help'])).toMatchObject({ exitCode: EXIT.ok, stdout: expect.stringContaining('--allow-large') });
  });

  it('exits 1 when lint finds warnings and 3 when Verilator is missing', async () => {
    const bin = at('fake-bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'verilator'), '#!/bin/sh\necho "%Warning-UNUSED: sf_top.v:1:1: Signal is not used"\nexit 1\n', { mode: 0o755 });
    const path = process.env.PATH;
    try {
      process.env.PATH = bin;
      const warned = await cli(['lint', '--preset', 'tiny']);
      expect(warned).toMatchObject({ exitCode: EXIT.failed, stderr: expect.stringContaining('preset tiny: 1 Verilator warning(s)') });
      process.env.PATH = at('no-such-bin');
      const missing = await cli(['lint', '--preset', 'tiny']);
      expect(missing).toMatchObject({ exitCode: EXIT.tool, stderr: expect.stringContaining("'verilator' is not installed or not on PATH") });
    } finally {
      process.env.PATH = path;
    }
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
    ['a 1.2 GiB conv layer output', { name: 'm', input: [16, 2048, 2048], layers: [{ name: 'c', type: 'conv', out: 320, kernel: 1 }] }, 1, /expected a batch whose layers\[0\] \(c\) output has at most 536870912 elements/],
  ])('refuses %s', async (name, model, batch, message) => {
    const dir = at(`guard-${name.replace(/\W+/g, '_')}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model.json'), JSON.stringify(model));
    writeFileSync(join(dir, 'workload.json'), JSON.stringify({ jobs: [{ name: 'j', model: 'model.json', batch }] }));
    const started = Date.now();
    const r = await cli(['run', '--preset', 'tiny', '--workload', join(dir, 'workload.json'), '--out', join(dir, 'out')]);
    expect(r.exitCode, name).toBe(EXIT.badInput);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('--allow-large');
    expect(Date.now() - started).toBeLessThan(2_000);
    expectClean(r.stderr);
  });

  it('refuses builtin:lenet5:1000000 in a moment', async () => {
    const started = Date.now();
    const r = await cliProcess(['run', '--preset', 'tiny', '--workload', 'builtin:lenet5:1000000', '--out', 'big']);
    expect(r.exitCode).toBe(EXIT.badInput);
    expect(r.stderr).toContain('batch 1000000');
    expect(Date.now() - started).toBeLessThan(10_000);
    expectClean(r.stderr);
  });

  it.each([
    ['buffers.inputWords: 2^30', { buffers: { inputWords: 2 ** 30 } }, /buffers.inputWords: expected at most 16384 words/],
    ['32 engines of 64x64', { engines: 32, pe: { tn: 64, tm: 64 } }, /engines: expected engines \* pe.tn \* pe.tm \(MACs\) at most 16384, found 32 \* 64 \* 64 = 131072/],
    ['engines: 0', { engines: 0 }, /engines: expected an integer >= 1, found 0/],
  ])('refuses a config with %s before any build', async (name, config, message) => {
    const file = at(`cfg-${name.replace(/\W+/g, '_')}.json`);
    writeFileSync(file, JSON.stringify(config));
    const r = await cli(['run', '--config', file, '--workload', 'builtin:lenet5', '--out', at('cfg-out')]);
    expect(r.exitCode).toBe(EXIT.badInput);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain('build');
  });
});

describe('interrupts', () => {
  /** Starts a run and waits until its progress log matches `until`. */
  async function startRun(args: string[], until: RegExp, env: Record<string, string> = {}) {
    const child = cliProcess(['run', '--preset', 'tiny', ...args], env);
    let output = '';
    child.all!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 60_000;
    while (!until.test(output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return { child, match: until.exec(output) };
  }

  /** Nothing the process started is left: no process naming `path`, no temporary folder of its pid. */
  async function expectNothingLeft(pid: number, path: string) {
    const ps = await execa('ps', ['-eo', 'args']);
    expect(ps.stdout.split('\n').filter((l) => l.includes(path))).toEqual([]);
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith('synergyflow-') && n.includes(`-${pid}-`))).toEqual([]);
    expect(readdirSync(scratch).filter((n) => n.includes('.partial-') || n.includes('.old-'))).toEqual([]);
  }

  it('SIGINT during a Verilator build ends the build, removes partial files, leaves --out as it was, exits 130', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'sf-cli-cache-'));
    try {
      mkdirSync(at('sig-out'));
      writeFileSync(at('sig-out/keep.txt'), 'mine');
      // An --out that holds a file is refused; a new path under an existing folder is the case.
      const { child, match } = await startRun(['--workload', 'builtin:lenet5', '--out', 'sig-out/new'], /build of a design not in the cache/, { SYNERGYFLOW_CACHE_DIR: cache });
      expect(match).not.toBeNull();
      // Let Verilator get going (make and the C++ compiler).
      await new Promise((r) => setTimeout(r, 1500));
      const stopped = Date.now();
      child.kill('SIGINT');
      const r = await child;
      expect(r.exitCode).toBe(EXIT.sigint);
      expect(Date.now() - stopped).toBeLessThan(5_000);
      await new Promise((res) => setTimeout(res, 300));
      await expectNothingLeft(child.pid!, cache);
      // The cache's marker and tag, and no build: nothing partial, no lock, no use.
      expect(readdirSync(cache).sort()).toEqual(['.synergyflow-cache.json', 'CACHEDIR.TAG']);
      expect(readdirSync(at('sig-out'))).toEqual(['keep.txt']);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it('SIGINT while compile computes the golden model\'s outputs stops it at once: exit 130, no --out', async () => {
    // AlexNet x2: seconds of golden model after the compiler's log line.
    const child = cliProcess(['compile', '--preset', 'tiny', '--workload', 'builtin:alexnet:2', '--out', 'compile-out']);
    let output = '';
    child.all!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 60_000;
    while (!/compiled 1 job\(s\) into/.test(output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(output).toMatch(/compiled 1 job\(s\) into/);
    await new Promise((r) => setTimeout(r, 300));
    const stopped = Date.now();
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode, r.all).toBe(EXIT.sigint);
    expect(Date.now() - stopped).toBeLessThan(3_000);
    expect(r.all).not.toMatch(/-> compile-out/);
    expect(existsSync(at('compile-out'))).toBe(false);
    expect(readdirSync(scratch).filter((n) => n.startsWith('compile-out'))).toEqual([]);
  });

  it('SIGTERM during a simulation ends the simulator, removes its temporary folder, exits 143', async () => {
    // Slow memory keeps 32 LeNet-5 images simulating for about 15 s.
    const { child, match } = await startRun(['--workload', 'builtin:lenet5:32', '--latency', '1000', '--stall-percent', '90', '--out', 'sim-out'], /simulating .* in (\S+)/);
    const work = match![1];
    await new Promise((r) => setTimeout(r, 500));
    expect(existsSync(join(work, 'image.bin'))).toBe(true);
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode).toBe(EXIT.sigterm);
    expect(r.all).not.toContain('status:');
    expect(existsSync(work)).toBe(false);
    expect(existsSync(at('sim-out'))).toBe(false);
    await expectNothingLeft(child.pid!, work);
  });
});

describe('list', () => {
  it('lists the presets and the built-in models with their sizes, and refuses anything else (exit 2)', async () => {
    const presets = await cli(['list', 'presets']);
    expect(presets.exitCode).toBe(0);
    expect(presets.stdout.split('\n').filter(Boolean).map((l) => l.split(' ')[0])).toEqual(['tiny', 'micro', 'default', 'paper']);
    expect(presets.stdout).toContain('default  4 engine(s) of 16x16 MACs (1,024 MACs), 8-bit, 2 x 128-bit memory channel(s), 100 MHz');
    const models = await cli(['list', 'models']);
    expect(models.exitCode).toBe(0);
    expect(models.stdout).toContain('lenet5   input [1, 32, 32], 5 layers (conv conv conv fc fc), 0.4 M MACs an image; use as builtin:lenet5[:BATCH]');
    expect(models.stdout).toContain('builtin:vgg16[:BATCH]');
    const bad = await cli(['list', 'layers']);
    expect(bad.exitCode).toBe(EXIT.badInput);
    expect(bad.stderr).toContain('Allowed choices are presets, models');
    expectClean(bad.stderr);
  });
});

describe('the default configuration', () => {
  it('is said when neither --preset nor --config is given', async () => {
    const r = await cli(['generate', '--out', at('gen-default')]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('no --preset or --config: using preset default');
    const named = await cli(['generate', '--preset', 'tiny', '--out', at('gen-tiny')]);
    expect(named.stderr).not.toContain('using preset default');
  });
});
