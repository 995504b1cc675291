// Which code bin/synergyflow.js runs: the compiled JavaScript of dist/ (npm run build), when it
// is there and current, or the TypeScript sources through tsx. Plain JavaScript without imports
// beyond node:, so that the choice costs a few milliseconds at start-up.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Written by scripts/build.js after a successful build; its time is the build's. */
export const BUILD_STAMP = 'dist/.build-stamp';
/** The compiled CLI. */
export const DIST_MAIN = 'dist/generator/cli/main.js';
/** The CLI's source: present in a checkout, absent from an installed package. */
export const SOURCE_MAIN = 'generator/cli/main.ts';
/** Besides the sources, what changes the build's output. */
const BUILD_INPUTS = ['package.json', 'tsconfig.json', 'tsconfig.build.json'];

/** The newest modification time (ms) of a TypeScript source (tests aside) under `dir`, or 0. */
function newestSource(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Whether dist/ holds a build of the sources as they are: the build stamp is newer than every
 * source file of generator/ and the build's settings. An installed package has no sources (only
 * dist/), so its build is always current.
 */
export function distIsCurrent(root) {
  if (!existsSync(join(root, DIST_MAIN))) return false;
  if (!existsSync(join(root, SOURCE_MAIN))) return true;
  const stamp = join(root, BUILD_STAMP);
  if (!existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  const inputs = BUILD_INPUTS.map((f) => join(root, f)).filter((f) => existsSync(f)).map((f) => statSync(f).mtimeMs);
  return Math.max(newestSource(join(root, 'generator')), ...inputs) <= built;
}

/**
 * 'dist' or 'source': $SYNERGYFLOW_ENTRY when set to one of them (source: debugging with the
 * TypeScript's own line numbers; dist: fail rather than fall back), else dist when current.
 */
export function chooseEntry(root, env = process.env) {
  const forced = env.SYNERGYFLOW_ENTRY;
  if (forced === 'dist' || forced === 'source') return forced;
  return distIsCurrent(root) ? 'dist' : 'source';
}
