// The simulator cache: one folder per user (never a shared, world-writable one: the cache holds
// executables that synergyflow runs), holding finished simulator builds, each a folder with a
// manifest (entry.json), moved into place by an atomic rename once complete. A marker file says
// the folder is a synergyflow cache: nothing else is ever cleaned. Its size is bounded: after each
// build the least recently used entries are evicted, never one in use (a use file beside it while
// a simulation runs from it) or being built (its build lock, ./build-lock.ts).
import { appendFileSync, chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { removeOnInterrupt } from '../cleanup.ts';
import { InputError } from '../errors.ts';
import { GENERATOR_VERSION } from '../version.ts';
import { acquireBuildLock, lockAbandoned, tryLock } from './build-lock.ts';
import { makeFolders } from '../make-folders.ts';

/** The marker that makes a folder a synergyflow cache. */
export const CACHE_MARKER = '.synergyflow-cache.json';
/** A finished entry's manifest (written last, before the rename that publishes the entry). */
export const ENTRY_MANIFEST = 'entry.json';
const HISTORY = 'history.jsonl';
export const DEFAULT_MAX_BYTES = 4 * 2 ** 30;
/**
 * The kinds of entry the project builds: the testbench on each simulator, plain or with
 * waveforms (Verilator: one build per trace format; Icarus: one for both), and the host
 * harness's Verilated model (./host-harness.ts).
 */
export const ENTRY_KINDS = ['verilator', 'verilator-fst', 'verilator-vcd', 'icarus', 'icarus-waves', 'host'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];
const KEY_DIGITS = 16;
/** Entry folders: `<kind>-<16 hex digits>`; everything the cache writes is named after one. */
const ENTRY_PATTERN = `(?:${ENTRY_KINDS.join('|')})-[0-9a-f]{${KEY_DIGITS}}`;
const ENTRY_RE = new RegExp(`^${ENTRY_PATTERN}$`);
const LEFTOVER_RE = new RegExp(`^(${ENTRY_PATTERN})\\.(lock|partial-\\d+|evicting-\\d+|use-.+)$`);

/** The one naming rule of cache entries: `<kind>-<the first 16 hex digits of a hash>`. */
export function entryName(kind: EntryKind, hashHex: string): string {
  if (!/^[0-9a-f]+$/.test(hashHex) || hashHex.length < KEY_DIGITS) throw new Error(`internal: a cache entry's key must be at least ${KEY_DIGITS} hex digits, got "${hashHex}"`);
  return `${kind}-${hashHex.slice(0, KEY_DIGITS)}`;
}

/** Whether a name is an entry's (see entryName). */
export function isEntryName(name: string): boolean {
  return ENTRY_RE.test(name);
}

/** The hash part of an entry's name. */
export function entryKey(name: string): string {
  return name.slice(name.lastIndexOf('-') + 1);
}
/** A use by a process on another host is taken for abandoned after this long. */
const USE_STALE_MS = 7 * 24 * 3_600_000;

export interface EntryManifest {
  tool: 'synergyflow';
  kind: 'sim-build';
  version: string;
  simulator: string;
  key: string;
  /** The design it was built for (the config's source: a preset, or a config's hash). */
  design: string;
  /** Bytes of generated sources compiled: the build-time estimate scales with it. */
  sourceBytes: number;
  buildSeconds: number;
  builtAt: string;
  /** The entry's size on disk (its files' sizes). */
  bytes: number;
}

/** The cache folder: $SYNERGYFLOW_CACHE_DIR, else $XDG_CACHE_HOME/synergyflow, else ~/.cache/synergyflow. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SYNERGYFLOW_CACHE_DIR) return resolve(env.SYNERGYFLOW_CACHE_DIR);
  // The XDG spec: a relative XDG_CACHE_HOME is invalid and ignored.
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return join(env.XDG_CACHE_HOME, 'synergyflow');
  return join(homedir(), '.cache', 'synergyflow');
}

/** A size: bytes, or with K, M, G or T (powers of 1024; "4G", "4GiB", "500M"). */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(text);
  if (!m) return undefined;
  const scale = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  const bytes = Math.round(Number(m[1]) * scale);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** The size limit: the option, else $SYNERGYFLOW_CACHE_MAX_SIZE, else 4 GiB. */
export function cacheMaxBytes(option?: number, env: NodeJS.ProcessEnv = process.env): number {
  if (option !== undefined) return option;
  const text = env.SYNERGYFLOW_CACHE_MAX_SIZE;
  if (text === undefined || text === '') return DEFAULT_MAX_BYTES;
  const bytes = parseSize(text);
  if (bytes === undefined) throw new InputError([{ file: 'environment', field: 'SYNERGYFLOW_CACHE_MAX_SIZE', expected: 'a size such as 4G, 500M or a number of bytes', found: JSON.stringify(text) }]);
  return bytes;
}

function refuse(dir: string, expected: string, found: string): never {
  throw new InputError([{ file: dir, field: 'cache folder (--cache-dir, $SYNERGYFLOW_CACHE_DIR)', expected, found }]);
}

function readMarker(dir: string): boolean {
  try {
    const m = JSON.parse(readFileSync(join(dir, CACHE_MARKER), 'utf8')) as { tool?: unknown; kind?: unknown };
    return m.tool === 'synergyflow' && m.kind === 'cache';
  } catch {
    return false;
  }
}

/** Whether the folder is a synergyflow cache (has its marker). */
export function isCacheDir(dir: string): boolean {
  return readMarker(dir);
}

/** Checks that a folder is the user's own, not writable by others. */
function checkOwnership(dir: string): void {
  const st = statSync(dir);
  if (!st.isDirectory()) refuse(dir, 'a folder', 'a file');
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) refuse(dir, `a folder of your own (uid ${uid}): it holds programs this command runs`, `a folder of uid ${st.uid}`);
  if ((st.mode & 0o022) !== 0) {
    refuse(dir, 'a folder only you can write (chmod 700): it holds programs this command runs', `mode ${(st.mode & 0o777).toString(8)}, writable by ${st.mode & 0o020 ? 'its group' : 'others'}`);
  }
}

/**
 * The cache folder, ready for use: created (mode 0700, parents too) with its marker when missing
 * or empty; refused (exit 2) when it is not a folder, not the user's own, writable by others, or
 * a non-empty folder without the marker.
 */
export function openCache(dir: string): string {
  const root = resolve(dir);
  try {
    return openCacheAt(root);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A folder that cannot be made or written (no home, a read-only file system): the user's to fix.
    const message = (err as Error).message;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) refuse(root, 'a folder this user can create and write (set --cache-dir or $SYNERGYFLOW_CACHE_DIR)', message.startsWith(`${code}:`) ? message : `${code}: ${message}`);
    throw err;
  }
}


function openCacheAt(root: string): string {
  if (!existsSync(root)) {
    makeFolders(root, 0o700);
    chmodSync(root, 0o700);
  }
  checkOwnership(root);
  if (readMarker(root)) return root;
  const present = readdirSync(root);
  if (present.length > 0) {
    refuse(root, `a synergyflow cache (holding ${CACHE_MARKER}), or a new or empty folder`, `a folder holding ${present.slice(0, 3).join(', ')}${present.length > 3 ? ', ...' : ''}`);
  }
  writeFileSync(join(root, 'CACHEDIR.TAG'), 'Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by synergyflow (simulator builds).\n# For information about cache directory tags see https://bford.info/cachedir/\n');
  writeFileSync(join(root, CACHE_MARKER), JSON.stringify({ tool: 'synergyflow', kind: 'cache', version: GENERATOR_VERSION, created: new Date().toISOString() }, null, 2) + '\n');
  return root;
}

/** The total size of the files under a path (links not followed). */
export function treeBytes(path: string): number {
  const st = lstatSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((n, name) => n + treeBytes(join(path, name)), 0);
}

/** An entry's manifest; undefined when it is missing or not one (corrupt, or of another tool). */
export function readManifest(entryDir: string): EntryManifest | undefined {
  try {
    const m = JSON.parse(readFileSync(join(entryDir, ENTRY_MANIFEST), 'utf8')) as EntryManifest;
    const ok = m !== null && typeof m === 'object' && m.tool === 'synergyflow' && m.kind === 'sim-build' &&
      typeof m.design === 'string' && typeof m.builtAt === 'string' && Number.isFinite(m.bytes) && Number.isFinite(m.buildSeconds);
    return ok ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a built entry's manifest into its staging folder (the last file written before the rename). */
export function writeManifest(staging: string, m: Omit<EntryManifest, 'tool' | 'kind' | 'version' | 'bytes'>): EntryManifest {
  const manifest: EntryManifest = { tool: 'synergyflow', kind: 'sim-build', version: GENERATOR_VERSION, ...m, bytes: 0 };
  manifest.bytes = treeBytes(staging) + 512;
  writeFileSync(join(staging, ENTRY_MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

/** Whether an entry is complete: it has a readable manifest (one that is not is rebuilt, and cleaned as a leftover). */
export function entryComplete(entryDir: string): boolean {
  return readManifest(entryDir) !== undefined;
}

let useCounter = 0;

/**
 * Marks an entry in use by this process (a file beside it, which eviction and clean respect) and
 * records its last use. Undefined when the entry is not (or no longer) complete in the cache.
 * The returned function ends the use.
 */
export function useEntry(root: string, name: string): (() => void) | undefined {
  const dir = join(root, name);
  if (!entryComplete(dir)) return undefined;
  const marker = join(root, `${name}.use-${hostname()}-${process.pid}-${useCounter++}`);
  writeFileSync(marker, `${hostname()} ${process.pid} ${Date.now()}\n`);
  const forget = removeOnInterrupt(marker);
  const end = () => {
    rmSync(marker, { force: true });
    forget();
  };
  // Evicted between the check and the marker: not usable (an evictor that saw the marker puts
  // the entry back).
  if (!entryComplete(dir)) {
    end();
    return undefined;
  }
  const now = new Date();
  try {
    utimesSync(join(dir, ENTRY_MANIFEST), now, now);
  } catch {
    // Last use is a hint for eviction only.
  }
  return end;
}

export interface EntryRequest {
  /** The opened cache (openCache) and the entry's name (entryName). */
  root: string;
  name: string;
  /** The size limit enforced after a build (default cacheMaxBytes()). */
  maxBytes?: number;
  /** What is built, for the waiting messages: "icarus build of this design". */
  what: string;
  log?: (message: string) => void;
  /**
   * Builds the entry into `staging` (an empty folder), writing its manifest last (writeManifest);
   * returns the build's seconds. Called under the entry's build lock, only when it is missing.
   */
  build: (staging: string) => Promise<number>;
}

export interface EntryUse {
  dir: string;
  /** Seconds of the build (0 when it came from the cache). */
  buildSeconds: number;
  cached: boolean;
  /** Ends this process's use of the entry (eviction and clean spare entries in use). */
  release: () => void;
}

/** Builds under way in this process, by entry folder: jobs of one worker on one design share one build. */
const buildsInFlight = new Map<string, Promise<number>>();

/**
 * A cache entry, built first when missing (once, however many processes or jobs ask at once:
 * see build-lock.ts) in a staging folder moved into place by one rename, then marked in use
 * until `release()`. After a build, the least recently used entries over the size limit are
 * evicted (never this one, nor one in use).
 */
export async function obtainEntry(req: EntryRequest): Promise<EntryUse> {
  const { root, name } = req;
  if (!isEntryName(name)) throw new Error(`internal: "${name}" is not a cache entry's name`);
  const dir = resolve(root, name);
  let buildSeconds = 0;
  let built = false;
  // A build, then a use; an entry evicted between the two (by another process over the limit) is built again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const release = useEntry(root, name);
    if (release) {
      if (built) evictAfterBuild(req);
      return { dir, buildSeconds, cached: !built, release };
    }
    let inFlight = buildsInFlight.get(dir);
    if (inFlight) {
      req.log?.(`${req.what} under way for another job: waiting for it`);
    } else {
      inFlight = buildIntoCache(req, dir);
      buildsInFlight.set(dir, inFlight);
      void inFlight.finally(() => buildsInFlight.delete(dir)).catch(() => {});
    }
    const seconds = await inFlight;
    if (seconds > 0) {
      buildSeconds = seconds;
      built = true;
    }
  }
  throw new Error(`internal: the cache entry ${dir} was removed from the cache as soon as it was built, three times (is the cache's size limit below one build?)`);
}

function evictAfterBuild(req: EntryRequest): void {
  const removed = evict(req.root, req.maxBytes ?? cacheMaxBytes(), [req.name]);
  if (removed.length > 0) {
    const mib = removed.reduce((n, e) => n + e.bytes, 0) / 2 ** 20;
    req.log?.(`simulator cache over its limit: removed ${removed.length} least recently used build(s), ${mib.toFixed(1)} MiB`);
  }
}

/** Builds the entry unless another process does (then waits for it); the build's seconds, 0 if not built here. */
async function buildIntoCache(req: EntryRequest, dir: string): Promise<number> {
  const release = await acquireBuildLock(`${dir}.lock`, {
    done: () => entryComplete(dir),
    onWait: (holder) => req.log?.(`${req.what} under way in another process (${holder}): waiting for it`),
  });
  if (!release) return 0;
  try {
    // Built by a process that took an abandoned lock over, just before this one got it.
    if (entryComplete(dir)) return 0;
    const staging = `${dir}.partial-${process.pid}`;
    const forget = removeOnInterrupt(staging);
    try {
      rmSync(staging, { recursive: true, force: true });
      mkdirSync(staging, { mode: 0o700 });
      const seconds = await req.build(staging);
      if (!entryComplete(staging)) throw new Error(`internal: the build of ${dir} wrote no manifest`);
      if (entryComplete(dir)) {
        // Another process built it meanwhile (one that took an abandoned lock over; it may be
        // using it): keep theirs.
        rmSync(staging, { recursive: true, force: true });
      } else {
        rmSync(dir, { recursive: true, force: true });
        renameSync(staging, dir);
      }
      return seconds;
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      throw err;
    } finally {
      forget();
    }
  } finally {
    release();
  }
}

export interface CacheEntry {
  name: string;
  path: string;
  manifest: EntryManifest;
  bytes: number;
  /** Last use (or the build), in ms since the epoch. */
  lastUsed: number;
  inUse: boolean;
  building: boolean;
}

/** Live use files of an entry. */
function liveUses(root: string, name: string, names = readdirSync(root)): string[] {
  return names.filter((n) => n.startsWith(`${name}.use-`) && !lockAbandoned(join(root, n), USE_STALE_MS));
}

function lockHeld(root: string, name: string): boolean {
  const lock = join(root, `${name}.lock`);
  return existsSync(lock) && !lockAbandoned(lock);
}

/** The finished entries of a cache, least recently used first. */
export function listEntries(root: string): CacheEntry[] {
  const names = readdirSync(root);
  const entries: CacheEntry[] = [];
  for (const name of names) {
    if (!isEntryName(name)) continue;
    const path = join(root, name);
    const manifest = readManifest(path);
    if (!manifest) continue;
    let lastUsed: number;
    try {
      lastUsed = statSync(join(path, ENTRY_MANIFEST)).mtimeMs;
    } catch {
      continue;
    }
    entries.push({ name, path, manifest, bytes: manifest.bytes, lastUsed, inUse: liveUses(root, name, names).length > 0, building: lockHeld(root, name) });
  }
  return entries.sort((a, b) => a.lastUsed - b.lastUsed || (a.name < b.name ? -1 : 1));
}

/**
 * Removes one entry unless it is in use or being built: under its build lock, renamed aside
 * first (a process that marked it in use meanwhile gets it back), then deleted.
 */
function removeEntry(root: string, name: string): boolean {
  if (liveUses(root, name).length > 0) return false;
  const release = tryLock(join(root, `${name}.lock`));
  if (!release) return false;
  try {
    if (liveUses(root, name).length > 0) return false;
    const trash = join(root, `${name}.evicting-${process.pid}`);
    const forget = removeOnInterrupt(trash);
    try {
      renameSync(join(root, name), trash);
      if (liveUses(root, name).length > 0) {
        renameSync(trash, join(root, name));
        return false;
      }
      rmSync(trash, { recursive: true, force: true });
      return true;
    } finally {
      forget();
    }
  } finally {
    release();
  }
}

/**
 * Evicts the least recently used entries until the cache holds at most maxBytes, skipping those
 * in use, being built, or named in `keep`. Returns the entries removed. One evictor at a time:
 * another process evicting already makes this a no-op.
 */
export function evict(root: string, maxBytes: number, keep: string[] = []): CacheEntry[] {
  const release = tryLock(join(root, '.evict.lock'));
  if (!release) return [];
  try {
    const entries = listEntries(root);
    let total = entries.reduce((n, e) => n + e.bytes, 0);
    const removed: CacheEntry[] = [];
    for (const e of entries) {
      if (total <= maxBytes) break;
      if (keep.includes(e.name) || e.inUse || e.building) continue;
      if (removeEntry(root, e.name)) {
        total -= e.bytes;
        removed.push(e);
      }
    }
    return removed;
  } finally {
    release();
  }
}

export interface CleanOptions {
  /** Every entry (but those in use or being built). */
  all?: boolean;
  /** Entries not used for this many days. */
  olderThanDays?: number;
  /** Without all or olderThanDays: evict down to this size. */
  maxBytes?: number;
  now?: number;
}

export interface CleanResult {
  removed: CacheEntry[];
  /** Entries left because they are in use or being built. */
  busy: CacheEntry[];
  /** Leftovers of interrupted processes removed (partial builds, stale locks and use files). */
  leftovers: string[];
}

/** Removes leftovers, then entries (see CleanOptions). Refuses (exit 2) a folder that is not a cache. */
export function cleanCache(dir: string, opts: CleanOptions = {}): CleanResult {
  const root = resolve(dir);
  if (!existsSync(root)) return { removed: [], busy: [], leftovers: [] };
  if (!isCacheDir(root)) refuse(root, `a synergyflow cache (holding ${CACHE_MARKER}): nothing else is cleaned`, 'a folder without the marker');
  checkOwnership(root);
  const leftovers: string[] = [];
  for (const name of readdirSync(root)) {
    const m = LEFTOVER_RE.exec(name);
    if (!m) continue;
    const [, entry, what] = m;
    const path = join(root, name);
    let gone = false;
    if (what === 'lock' || what.startsWith('use-')) gone = lockAbandoned(path, what === 'lock' ? undefined : USE_STALE_MS);
    else gone = !pidAlive(Number(what.split('-')[1])) && !lockHeld(root, entry);
    if (gone) {
      rmSync(path, { recursive: true, force: true });
      leftovers.push(name);
    }
  }
  // An entry whose manifest is missing or unreadable (corrupt, or a build from before entries had
  // one) is never used nor listed: a leftover too, removed unless in use or being built. Entries
  // are published with their manifest by one rename, so no complete entry is ever without one.
  for (const name of readdirSync(root)) {
    if (!isEntryName(name) || entryComplete(join(root, name))) continue;
    if (removeEntry(root, name)) leftovers.push(name);
  }
  const now = opts.now ?? Date.now();
  const entries = listEntries(root);
  if (!opts.all && opts.olderThanDays === undefined) {
    const removed = evict(root, opts.maxBytes ?? DEFAULT_MAX_BYTES);
    return { removed, busy: [], leftovers };
  }
  const removed: CacheEntry[] = [];
  const busy: CacheEntry[] = [];
  for (const e of entries) {
    if (!opts.all && now - e.lastUsed < opts.olderThanDays! * 86_400_000) continue;
    if (removeEntry(root, e.name)) removed.push(e);
    else busy.push(e);
  }
  return { removed, busy, leftovers };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface CacheInfo {
  dir: string;
  exists: boolean;
  isCache: boolean;
  entries: CacheEntry[];
  bytes: number;
  maxBytes: number;
}

export function cacheInfo(dir: string, maxBytes: number): CacheInfo {
  const root = resolve(dir);
  const exists = existsSync(root);
  const isCache = exists && isCacheDir(root);
  const entries = isCache ? listEntries(root) : [];
  return { dir: root, exists, isCache, entries, bytes: entries.reduce((n, e) => n + e.bytes, 0), maxBytes };
}

/** A duration record of a build or a synthesis, for the next one's ETA. */
export interface TimingRecord {
  /** verilator, icarus, yosys:<target>, nextpnr ... */
  kind: string;
  design: string;
  /** A measure of the work's size (bytes of sources), for scaling to another design. */
  size: number;
  seconds: number;
  at: string;
}

/** Appends a timing to the cache's history (best effort: the cache is an optimisation). */
export function recordTiming(root: string, record: Omit<TimingRecord, 'at'>): void {
  try {
    appendFileSync(join(root, HISTORY), JSON.stringify({ ...record, at: new Date().toISOString() }) + '\n');
    const lines = readFileSync(join(root, HISTORY), 'utf8').split('\n').filter(Boolean);
    if (lines.length > 1000) {
      const tmp = join(root, `${HISTORY}.${process.pid}`);
      writeFileSync(tmp, lines.slice(-500).join('\n') + '\n');
      renameSync(tmp, join(root, HISTORY));
    }
  } catch {
    // No history: no ETA next time.
  }
}

export function readHistory(root: string): TimingRecord[] {
  try {
    return readFileSync(join(root, HISTORY), 'utf8').split('\n').filter(Boolean).flatMap((line) => {
      try {
        const r = JSON.parse(line) as TimingRecord;
        return typeof r.kind === 'string' && typeof r.seconds === 'number' && typeof r.size === 'number' ? [r] : [];
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/**
 * The expected duration of a job of `kind` on `design` of `size`: the latest record of the same
 * kind and design, else the median seconds-per-unit-size of the last records of that kind scaled
 * to `size`; undefined without any.
 */
export function expectedSeconds(history: TimingRecord[], kind: string, design: string, size: number): number | undefined {
  const same = history.filter((r) => r.kind === kind);
  const exact = same.filter((r) => r.design === design);
  if (exact.length > 0) return exact[exact.length - 1].seconds;
  const rates = same.slice(-20).filter((r) => r.size > 0).map((r) => r.seconds / r.size).sort((a, b) => a - b);
  if (rates.length === 0 || size <= 0) return undefined;
  const mid = rates.length >> 1;
  const median = rates.length % 2 ? rates[mid] : (rates[mid - 1] + rates[mid]) / 2;
  return median * size;
}
