#!/usr/bin/env node
// npm run build: compiles generator/ to dist/ (JavaScript and type declarations, tsconfig.build.json)
// unless dist/ is current already (bin/entry.js decides, as the synergyflow command does), then
// stamps the build. --force builds anyway; --clean removes dist/ first (npm pack's prepack, so
// that no module whose source is gone is packed); --quiet says nothing when there is nothing to build. Run by scripts/setup.sh (npm test, npm run demo), by
// npm's prepare and prepack, and by generator/package.test.ts.
//   node scripts/build.js [--force | --clean] [--quiet]
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BUILD_STAMP, distIsCurrent } from '../bin/entry.js';

const root = fileURLToPath(new URL('../', import.meta.url));

/** Builds dist/ when it is not current (or always, with force); returns whether it built. quiet: no
 * message when there is nothing to build. */
export function build({ force = false, clean = false, quiet = false } = {}) {
  if (clean) rmSync(root + 'dist', { recursive: true, force: true });
  if (!force && !clean && distIsCurrent(root)) {
    if (!quiet) console.log('[build] dist/ is up to date');
    return false;
  }
  console.log('[build] compiling generator/ to dist/ (tsc -p tsconfig.build.json)');
  const started = Date.now();
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit ${result.status ?? result.signal})`);
  mkdirSync(root + 'dist', { recursive: true });
  writeFileSync(root + BUILD_STAMP, `${new Date().toISOString()}\n`);
  console.log(`[build] dist/ built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    build({ force: process.argv.includes('--force'), clean: process.argv.includes('--clean'), quiet: process.argv.includes('--quiet') });
  } catch (err) {
    console.error(`[build] ${err.message}`);
    process.exit(1);
  }
}
