// Single output files (`report --out FILE`): as with output folders (./output-dir.ts), the tool
// never overwrites a file it did not create. A folder carries a manifest; a single HTML file
// carries its own, a stamp comment with the sha256 of the rest of the file. So a file is written
// only where nothing is, or over a stamped file whose content still matches its stamp (or, with
// --force, one edited since), and through a temporary sibling renamed over it, so that an
// interrupted or failed write leaves the old file.
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { interrupted, removeOnInterrupt } from './cleanup.ts';
import { InputError } from './errors.ts';
import { fileErrorText } from './model/validate.ts';
import { lstatIfAny, MANIFEST } from './output-dir.ts';
import { makeFolders } from './make-folders.ts';

const STAMP = /^<!-- synergyflow output, sha256 of the rest of this file: ([0-9a-f]{64}) -->\n/m;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The page with its stamp after the first line (a comment before the doctype would be a quirk). */
export function stampHtml(html: string): string {
  const newline = html.indexOf('\n') + 1;
  return `${html.slice(0, newline)}<!-- synergyflow output, sha256 of the rest of this file: ${sha256(html)} -->\n${html.slice(newline)}`;
}

/** 'own': stamped and unchanged since; 'edited': stamped, but its content changed; 'foreign': no stamp. */
export function stampState(text: string): 'own' | 'edited' | 'foreign' {
  const match = STAMP.exec(text);
  if (!match) return 'foreign';
  return sha256(text.slice(0, match.index) + text.slice(match.index + match[0].length)) === match[1] ? 'own' : 'edited';
}

export interface OutputFileOptions {
  /** Replace a file the tool wrote even when it was edited since. */
  force?: boolean;
  /** Files the command reads: never its output. */
  inputs?: string[];
}

function refuse(expected: string, found: string): InputError {
  return new InputError([{ file: 'command line', field: '--out', expected, found }]);
}


/** Refuses (InputError naming --out) a path the tool may not write, before any work. */
export function checkOutputFile(path: string, opts: OutputFileOptions = {}): void {
  if (path.trim() === '') throw refuse('a file path', 'an empty path');
  const target = resolve(path);
  const shown = JSON.stringify(path);
  if ((opts.inputs ?? []).some((input) => resolve(input) === target)) throw refuse('a file other than the files the command reads', `${shown}, one of its inputs`);
  const folder = dirname(target);
  // A folder that synergyflow manages: writing into it would break its manifest.
  if (existsSync(join(folder, MANIFEST))) {
    throw refuse(`a path outside an output folder of synergyflow (it holds ${MANIFEST} and is replaced as a whole by the command that wrote it)`, `${shown}, in ${folder}`);
  }
  const stat = lstatIfAny(target);
  if (!stat) {
    let parent = folder;
    while (!existsSync(parent)) parent = dirname(parent);
    if (!statSync(parent).isDirectory()) throw refuse('a path whose parents are folders', `${shown}, under the file ${parent}`);
    checkWritable(shown, parent);
    return;
  }
  if (stat.isSymbolicLink()) throw refuse('a file (the tool does not follow a symbolic link for --out)', `${shown}, a symbolic link`);
  if (stat.isDirectory()) throw refuse('a file path (a report is one HTML file)', `${shown}, which is a folder`);
  if (!stat.isFile()) throw refuse('a regular file or a new path', `${shown}, a special file`);
  checkWritable(shown, folder);
  let text: string;
  try {
    text = readFileSync(target, 'utf8');
  } catch (err) {
    throw refuse('a file the tool can read, to see whether it wrote it', `${shown}: ${fileErrorText(err)}`);
  }
  const state = stampState(text);
  if (state === 'foreign') throw refuse('a new path, or a file synergyflow wrote (it is never overwritten otherwise: choose another path, or move the file away)', `${shown}, a file synergyflow did not write`);
  if (state === 'edited' && !opts.force) throw refuse('a file as synergyflow wrote it, or --force to replace your edits', `${shown}, which changed since synergyflow wrote it`);
}

function checkWritable(shown: string, folder: string): void {
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw refuse('a path in a folder you may write to', `${shown}, in ${folder}, which is not writable`);
  }
}

/** Writes `content` as `path`; checks it again first, in case it changed while the command worked. */
export function writeOutputFile(path: string, content: string, opts: OutputFileOptions = {}): void {
  if (interrupted()) throw new Error('interrupted');
  checkOutputFile(path, opts);
  const target = resolve(path);
  const temporary = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  const forget = removeOnInterrupt(temporary);
  try {
    makeFolders(dirname(target), 0o777);
    writeFileSync(temporary, content);
    renameSync(temporary, target);
  } catch (err) {
    rmSync(temporary, { force: true });
    if (typeof (err as NodeJS.ErrnoException).code === 'string') throw refuse('a file the tool can write (it is left as it was)', `${JSON.stringify(path)}: ${fileErrorText(err)}`);
    throw err;
  } finally {
    forget();
  }
}
