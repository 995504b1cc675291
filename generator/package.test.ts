// The package as its users get it: the command from the compiled dist/ (built first when it is
// not current, as npm test's set-up does), the programmatic API imported by the package's
// name through package.json's exports, and the files npm pack puts in the tarball.
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseEntry, distIsCurrent } from '../bin/entry.js';
import { build } from '../scripts/build.js';
import { generateFiles } from './emit/generate.ts';
import { resolveConfig } from './config/resolve.ts';
import { presets } from './config/presets.ts';

const repo = fileURLToPath(new URL('../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { name: string; version: string };
const scratch = mkdtempSync(join(tmpdir(), 'synergyflow-package-test-'));
beforeAll(() => void build({ quiet: true }), 300_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const bin = (args: string[], env: Record<string, string> = {}) =>
  execa('node', [join(repo, 'bin/synergyflow.js'), ...args], { reject: false, cwd: scratch, env: { ...env }, all: true });

describe('the command runs the compiled JavaScript', () => {
  it('finds dist/ current after the build, so the bin runs it', () => {
    expect(distIsCurrent(repo)).toBe(true);
    expect(chooseEntry(repo, {})).toBe('dist');
  });

  it('prints its version and lists the presets from dist/', async () => {
    const version = await bin(['--version'], { SYNERGYFLOW_ENTRY: 'dist' });
    expect(version.exitCode).toBe(0);
    expect(version.stdout.trim()).toBe(pkg.version);
    const list = await bin(['list', 'presets'], { SYNERGYFLOW_ENTRY: 'dist' });
    expect(list.exitCode).toBe(0);
    expect(list.stdout.split('\n').map((l) => l.split(' ')[0])).toEqual(Object.keys(presets));
  });

  it('generates from dist/ exactly the files the sources generate (templates and tb/ found from dist/)', async () => {
    const out = join(scratch, 'tiny');
    const r = await bin(['generate', '--preset', 'tiny', '--out', out], { SYNERGYFLOW_ENTRY: 'dist' });
    expect(r.exitCode, r.all).toBe(0);
    const { files } = generateFiles(resolveConfig(presets.tiny, 'preset tiny'));
    for (const [path, text] of files) expect(readFileSync(join(out, path), 'utf8'), path).toBe(text);
  });

  it('runs the explorer\'s worker threads from dist/ (and loads the resource model\'s calibration)', async () => {
    const space = join(scratch, 'space.json');
    writeFileSync(space, JSON.stringify({ base: 'tiny', vary: { engines: [1, 2], 'memory.channels': [1, 2] }, policies: ['elastic'], devices: ['xc7z020'] }));
    const r = await bin(['explore', '--workload', 'builtin:lenet5', '--space', space, '--threads', '2', '--quiet'], { SYNERGYFLOW_ENTRY: 'dist' });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(/images\/s/);
  });

  it('falls back to the sources when one is newer than the build, and an installed package (no sources) always runs dist/', () => {
    const root = join(scratch, 'fake-root');
    mkdirSync(join(root, 'dist/generator/cli'), { recursive: true });
    mkdirSync(join(root, 'generator/cli'), { recursive: true });
    writeFileSync(join(root, 'dist/generator/cli/main.js'), '');
    writeFileSync(join(root, 'generator/cli/main.ts'), '');
    writeFileSync(join(root, 'dist/.build-stamp'), '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(root, 'generator/cli/main.ts'), old, old);
    expect(chooseEntry(root, {})).toBe('dist');
    writeFileSync(join(root, 'generator/cli/main.ts'), '// edited');
    expect(chooseEntry(root, {})).toBe('source');
    expect(chooseEntry(root, { SYNERGYFLOW_ENTRY: 'dist' })).toBe('dist');
    // A test's edit does not make the build stale.
    utimesSync(join(root, 'generator/cli/main.ts'), old, old);
    writeFileSync(join(root, 'generator/cli/x.test.ts'), '');
    expect(chooseEntry(root, {})).toBe('dist');
    rmSync(join(root, 'generator/cli/main.ts'));
    rmSync(join(root, 'dist/.build-stamp'));
    expect(chooseEntry(root, {})).toBe('dist');
    rmSync(join(root, 'dist'), { recursive: true });
    expect(chooseEntry(root, {})).toBe('source');
  });
});

describe('the programmatic API', () => {
  it('is imported by the package\'s name (package.json exports) and generates, compiles and estimates, typed', async () => {
    // A project that depends on synergyflow: node_modules/synergyflow is this package.
    const project = join(scratch, 'user-project');
    mkdirSync(join(project, 'node_modules'), { recursive: true });
    symlinkSync(repo, join(project, 'node_modules', pkg.name), 'dir');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    writeFileSync(join(project, 'use.mjs'), `
      import { compile, generate, estimate, version } from 'synergyflow';
      const g = await generate({ config: { engines: 2, pe: { tn: 4, tm: 4 } } });
      const e = await estimate({ preset: 'tiny', workload: 'builtin:lenet5', policies: ['monolithic', 'elastic'] });
      const c = await compile({ preset: 'tiny', workload: 'builtin:lenet5', policy: 'monolithic' });
      console.log(JSON.stringify({ version, tasks: c.program.tasks.length, jobs: c.jobs.length, files: g.files.size, top: g.files.has('rtl/sf_top.sv'), macs: g.config.macs, source: g.config.source,
        estimates: e.estimates.map((x) => [x.policy, x.cycles]) }));
    `);
    const r = await execa('node', ['use.mjs'], { cwd: project, reject: false, all: true });
    expect(r.exitCode, r.all).toBe(0);
    const got = JSON.parse(r.stdout) as { version: string; tasks: number; jobs: number; files: number; top: boolean; macs: number; source: string; estimates: [string, number][] };
    expect(got).toMatchObject({ version: pkg.version, jobs: 1, top: true, macs: 32 });
    expect(got.tasks).toBeGreaterThan(0);
    expect(got.source).toMatch(/^config [0-9a-f]{12}$/);
    expect(got.files).toBe(generateFiles(resolveConfig({ engines: 2, pe: { tn: 4, tm: 4 } }, 'x')).files.size);
    expect(got.estimates.map(([p]) => p)).toEqual(['monolithic', 'elastic']);
    for (const [, cycles] of got.estimates) expect(cycles).toBeGreaterThan(0);

    // Its declarations type a user's TypeScript (NodeNext resolution through exports' "types").
    writeFileSync(join(project, 'use.ts'), `
      import { estimate, type EstimateResult, type RunResults } from 'synergyflow';
      const e: EstimateResult = await estimate({ config: { engines: 2 }, workload: 'builtin:lenet5', policies: ['elastic'] });
      const cycles: number = e.estimates[0].cycles;
      // @ts-expect-error: not a policy
      await estimate({ workload: 'builtin:lenet5', policies: ['fastest'] });
      export const status: RunResults['status'] | number = cycles;
    `);
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, types: ['node'], typeRoots: [join(repo, 'node_modules/@types')] },
      files: ['use.ts'],
    }));
    const tsc = await execa('node', [join(repo, 'node_modules/typescript/bin/tsc'), '-p', '.'], { cwd: project, reject: false, all: true });
    expect(tsc.exitCode, tsc.all).toBe(0);
  });
});

describe('npm pack', () => {
  it('ships what users need and no tests, CI files, scripts or scratch', async () => {
    // --ignore-scripts: the global set-up has built dist/ (prepack would print into the JSON).
    const r = await execa('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repo, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
    const unwanted = files.filter((f) => /\.test\.ts$/.test(f) || /(^|\/)test-[^/]*$/.test(f) || f.startsWith('.ci/') || f.startsWith('scripts/') || f.startsWith('rtl-out/') ||
      f.startsWith('.cache/') || /\.tsbuildinfo$/.test(f) || (f.startsWith('generator/') && f.endsWith('.ts')) || f.includes('/fixtures/'));
    expect(unwanted).toEqual([]);
    const needed = [
      'package.json', 'README.md', 'LICENSE', 'config.schema.json',
      'bin/synergyflow.js', 'bin/entry.js', 'dist/generator/cli/main.js', 'dist/generator/index.js', 'dist/generator/index.d.ts', 'dist/generator/explore/explore-worker.js',
      'templates/rtl/_header.hbs', 'tb/sf_tb.v', 'tb/sf_tb_system.v', 'tb/sf_axi_mem.v', 'tb/sf_axi_monitor.v',
      'generator/blocks/controller/sf_ctrl_sched.sv.hbs', 'generator/explore/calibration.json',
      'examples/lenet5-batch4.json', 'examples/config-small.json', 'docs/formats.md',
      // The C driver a host builds with compile's headers (README: Host side).
      'sw/sf_driver.c', 'sw/sf_driver.h', 'sw/README.md',
    ];
    expect(needed.filter((f) => !files.includes(f))).toEqual([]);
    // Every template and every compiled module the sources have.
    const sourceTemplates = (await execa('git', ['ls-files', 'generator/**/*.hbs', 'templates'], { cwd: repo })).stdout.split('\n');
    expect(sourceTemplates.length).toBeGreaterThan(20);
    expect(sourceTemplates.filter((f) => !files.includes(f))).toEqual([]);
  }, 60_000);
});

