// Waveforms and replay (README: Waveforms and replay): the option checks and the GTKWave save file
// without a simulator; then, on the tiny preset and a small random workload, a windowed dump on
// both simulators whose every saved signal exists in the dump, and replay.sh giving the same run
// (on the cached build, and rebuilt from the run folder's file list).
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/resolve.ts';
import { generateFiles } from '../emit/generate.ts';
import { InputError } from '../errors.ts';
import { writeRandomWorkload } from '../model/random-model.ts';
import { simBuildName } from '../tools/sim.ts';
import { ENTRY_MANIFEST } from '../tools/sim-cache.ts';
import { replayFiles } from './replay.ts';
import { runWorkload } from './run.ts';
import { formatRunSummary } from './summary.ts';
import { checkWavesOptions, gtkwaveSaveFile } from './waves.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-waves-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const repo = new URL('../../', import.meta.url).pathname;

/** The signals a VCD file declares, as GTKWave names them (scopes joined by dots, the range appended). */
function vcdSignals(path: string): Set<string> {
  const header = readFileSync(path, 'latin1').split('$enddefinitions')[0];
  const names = new Set<string>();
  const scopes: string[] = [];
  for (const decl of header.split('$end')) {
    const words = decl.trim().split(/\s+/);
    if (words[0] === '$scope') scopes.push(words[2]);
    else if (words[0] === '$upscope') scopes.pop();
    else if (words[0] === '$var') names.add([...scopes, words[4]].join('.') + (words[5] ?? ''));
  }
  return names;
}

/**
 * The signals an FST file declares, named as in vcdSignals: its hierarchy block (type 4, gzip;
 * both simulators write that one) read record by record (fstapi.h: scope 254, upscope 255,
 * attributes 252 and 253, anything else a variable of that type).
 */
function fstSignals(path: string): Set<string> {
  const data = readFileSync(path);
  let hier: Buffer | undefined;
  for (let pos = 0; pos < data.length; ) {
    const length = Number(data.readBigUInt64BE(pos + 1));
    if (data[pos] === 4) hier = gunzipSync(data.subarray(pos + 1 + 16, pos + 1 + length));
    pos += 1 + length;
  }
  if (!hier) throw new Error(`${path}: no gzip hierarchy block`);
  const h = hier;
  let i = 0;
  const cString = () => {
    const end = h.indexOf(0, i);
    const text = h.subarray(i, end).toString('latin1');
    i = end + 1;
    return text;
  };
  const varint = () => {
    while (h[i++] & 0x80);
  };
  const names = new Set<string>();
  const scopes: string[] = [];
  while (i < h.length) {
    const tag = h[i++];
    if (tag === 254) {
      i++;
      scopes.push(cString());
      cString();
    } else if (tag === 255) scopes.pop();
    else if (tag === 252) {
      i += 2;
      cString();
      varint();
    } else if (tag !== 253) {
      i++;
      names.add([...scopes, cString().replace(' ', '')].join('.'));
      varint();
      varint();
    }
  }
  return names;
}

/** The signals a GTKWave save file shows (not its comments, settings, flags or group names). */
function savedSignals(gtkw: string): string[] {
  return gtkw.split('\n').filter((line) => line !== '' && !'[*@-'.includes(line[0]));
}

/** The VCD's timestamps, in the order written. */
function vcdTimes(path: string): number[] {
  return [...readFileSync(path, 'latin1').matchAll(/^#(\d+)$/gm)].map((m) => Number(m[1]));
}

function sfLines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.startsWith('SF_'));
}

describe('waveform options', () => {
  it('refuses a window without --waves, a window that ends before it starts, and an unknown format', () => {
    const problems = (opts: Parameters<typeof checkWavesOptions>[0]) => {
      try {
        checkWavesOptions(opts);
        return [];
      } catch (err) {
        expect(err).toBeInstanceOf(InputError);
        return (err as InputError).problems.map((p) => `${p.field}: expected ${p.expected}, found ${p.found}`);
      }
    };
    expect(problems({ waves: 'fst', wavesFrom: 10, wavesTo: 10 })).toEqual([]);
    expect(problems({ wavesFrom: 10 })).toEqual(['--waves-from: expected --waves too (a window of the waveform dump needs the dump), found --waves-from 10 without --waves']);
    expect(problems({ wavesTo: 5 })[0]).toMatch(/^--waves-to: expected --waves too/);
    expect(problems({ waves: 'vcd', wavesFrom: 100, wavesTo: 99 })).toEqual(['--waves-to: expected a cycle at or after --waves-from (100), found 99']);
    expect(problems({ waves: 'lxt' as 'fst' })).toEqual(['--waves: expected one of fst, vcd (or nothing: fst), found "lxt"']);
  });

  it('refuses them on the command line before any work: exit 2, the option named, no stack trace, no output folder', async () => {
    const cases = [
      [['--waves-from', '5'], '--waves-from: expected --waves too'],
      [['--waves', '--waves-from', '50', '--waves-to', '10'], '--waves-to: expected a cycle at or after --waves-from (50), found 10'],
      [['--waves', 'png'], '--waves: expected one of fst, vcd'],
    ] as const;
    for (const [args, message] of cases) {
      const r = await execa('node', [join(repo, 'bin/synergyflow.js'), 'run', '--preset', 'tiny', '--workload', 'builtin:lenet5:1', '--out', 'refused', ...args], { reject: false, cwd: scratch });
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(scratch, 'refused'))).toBe(false);
    }
  });
});

describe('GTKWave save file', () => {
  it('has a group per engine, names the dump relatively and no absolute path, and is the same for the same config', () => {
    for (const [preset, engines] of [['tiny', 2], ['default', 4], ['paper', 8]] as const) {
      const { design, files } = generateFiles(loadConfig({ preset }));
      const text = gtkwaveSaveFile(design, files, 'icarus', 'waves.fst');
      expect(text).toContain('[dumpfile] "waves.fst"');
      expect(text).not.toMatch(/(^|[\s"])\/(work|tmp|home|usr)\b/m);
      const groups = text.split('\n').filter((l, i, all) => all[i - 1] === '@800200');
      expect(groups.filter((g) => /^-Engine \d+$/.test(g))).toEqual(Array.from({ length: engines }, (_, e) => `-Engine ${e}`));
      expect(groups).toEqual(expect.arrayContaining(['-Controller (u_controller)', '-Register block (u_csr)', '-AXI4-Lite control port']));
      for (const e of [0, engines - 1]) expect(text).toContain(`sf_tb.u_system.u_dut.u_engine${e}.busy_o\n`);
      // The state registers it picks from the leaves' RTL by name: a renamed one shows here.
      for (const reg of ['u_controller.u_sched.running_q', 'u_controller.u_fetch.fetch_q[1:0]', 'u_controller.u_window.valid_q[', 'u_engine0.u_seq.active_q', 'u_engine0.u_compute.u_ctrl.run_q', 'u_engine0.u_writer.aw_busy_q']) {
        expect(text).toContain(`sf_tb.u_system.u_dut.${reg}`);
      }
      const again = generateFiles(loadConfig({ preset }));
      expect(gtkwaveSaveFile(again.design, again.files, 'icarus', 'waves.fst')).toBe(text);
    }
  });

  it('is a build of its own per trace format on Verilator, one on Icarus, and leaves the plain build\'s cache name alone', () => {
    const files = new Map([['rtl/a.sv', 'module a; endmodule\n']]);
    const params = { BUS_BITS: 32, IDW: 1, ENGINES: 2, CHANNELS: 1, ADDR_BITS: 32 };
    const name = (simulator: 'verilator' | 'icarus', waves?: 'fst' | 'vcd') => simBuildName({ simulator, files, params, waves });
    const names = [name('verilator'), name('verilator', 'fst'), name('verilator', 'vcd'), name('icarus'), name('icarus', 'fst')];
    expect(new Set(names).size).toBe(5);
    expect(names[0]).toMatch(/^verilator-[0-9a-f]{16}$/);
    expect(names[1]).toMatch(/^verilator-fst-[0-9a-f]{16}$/);
    expect(name('icarus', 'vcd')).toBe(name('icarus', 'fst'));
    expect(name('icarus', 'vcd')).toMatch(/^icarus-waves-[0-9a-f]{16}$/);
  });
});

describe('replay.sh, on a stand-in build (no simulator)', () => {
  // A run folder's replay files around a cached "Verilator build" whose simulator is a shell
  // script printing an SF_ line and writing dump.hex in its working folder.
  const base = join(scratch, 'stand-in');
  const run = join(base, 'run');
  const cache = join(base, 'cache');
  const buildName = 'verilator-0123456789abcdef';
  const files = new Map([['rtl/a.sv', 'module a; endmodule\n']]);
  const params = { BUS_BITS: 32, IDW: 1, ENGINES: 2, CHANNELS: 1, ADDR_BITS: 32 };
  const write = (path: string, data: string) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, data);
  };
  for (const [path, data] of replayFiles({ simulator: 'verilator', build: { params, files }, buildName, cacheFromRun: '../cache', plusargs: { image: 'image.bin' } })) write(join(run, path), String(data));
  chmodSync(join(run, 'replay.sh'), 0o755);
  write(join(run, 'sim/image.bin'), 'image');
  write(join(run, 'sim/faults.txt'), '');
  write(join(cache, buildName, ENTRY_MANIFEST), '{}');
  write(join(cache, buildName, 'obj/sim'), '#!/bin/sh\necho "SF_REG CYCLES_LO 42 $*"\necho 00 > dump.hex\n');
  chmodSync(join(cache, buildName, 'obj/sim'), 0o755);
  const replay = (args: string[], cwd = base) => execa(join(run, 'replay.sh'), args, { reject: false, cwd, env: { TMPDIR: base } });
  /** Every path under a folder, with what each file holds: to see that nothing changed. */
  const snapshot = (dir: string): Record<string, string> =>
    Object.fromEntries(readdirSync(dir, { recursive: true, withFileTypes: true }).map((e) => {
      const path = join(e.parentPath, e.name);
      return [path, e.isFile() ? readFileSync(path, 'latin1') : e.isDirectory() ? 'dir' : 'other'];
    }));

  it('replays into a new DIR, an empty one, or with no DIR a new temporary folder', async () => {
    for (const args of [[join(base, 'new/deeper')], [join(base, 'empty')], []]) {
      if (args[0]?.endsWith('empty')) mkdirSync(args[0]);
      const before = new Set(readdirSync(base));
      const r = await replay(args);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toBe('SF_REG CYCLES_LO 42 +image=image.bin');
      const out = args[0] ?? join(base, [...readdirSync(base)].find((f) => !before.has(f))!);
      if (!args[0]) expect(out).toMatch(/\/synergyflow-replay-[^/]+$/);
      expect(readdirSync(out).sort()).toEqual(['dump.hex', 'faults.txt', 'image.bin', 'sim.log']);
      expect(readFileSync(join(out, 'sim.log'), 'utf8')).toBe(`${r.stdout}\n`);
    }
  });

  it('refuses, exit 2 and nothing written, a DIR that is not empty, a file, the run folder or a folder inside it', async () => {
    const mine = join(base, 'my folder');
    write(join(mine, 'image.bin'), 'my image');
    write(join(mine, 'sim.log'), 'my log');
    write(join(base, 'a-file'), 'mine');
    const cases: [string[], string, string][] = [
      [[mine], base, `DIR "${mine}" exists and is not empty`],
      [[join(base, 'a-file')], base, 'is not a folder'],
      [['.'], run, `DIR "." is the run folder ${realpathSync(run)} or inside it`],
      [[run], base, 'is the run folder'],
      [['sim'], run, 'is the run folder'],
      [[join(run, 'sim/new/deeper')], base, 'is the run folder'],
      [[join(base, 'new/../run/other')], base, 'is the run folder'],
    ];
    for (const [args, cwd, message] of cases) {
      const before = snapshot(base);
      const r = await replay(args, cwd);
      expect(r.exitCode, `${args}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain('nothing was written');
      expect(r.stdout).toBe('');
      expect(snapshot(base)).toEqual(before);
    }
  });
});

describe('waveforms and replay on the tiny preset', () => {
  const workload = writeRandomWorkload(join(scratch, 'work'), 7, 1);
  const from = 1000;
  const to = 1399;

  it.each(['verilator', 'icarus'] as const)('%s dumps a window of the run as VCD, every saved signal in it, and replay.sh gives the same run', async (sim) => {
    const out = join(scratch, `${sim}-out`);
    const r = await runWorkload({ preset: 'tiny', workload, sim, out, waves: 'vcd', wavesFrom: from, wavesTo: to });
    expect(r.status, r.message).toBe('ok');
    expect(r.cycles).toBeGreaterThan(to);
    expect(r.waves).toMatchObject({ format: 'vcd', file: 'waves.vcd', saveFile: 'waves.gtkw', from, to });
    const vcd = join(out, 'waves.vcd');
    expect(r.waves!.bytes).toBe(statSync(vcd).size);
    expect(formatRunSummary(r)).toContain(`waveforms:     waves.vcd (`);

    // Every signal the save file shows is in the dump, and it names the dump beside it.
    const gtkw = readFileSync(join(out, 'waves.gtkw'), 'utf8');
    expect(gtkw).toContain('[dumpfile] "waves.vcd"');
    const saved = savedSignals(gtkw);
    expect(saved.length).toBeGreaterThan(100);
    const declared = vcdSignals(vcd);
    expect(saved.filter((s) => !declared.has(s))).toEqual([]);

    // The window: cycles from..to, two clock edges (5 ns apart) each, and nothing outside it.
    const times = vcdTimes(vcd).filter((t, i, all) => i === 0 || t !== all[i - 1]);
    const edges = times.length;
    expect(edges).toBeGreaterThanOrEqual(2 * (to - from + 1) - 2);
    expect(edges).toBeLessThanOrEqual(2 * (to - from + 1) + 4);
    expect(times[0]).toBeGreaterThanOrEqual(from * 10_000);

    // The replay: the same build (cached) on the folder's image and plusargs gives the same
    // counters and memory read back. On Icarus it is rebuilt from the folder's file list.
    const replayed = join(scratch, `${sim}-replay`);
    const env = sim === 'icarus' ? { SYNERGYFLOW_CACHE_DIR: join(scratch, 'no-cache') } : {};
    const rep = await execa(join(out, 'replay.sh'), [replayed], { reject: false, cwd: scratch, env });
    expect(rep.exitCode, rep.stderr).toBe(0);
    expect(rep.stderr).toContain(sim === 'icarus' ? 'no cached build' : 'simulating with the build in');
    expect(sfLines(join(replayed, 'sim.log'))).toEqual(sfLines(join(out, 'sim/sim.log')));
    expect(sfLines(join(replayed, 'sim.log'))).toContain(`SF_REG CYCLES_LO ${r.cycles}`);
    expect(readFileSync(join(replayed, 'dump.hex'))).toEqual(readFileSync(join(out, 'sim/dump.hex')));
    // Verilator's VCD has no date: the replay's dump is the run's, byte for byte.
    if (sim === 'verilator') expect(readFileSync(join(replayed, 'waves.vcd')).equals(readFileSync(vcd))).toBe(true);
    else expect(existsSync(join(replayed, 'build/BUILT'))).toBe(true);
    // Nothing in the run folder names this machine's folders.
    for (const f of ['replay.sh', 'sim/plusargs.txt', 'sim/files.f', 'waves.gtkw']) expect(readFileSync(join(out, f), 'utf8')).not.toContain(scratch);
  });

  it('writes no dump, and says so, when the window opens after the run ended', async () => {
    const out = join(scratch, 'late');
    const r = await runWorkload({ preset: 'tiny', workload, sim: 'verilator', out, waves: 'vcd', wavesFrom: 1_000_000_000 });
    expect(r.status, r.message).toBe('ok');
    // No file is named that does not exist: not in results.json, not in replay.sh's header.
    expect(r.waves).toEqual({ format: 'vcd', file: null, saveFile: null, bytes: 0, from: 1_000_000_000, to: null });
    expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).waves).toEqual(r.waves);
    expect(existsSync(join(out, 'waves.vcd'))).toBe(false);
    expect(existsSync(join(out, 'waves.gtkw'))).toBe(false);
    const header = readFileSync(join(out, 'replay.sh'), 'utf8').split('\nset -euo')[0];
    expect(header).not.toContain('waves.vcd');
    expect(header).toContain('no waveforms');
    expect(formatRunSummary(r)).toContain('waveforms:     none (the window, cycles 1000000000 to the end, opened after the run ended)');
  });

  it('dumps FST by default (on Icarus, the same build as VCD), from reset', async () => {
    const out = join(scratch, 'icarus-fst');
    const cli = await execa('node', [join(repo, 'bin/synergyflow.js'), 'run', '--preset', 'tiny', '--workload', workload, '--sim', 'icarus', '--out', out, '--waves', '--waves-to', '200', '--quiet'], { reject: false, cwd: scratch });
    expect(cli.exitCode, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/^waveforms: {5}waves\.fst \([\d.]+ KiB, cycles 0 to 200\); GTKWave: waves\.gtkw$/m);
    const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(r.timing.buildCached).toBe(true);
    const fst = readFileSync(join(out, 'waves.fst'));
    // An FST file starts with its header block (type 0).
    expect(fst[0]).toBe(0);
    const gtkw = readFileSync(join(out, 'waves.gtkw'), 'utf8');
    expect(gtkw).toContain('[dumpfile] "waves.fst"');
    const declared = fstSignals(join(out, 'waves.fst'));
    expect(savedSignals(gtkw).filter((s) => !declared.has(s))).toEqual([]);
  });
});
