// Output folders (--out): the tool writes only into a folder that is new, empty, or one it wrote
// itself and nobody changed since, so that it never deletes or overwrites a file it did not
// create. Every folder it writes carries a manifest (MANIFEST) listing each file and its hash; a
// folder is replaced as a whole, through a sibling staging folder, so it holds either its old
// content or the complete new one.
import { createHash } from 'node:crypto';
import { accessSync, chmodSync, closeSync, constants, copyFileSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statfsSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { interrupted, onInterrupt, removeOnInterrupt } from './cleanup.ts';
import { InputError } from './errors.ts';
import { fileErrorText } from './model/validate.ts';
import { PACKAGE_ROOT } from './paths.ts';
import { GENERATOR_VERSION } from './version.ts';
import { makeFolders } from './make-folders.ts';

/** Relative path -> content (text, or bytes for binary files such as .npy). */
export type FileMap = Map<string, string | Uint8Array>;

export const MANIFEST = '.synergyflow-output.json';
const PROJECT_ROOT = resolve(PACKAGE_ROOT);

interface Manifest {
  tool: 'synergyflow';
  version: string;
  command: string;
  files: Record<string, string>;
}

export interface OutputOptions {
  /** Replace the tool's own files even when they were edited since it wrote them, or when
   * another command wrote the folder (the manifest's command). */
  force?: boolean;
  /** Files and folders the command reads or keeps (config, workload, models, weights, inputs,
   * the simulator cache): never inside --out. */
  inputs?: string[];
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** The sha256 of a file, read a piece at a time (a waveform dump may be larger than a buffer can be). */
function sha256File(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(1 << 20);
    for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0; ) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** Moves a file, copying it when it is on another file system. */
function moveFile(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    copyFileSync(from, to);
    unlinkSync(from);
  }
}

function refuse(expected: string, found: string): InputError {
  return new InputError([{ file: 'command line', field: '--out', expected, found }]);
}

function isInside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
}

/**
 * What a folder holds, as paths relative to it with '/' separators: its regular files, and as
 * entries of their own (never in a manifest, as the tool writes neither) its symbolic links,
 * other special files and empty folders ('name/').
 */
function listEntries(dir: string, prefix = ''): { files: string[]; others: string[] } {
  const files: string[] = [];
  const others: string[] = [];
  const entries = readdirSync(join(dir, prefix), { withFileTypes: true });
  if (prefix && entries.length === 0) others.push(`${prefix}/`);
  for (const entry of entries) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      const inner = listEntries(dir, rel);
      files.push(...inner.files);
      others.push(...inner.others);
    } else if (entry.isFile()) {
      files.push(rel);
    } else {
      others.push(rel);
    }
  }
  return { files, others };
}

function readManifest(dir: string): Manifest | undefined {
  try {
    const m = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Manifest;
    return m && m.tool === 'synergyflow' && typeof m.files === 'object' ? m : undefined;
  } catch {
    return undefined;
  }
}

function sample(names: string[]): string {
  const shown = names.slice(0, 4).map((n) => JSON.stringify(n)).join(', ');
  return names.length > 4 ? `${shown} and ${names.length - 4} more` : shown;
}

/**
 * Refuses (InputError, naming --out) an output folder the tool may not write, before any work:
 * see the module comment and the README's output-folder rule. `command` is the command that will
 * write it (as writeOutputDir records it in the manifest): a folder another command wrote (a run
 * folder for compile --out) is replaced only with --force.
 */
export function checkOutputDir(dir: string, command: string, opts: OutputOptions = {}): void {
  if (dir.trim() === '') throw refuse('a folder path', 'an empty path');
  const target = resolve(dir);
  const cwd = process.cwd();
  if (isInside(cwd, target)) throw refuse('a folder of its own, not the current folder or one of its parents (the tool replaces --out as a whole)', JSON.stringify(dir));
  if (isInside(PROJECT_ROOT, target)) throw refuse('a folder of its own, not the synergyflow project folder or one of its parents', JSON.stringify(dir));
  for (const input of opts.inputs ?? []) {
    if (isInside(resolve(input), target)) throw refuse(`a folder that holds none of the files the command reads or keeps (inputs, the simulator cache)`, `${JSON.stringify(dir)}, which holds ${input}`);
  }
  const stat = lstatIfAny(target);
  if (!stat) {
    checkCreatable(dir, target);
    return;
  }
  if (stat.isSymbolicLink()) throw refuse('a folder (the tool does not follow a symbolic link for --out)', `${JSON.stringify(dir)}, a symbolic link`);
  if (!stat.isDirectory()) throw refuse('a folder (or a path that does not exist yet)', `${JSON.stringify(dir)}, which is a file`);
  // Replacing the folder renames it: its parent must be writable.
  checkWritable(dir, dirname(target));
  const entries = readdirSync(target);
  if (entries.length === 0) return;
  if (entries.includes('.git')) throw refuse('a folder of its own', `${JSON.stringify(dir)}, a git working tree`);
  const manifest = readManifest(target);
  if (!manifest) {
    throw refuse(
      `a new or empty folder, or one synergyflow wrote (it has ${MANIFEST}); choose another path, or empty this one yourself`,
      `${JSON.stringify(dir)}, which holds ${sample(entries.sort())}`,
    );
  }
  const { files, others } = listEntries(target);
  const present = files.filter((f) => f !== MANIFEST);
  const foreign = [...present.filter((f) => !Object.hasOwn(manifest.files, f)), ...others].sort();
  if (foreign.length > 0) {
    throw refuse(`a folder holding only what synergyflow wrote there (the rest is yours: move it away, the tool will not delete it)`, `${JSON.stringify(dir)}, which also holds ${sample(foreign)}`);
  }
  if (manifest.command !== command && !opts.force) {
    const writer = typeof manifest.command === 'string' ? `synergyflow ${manifest.command}` : 'an unknown synergyflow command';
    throw refuse(
      `a new folder, or one synergyflow ${command} wrote (choose another path for ${command}'s output, or --force to replace the other command's folder as a whole)`,
      `${JSON.stringify(dir)}, written by ${writer}`,
    );
  }
  const edited = present.filter((f) => sha256File(join(target, f)) !== manifest.files[f]);
  if (edited.length > 0 && !opts.force) {
    throw refuse(`a folder whose files are as synergyflow wrote them, or --force to replace your edits`, `${JSON.stringify(dir)}, where ${sample(edited)} changed since`);
  }
}

/** What is at path, not following a symbolic link (a dangling one exists too); undefined for nothing. */
export function lstatIfAny(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** A path that does not exist: its nearest existing parent must be a writable folder. */
function checkCreatable(dir: string, target: string): void {
  let parent = dirname(target);
  while (!existsSync(parent)) parent = dirname(parent);
  if (!statSync(parent).isDirectory()) throw refuse('a path whose parents are folders', `${JSON.stringify(dir)}, under the file ${parent}`);
  checkWritable(dir, parent);
}

/** Kernel file systems (proc, sysfs, debugfs, tracefs, cgroup, cgroup2) that hold no files,
 * whatever access() says to root: writing there fails, or (mkdir -p on Node 20) never returns. */
const PSEUDO_FILE_SYSTEMS = new Set([0x9fa0, 0x62656572, 0x64626720, 0x74726163, 0x27e0eb, 0x63677270]);

function checkWritable(dir: string, parent: string): void {
  try {
    accessSync(parent, constants.W_OK);
  } catch {
    throw refuse('a path in a folder you may write to', `${JSON.stringify(dir)}, under ${parent}, which is not writable`);
  }
  if (PSEUDO_FILE_SYSTEMS.has(Number(statfsSync(parent).type))) {
    throw refuse('a path on a file system that holds files', `${JSON.stringify(dir)}, under ${parent}, a kernel file system (such as /proc or /sys)`);
  }
}

/** Files written as more than their content: moved in from elsewhere, or made executable. */
export interface WriteExtras {
  /** Relative path -> a file to move there (one too large to hold in memory: a waveform dump). */
  moveIn?: Map<string, string>;
  /** Relative paths to make executable (a script). */
  executable?: string[];
}

/**
 * Writes files (and the manifest) as folder dir, replacing it as a whole. Call checkOutputDir
 * first; it is checked again here, in case the folder changed while the command worked.
 */
export function writeOutputDir(dir: string, files: FileMap, command: string, opts: OutputOptions = {}, extras: WriteExtras = {}): void {
  // Once interrupted, --out stays as it was, even if the work happened to finish meanwhile.
  if (interrupted()) throw new Error('interrupted');
  checkOutputDir(dir, command, opts);
  const target = resolve(dir);
  makeFolders(dirname(target), 0o777);
  const staging = `${target}.partial-${process.pid}`;
  const old = `${target}.old-${process.pid}`;
  const forgetStaging = removeOnInterrupt(staging);
  // Interrupted between the two renames: put the old folder back.
  const forgetRestore = onInterrupt(() => {
    if (existsSync(old) && !existsSync(target)) renameSync(old, target);
  });
  rmSync(staging, { recursive: true, force: true });
  try {
    const manifest: Manifest = { tool: 'synergyflow', version: GENERATOR_VERSION, command, files: {} };
    for (const [rel, data] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const path = join(staging, rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, data);
      manifest.files[rel] = sha256(data);
    }
    for (const [rel, from] of extras.moveIn ?? []) {
      const path = join(staging, rel);
      mkdirSync(dirname(path), { recursive: true });
      moveFile(from, path);
      manifest.files[rel] = sha256File(path);
    }
    manifest.files = Object.fromEntries(Object.entries(manifest.files).sort(([a], [b]) => (a < b ? -1 : 1)));
    for (const rel of extras.executable ?? []) chmodSync(join(staging, rel), 0o755);
    writeFileSync(join(staging, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    if (existsSync(target)) renameSync(target, old);
    renameSync(staging, target);
    rmSync(old, { recursive: true, force: true });
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    if (existsSync(old) && !existsSync(target)) renameSync(old, target);
    // A full disk or a read-only file system: say so about --out, not as a crash.
    if (typeof (err as NodeJS.ErrnoException).code === 'string') {
      throw refuse('a folder the tool can write its files to (it is left as it was)', `${JSON.stringify(dir)}: ${fileErrorText(err)}`);
    }
    throw err;
  } finally {
    forgetStaging();
    forgetRestore();
  }
}
