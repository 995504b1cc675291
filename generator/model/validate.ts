// Small helpers for validating hand-written JSON (model.json, workload.json): each check records a
// Problem and returns undefined instead of throwing, so a whole file is checked in one pass.

import { readFileSync } from 'node:fs';
import { InputError, ProblemList, describeValue } from '../errors.ts';

/** Layer and job names become file names (weights, outputs), so they must be portable. */
export const SAFE_NAME = /^[A-Za-z0-9_.-]+$/;
export const SAFE_NAME_TEXT = "a non-empty name of letters, digits, '_', '.' and '-' (it is used as a file name)";

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Adds a problem whose `found` is already prose (ProblemList.add would quote a string). */
export function addText(list: ProblemList, file: string, field: string, expected: string, found: string): void {
  list.items.push({ file, field, expected, found });
}

export function joinField(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base ? `${base}.${key}` : key;
}

/** Every key not in `known` is a problem: a misspelt optional field would otherwise be ignored. */
export function checkKnownKeys(
  list: ProblemList, file: string, base: string, obj: Record<string, unknown>, known: readonly string[],
): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      addText(list, file, joinField(base, key), `one of the fields ${known.join(', ')}`, `unknown field ${JSON.stringify(key)}`);
    }
  }
}

/** An integer in [min, max]; `fallback` when absent (a required field passes no fallback). */
export function readInt(
  list: ProblemList, file: string, field: string, value: unknown,
  range: { min: number; max?: number }, fallback?: number,
): number | undefined {
  if (value === undefined && fallback !== undefined) return fallback;
  const ok = typeof value === 'number' && Number.isSafeInteger(value) && value >= range.min
    && (range.max === undefined || value <= range.max);
  if (ok) return value;
  const expected = range.max === undefined
    ? `an integer >= ${range.min}`
    : `an integer in [${range.min}, ${range.max}]`;
  list.add(file, field, expected, value);
  return undefined;
}

export function readBool(list: ProblemList, file: string, field: string, value: unknown, fallback: boolean): boolean | undefined {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  list.add(file, field, 'true or false', value);
  return undefined;
}

export function readString(list: ProblemList, file: string, field: string, value: unknown, expected = 'a non-empty string'): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value;
  list.add(file, field, expected, value);
  return undefined;
}

export function isSafeName(value: string): boolean {
  return SAFE_NAME.test(value) && value !== '.' && value !== '..';
}

export function readSafeName(list: ProblemList, file: string, field: string, value: unknown): string | undefined {
  if (typeof value === 'string' && isSafeName(value)) return value;
  list.add(file, field, SAFE_NAME_TEXT, value);
  return undefined;
}

/**
 * Records a problem for every name that repeats an earlier one. Names are compared ignoring case
 * because they become file names and case-insensitive file systems (macOS, Windows) would merge them.
 */
export function checkUniqueNames(
  list: ProblemList, file: string, entries: { field: string; name: string | undefined }[], what: string,
): void {
  const firstField = new Map<string, string>();
  for (const { field, name } of entries) {
    if (name === undefined) continue;
    const key = name.toLowerCase();
    const earlier = firstField.get(key);
    if (earlier === undefined) firstField.set(key, field);
    else addText(list, file, field, `a ${what} name not used before (names are compared ignoring case)`, `${describeValue(name)}, already used by ${earlier}`);
  }
}

/** Reads and parses a JSON file; an unreadable file or a syntax error is an InputError naming it. */
export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError([{ file: path, field: '', expected: `a readable ${what}`, found: fileErrorText(err) }]);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError([{ file: path, field: '', expected: 'valid JSON', found: `a syntax error (${(err as Error).message})` }]);
  }
}

/** "no such file" etc. for fs errors, without the stack of a Node error message. */
export function fileErrorText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'a folder';
  if (code === 'EACCES') return 'a file without read permission';
  return (err as Error)?.message ?? String(err);
}
