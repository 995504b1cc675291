// The simulator cache: where it is, its permissions and marker, least-recently-used eviction
// within the size limit (never an entry in use or being built), clean (refusing a folder that is
// not a cache), the build-time history behind the ETA, and two processes asking for one build at
// once (one builds, the other waits and reuses it).
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/resolve.ts';
import { generateFiles } from '../emit/generate.ts';
import { InputError } from '../errors.ts';
import { buildHostModel, hostModelName } from './host-harness.ts';
import { buildSimulation, simBuildName } from './sim.ts';
import { cacheMaxBytes, cleanCache, defaultCacheDir, DEFAULT_MAX_BYTES, ENTRY_KINDS, entryKey, entryName as nameOf, evict, expectedSeconds, isEntryName, listEntries, openCache, parseSize, readHistory, useEntry, type TimingRecord } from './sim-cache.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-sim-cache-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(scratch, `c${n++}`);

/** A finished entry of `bytes`, last used `ageHours` ago. */
function fakeEntry(root: string, name: string, bytes: number, ageHours: number): void {
  mkdirSync(join(root, name, 'obj'), { recursive: true });
  writeFileSync(join(root, name, 'obj', 'sim'), 'x');
  const manifest = { tool: 'synergyflow', kind: 'sim-build', version: '0', simulator: name.split('-')[0], key: name.split('-')[1], design: `design ${name}`, sourceBytes: 1000, buildSeconds: 10, builtAt: new Date().toISOString(), bytes };
  writeFileSync(join(root, name, 'entry.json'), JSON.stringify(manifest));
  const t = new Date(Date.now() - ageHours * 3_600_000);
  utimesSync(join(root, name, 'entry.json'), t, t);
}
const entryName = (i: number) => `verilator-${i.toString(16).padStart(16, '0')}`;

describe('simulator cache: location and permissions', () => {
  it('is $SYNERGYFLOW_CACHE_DIR, else $XDG_CACHE_HOME/synergyflow, else ~/.cache/synergyflow', () => {
    expect(defaultCacheDir({ SYNERGYFLOW_CACHE_DIR: '/a/b', XDG_CACHE_HOME: '/x' })).toBe('/a/b');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/synergyflow');
    // A relative XDG_CACHE_HOME is invalid (the XDG spec): ignored.
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'rel' })).toBe(join(homedir(), '.cache', 'synergyflow'));
    expect(defaultCacheDir({})).toBe(join(homedir(), '.cache', 'synergyflow'));
  });

  it('reads sizes and the limit from the option or $SYNERGYFLOW_CACHE_MAX_SIZE (default 4 GiB)', () => {
    expect(parseSize('4G')).toBe(4 * 2 ** 30);
    expect(parseSize('500MiB')).toBe(500 * 2 ** 20);
    expect(parseSize('1.5k')).toBe(1536);
    expect(parseSize('123')).toBe(123);
    expect(parseSize('lots')).toBeUndefined();
    expect(cacheMaxBytes(undefined, {})).toBe(DEFAULT_MAX_BYTES);
    expect(cacheMaxBytes(undefined, { SYNERGYFLOW_CACHE_MAX_SIZE: '2G' })).toBe(2 * 2 ** 30);
    expect(cacheMaxBytes(1000, { SYNERGYFLOW_CACHE_MAX_SIZE: '2G' })).toBe(1000);
    expect(() => cacheMaxBytes(undefined, { SYNERGYFLOW_CACHE_MAX_SIZE: 'big' })).toThrow(InputError);
  });

  it('is created with mode 0700 (parents too) and its marker; an empty folder becomes one', () => {
    const root = join(fresh(), 'deeper', 'cache');
    expect(openCache(root)).toBe(root);
    expect(statSync(root).mode & 0o777).toBe(0o700);
    expect(readdirSync(root).sort()).toEqual(['.synergyflow-cache.json', 'CACHEDIR.TAG']);
    expect(readFileSync(join(root, 'CACHEDIR.TAG'), 'utf8')).toMatch(/^Signature: 8a477f597d28d172789f06886806bc55/);
    // Opened again: as it is.
    expect(openCache(root)).toBe(root);
    const empty = mkdtempSync(join(scratch, 'empty-'));
    openCache(empty);
    expect(existsSync(join(empty, '.synergyflow-cache.json'))).toBe(true);
  });

  it('refuses a non-empty folder without the marker, a file, and a folder others can write', () => {
    const foreign = fresh();
    mkdirSync(foreign, { mode: 0o700 });
    writeFileSync(join(foreign, 'thesis.tex'), 'mine');
    expect(() => openCache(foreign)).toThrow(/synergyflow cache.*found a folder holding thesis\.tex/s);
    expect(readdirSync(foreign)).toEqual(['thesis.tex']);
    const file = join(scratch, 'a-file');
    writeFileSync(file, '');
    expect(() => openCache(file)).toThrow(/expected a folder, found a file/);
    // A folder that cannot be made (under a file here; no home, a read-only file system): exit 2, not a bug.
    expect(() => openCache(join(file, 'cache'))).toThrow(InputError);
    expect(() => openCache(join(file, 'cache'))).toThrow(/a folder this user can create and write.*ENOTDIR/s);
    const shared = fresh();
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    expect(() => openCache(shared)).toThrow(/only you can write.*mode 777/s);
    chmodSync(shared, 0o770);
    expect(() => openCache(shared)).toThrow(/writable by its group/);
  });
});

describe('simulator cache: eviction and clean', () => {
  it('evicts the least recently used entries until within the limit, and records each use', () => {
    const root = openCache(fresh());
    // Last used 5, 4, 3, 2, 1 hours ago; 100 bytes each.
    for (let i = 0; i < 5; i++) fakeEntry(root, entryName(i), 100, 5 - i);
    // Entry 0, the oldest, is used now: the newest.
    const release = useEntry(root, entryName(0))!;
    release();
    expect(listEntries(root).map((e) => e.name)).toEqual([1, 2, 3, 4, 0].map(entryName));
    expect(evict(root, 500)).toEqual([]);
    expect(evict(root, 300).map((e) => e.name)).toEqual([entryName(1), entryName(2)]);
    expect(listEntries(root).map((e) => e.name)).toEqual([3, 4, 0].map(entryName));
    // `keep` (the build just made) is spared even when it is the oldest.
    expect(evict(root, 100, [entryName(3)]).map((e) => e.name)).toEqual([entryName(4), entryName(0)]);
    expect(listEntries(root).map((e) => e.name)).toEqual([entryName(3)]);
  });

  it('never evicts an entry in use or being built, even over the limit', () => {
    const root = openCache(fresh());
    for (let i = 0; i < 3; i++) fakeEntry(root, entryName(i), 100, 3 - i);
    const release = useEntry(root, entryName(0))!;
    // Entry 1 is being rebuilt: its lock is held by a live process (this one).
    writeFileSync(join(root, `${entryName(1)}.lock`), `${hostname()} ${process.pid} ${Date.now()}\n`);
    expect(evict(root, 0).map((e) => e.name)).toEqual([entryName(2)]);
    expect(listEntries(root).map((e) => [e.name, e.inUse, e.building])).toEqual([[entryName(1), false, true], [entryName(0), true, false]]);
    release();
    rmSync(join(root, `${entryName(1)}.lock`));
    expect(evict(root, 0).map((e) => e.name)).toEqual([1, 0].map(entryName));
    expect(useEntry(root, entryName(0))).toBeUndefined();
  });

  it('takes a use of a process that is gone for over, and its leftovers for clean', () => {
    const root = openCache(fresh());
    fakeEntry(root, entryName(1), 100, 1);
    writeFileSync(join(root, `${entryName(1)}.use-${hostname()}-99999999-0`), `${hostname()} 99999999 ${Date.now()}\n`);
    mkdirSync(join(root, `${entryName(2)}.partial-99999999`));
    writeFileSync(join(root, `${entryName(2)}.lock`), `${hostname()} 99999999 ${Date.now()}\n`);
    expect(listEntries(root)[0].inUse).toBe(false);
    const r = cleanCache(root, { maxBytes: 1000 });
    expect(r.leftovers.sort()).toEqual([`${entryName(1)}.use-${hostname()}-99999999-0`, `${entryName(2)}.lock`, `${entryName(2)}.partial-99999999`].sort());
    expect(r.removed).toEqual([]);
    expect(readdirSync(root).sort()).toEqual(['.synergyflow-cache.json', 'CACHEDIR.TAG', entryName(1)]);
  });

  it('cleans --older-than DAYS and --all, leaving what it did not create; refuses a folder that is not a cache', () => {
    const root = openCache(fresh());
    fakeEntry(root, entryName(1), 100, 24 * 10);
    fakeEntry(root, entryName(2), 100, 24 * 2);
    fakeEntry(root, entryName(3), 100, 1);
    writeFileSync(join(root, 'notes.txt'), 'mine');
    mkdirSync(join(root, 'verilator-not-hex'));
    expect(cleanCache(root, { olderThanDays: 7 }).removed.map((e) => e.name)).toEqual([entryName(1)]);
    const release = useEntry(root, entryName(3))!;
    const all = cleanCache(root, { all: true });
    expect(all.removed.map((e) => e.name)).toEqual([entryName(2)]);
    expect(all.busy.map((e) => e.name)).toEqual([entryName(3)]);
    release();
    expect(cleanCache(root, { all: true }).removed.map((e) => e.name)).toEqual([entryName(3)]);
    expect(readdirSync(root).sort()).toEqual(['.synergyflow-cache.json', 'CACHEDIR.TAG', 'notes.txt', 'verilator-not-hex']);

    // A folder without the marker, even one that looks like a cache, is refused and left as it is.
    const foreign = fresh();
    mkdirSync(foreign);
    fakeEntry(foreign, entryName(1), 100, 24 * 30);
    writeFileSync(join(foreign, 'keep.txt'), 'mine');
    expect(() => cleanCache(foreign, { all: true })).toThrow(/a synergyflow cache.*nothing else is cleaned/s);
    expect(readdirSync(foreign).sort()).toEqual(['keep.txt', entryName(1)]);
  });
});

describe('simulator cache: every kind of entry', () => {
  const key = '0123456789abcdef';
  const kinds = ['verilator', 'verilator-fst', 'verilator-vcd', 'icarus', 'icarus-waves', 'host'];

  it('names every build the project makes by one rule: plain, waveform and host-harness builds', () => {
    expect(ENTRY_KINDS).toEqual(kinds);
    for (const kind of ENTRY_KINDS) expect(isEntryName(nameOf(kind, `${key}ffff`))).toBe(true);
    expect(nameOf('verilator-fst', `${key}ffff`)).toBe(`verilator-fst-${key}`);
    expect(entryKey(`icarus-waves-${key}`)).toBe(key);
    for (const name of ['verilator-not-hex', `gcc-${key}`, `verilator-${key}0`, `host-${key}.lock`]) expect(isEntryName(name)).toBe(false);
    const { design, files } = generateFiles(loadConfig({ preset: 'tiny' }));
    const params = { BUS_BITS: design.cfg.busBits, IDW: design.params.idBits, ENGINES: design.cfg.engines, CHANNELS: design.cfg.memory.channels, ADDR_BITS: design.cfg.memory.addressBits };
    const names = [undefined, 'fst', 'vcd'].flatMap((waves) => (['verilator', 'icarus'] as const).map((simulator) => simBuildName({ simulator, files, params, waves: waves as 'fst' | 'vcd' | undefined })));
    for (const name of names) expect(isEntryName(name), name).toBe(true);
    expect(isEntryName(hostModelName({ files, params }))).toBe(true);
    expect(hostModelName({ files, params })).toMatch(/^host-[0-9a-f]{16}$/);
  });

  it('lists, evicts and cleans waveform and host-harness entries and their leftovers like plain ones', () => {
    const root = openCache(fresh());
    kinds.forEach((kind, i) => fakeEntry(root, `${kind}-${key}`, 100, kinds.length - i));
    expect(listEntries(root).map((e) => e.name)).toEqual(kinds.map((kind) => `${kind}-${key}`));
    expect(evict(root, 300).map((e) => e.name)).toEqual(['verilator', 'verilator-fst', 'verilator-vcd'].map((kind) => `${kind}-${key}`));
    // Leftovers of interrupted builds and uses of every kind.
    const leftovers = [`verilator-fst-${key}.partial-99999999`, `icarus-waves-${key}.lock`, `host-${key}.use-${hostname()}-99999999-0`, `host-fedcba9876543210.partial-99999999`];
    for (const name of leftovers) {
      if (name.includes('.partial-')) mkdirSync(join(root, name));
      else writeFileSync(join(root, name), `${hostname()} 99999999 ${Date.now()}\n`);
    }
    const r = cleanCache(root, { all: true });
    expect(r.leftovers.sort()).toEqual([...leftovers].sort());
    expect(r.removed.map((e) => e.name)).toEqual(['icarus', 'icarus-waves', 'host'].map((kind) => `${kind}-${key}`));
    expect(readdirSync(root).sort()).toEqual(['.synergyflow-cache.json', 'CACHEDIR.TAG']);
  });

  it('cleans an entry whose manifest is corrupt or missing as a leftover (unless in use or being built), and never uses it', () => {
    const root = openCache(fresh());
    fakeEntry(root, nameOf('verilator', '1'.repeat(16)), 100, 1);
    const corrupt = nameOf('host', 'a'.repeat(16));
    fakeEntry(root, corrupt, 100, 1);
    writeFileSync(join(root, corrupt, 'entry.json'), '{"tool": "synergyfl');
    // A host-harness model built before entries had a manifest.
    const old = nameOf('host', 'b'.repeat(16));
    mkdirSync(join(root, old, 'obj'), { recursive: true });
    writeFileSync(join(root, old, 'BUILT'), '');
    // Being built: left alone.
    const building = nameOf('icarus-waves', 'c'.repeat(16));
    mkdirSync(join(root, building));
    writeFileSync(join(root, `${building}.lock`), `${hostname()} ${process.pid} ${Date.now()}\n`);
    expect(listEntries(root).map((e) => e.name)).toEqual([nameOf('verilator', '1'.repeat(16))]);
    expect(useEntry(root, corrupt)).toBeUndefined();
    const r = cleanCache(root, { maxBytes: 1000 });
    expect(r.leftovers.sort()).toEqual([corrupt, old].sort());
    expect(readdirSync(root).sort()).toEqual(['.synergyflow-cache.json', 'CACHEDIR.TAG', building, `${building}.lock`, nameOf('verilator', '1'.repeat(16))].sort());
    rmSync(join(root, `${building}.lock`));
    expect(cleanCache(root, {}).leftovers).toEqual([building]);
  });

  it('builds the host harness\'s model through the cache: a folder that is not a cache is refused before any build', async () => {
    const foreign = fresh();
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    const { design, files } = generateFiles(loadConfig({ preset: 'tiny' }));
    const params = { BUS_BITS: design.cfg.busBits, IDW: design.params.idBits, CHANNELS: design.cfg.memory.channels, ADDR_BITS: design.cfg.memory.addressBits };
    await expect(buildHostModel({ files, params, cacheDir: foreign })).rejects.toThrow(InputError);
    expect(readdirSync(foreign)).toEqual(['notes.txt']);
    const shared = fresh();
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    await expect(buildHostModel({ files, params, cacheDir: shared })).rejects.toThrow(/only you can write/);
    expect(readdirSync(shared)).toEqual([]);
  });
});

describe('simulator cache: a real build', () => {
  it('after a build, evicts the least recently used builds over the limit, never the new one; reuses it next time', async () => {
    const root = openCache(fresh());
    for (let i = 0; i < 3; i++) fakeEntry(root, entryName(i), 10 * 2 ** 20, 3 - i);
    const { design, files } = generateFiles(loadConfig({ preset: 'tiny' }));
    const cfg = design.cfg;
    const input = {
      simulator: 'icarus' as const,
      files: new Map([...files].filter(([path]) => path.startsWith('rtl/') || path === 'sf_regs.vh')),
      params: { BUS_BITS: cfg.busBits, IDW: design.params.idBits, ENGINES: cfg.engines, CHANNELS: cfg.memory.channels, ADDR_BITS: cfg.memory.addressBits },
      cacheDir: root,
      design: cfg.source,
      // Room for the new build (about 1 MiB) and two old ones.
      maxCacheBytes: 25 * 2 ** 20,
    };
    const logs: string[] = [];
    const build = await buildSimulation({ ...input, log: (m) => logs.push(m) });
    expect(build.cached).toBe(false);
    expect(logs.some((m) => /removed 1 least recently used build\(s\), 10\.0 MiB/.test(m))).toBe(true);
    expect(existsSync(join(build.dir, 'sim.vvp'))).toBe(true);
    expect(listEntries(root).map((e) => e.name)).toEqual([entryName(1), entryName(2), simBuildName(input)]);
    // While in use, it is spared even by a clean --all.
    const cleaned = cleanCache(root, { all: true });
    expect([cleaned.removed.map((e) => e.name), cleaned.busy.map((e) => e.name)]).toEqual([[entryName(1), entryName(2)], [simBuildName(input)]]);
    build.release();
    const again = await buildSimulation(input);
    again.release();
    expect([again.cached, again.dir]).toEqual([true, build.dir]);
    expect(readHistory(root).map((r) => [r.kind, r.design])).toEqual([['icarus', 'preset tiny']]);
  });
});

describe('simulator cache: build-time history', () => {
  const at = '2026-01-01T00:00:00Z';
  const history: TimingRecord[] = [
    { kind: 'verilator', design: 'preset tiny', size: 200_000, seconds: 20, at },
    { kind: 'verilator', design: 'preset default', size: 1_000_000, seconds: 60, at },
    { kind: 'verilator', design: 'preset tiny', size: 200_000, seconds: 16, at },
    { kind: 'icarus', design: 'preset tiny', size: 200_000, seconds: 1, at },
  ];

  it('expects the latest duration of the same design, else the median rate scaled to the size', () => {
    expect(expectedSeconds(history, 'verilator', 'preset tiny', 200_000)).toBe(16);
    // Rates 1e-4, 6e-5, 8e-5 s a byte: median 8e-5, times 500,000 bytes.
    expect(expectedSeconds(history, 'verilator', 'preset micro', 500_000)).toBeCloseTo(40, 6);
    expect(expectedSeconds(history, 'yosys-xc7', 'preset tiny', 200_000)).toBeUndefined();
    expect(expectedSeconds([], 'verilator', 'preset tiny', 1)).toBeUndefined();
  });

  it('skips unreadable history lines', () => {
    const root = openCache(fresh());
    writeFileSync(join(root, 'history.jsonl'), `${JSON.stringify(history[0])}\nnot json\n{"kind":1}\n`);
    expect(readHistory(root)).toEqual([history[0]]);
  });
});

describe('simulator cache: two processes, one design', () => {
  it('builds once when two processes ask for the same design at once; the other waits and reuses it', async () => {
    const root = openCache(fresh());
    const go = join(scratch, 'go');
    const script = fileURLToPath(new URL('./sim-cache.fixture.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
    const ready = [0, 1].map((i) => join(scratch, `ready-${i}`));
    const procs = ready.map((file) => execa(tsx, [script, root, go, file], { reject: false }));
    const stderr = ['', ''];
    procs.forEach((p, i) => p.stderr?.on('data', (chunk: Buffer) => (stderr[i] += chunk.toString())));
    // Both have loaded and generated the design (each names the entry it will ask for).
    while (!ready.every((file) => existsSync(file) && readFileSync(file, 'utf8') !== '')) await new Promise((r) => setTimeout(r, 50));
    const name = readFileSync(ready[0], 'utf8');
    expect(readFileSync(ready[1], 'utf8')).toBe(name);
    // The entry's build lock held, as by a third process building it: both start and must wait.
    const lock = join(root, `${name}.lock`);
    writeFileSync(lock, `${hostname()} ${process.pid} ${Date.now()}\n`);
    writeFileSync(go, '');
    const deadline = Date.now() + 60_000;
    while (!stderr.every((text) => text.includes('under way in another process')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(stderr.map((text) => text.includes('under way in another process'))).toEqual([true, true]);
    // The lock released without a build: the two race for it; one builds, the other waits for that build.
    rmSync(lock);
    const results = await Promise.all(procs);
    for (const r of results) expect(r.exitCode, r.stderr).toBe(0);
    const said = results.map((r) => JSON.parse(r.stdout.trim().split('\n').pop()!) as { cached: boolean; dir: string });
    expect(said.map((s) => s.cached).sort()).toEqual([false, true]);
    expect(said[0].dir).toBe(join(root, name));
    expect(said[1].dir).toBe(join(root, name));
    expect(stderr.filter((text) => text.includes('build of a design not in the cache'))).toHaveLength(1);
    expect(readHistory(root)).toHaveLength(1);
    expect(listEntries(root).map((e) => e.name)).toEqual([name]);
    // Nothing left: no lock, no partial build, no use.
    expect(readdirSync(root).filter((n) => /\.(lock|partial-|use-|evicting-)/.test(n))).toEqual([]);
  });
});
