#!/usr/bin/env node
// Entry point of the synergyflow command: the compiled JavaScript of dist/ when it is current
// (npm run build; an installed package always has it), else the TypeScript sources through tsx
// (a checkout edited since its last build). $SYNERGYFLOW_ENTRY=dist|source forces one of them.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chooseEntry, DIST_MAIN } from './entry.js';

const root = fileURLToPath(new URL('../', import.meta.url));
// Exit 3, as for any missing tool (README: exit codes): the package is not built.
const missing = (what) => {
  process.stderr.write(`synergyflow: ${what}: run 'npm run build' in ${root}\n`);
  process.exit(3);
};
if (chooseEntry(root) === 'dist') {
  if (!existsSync(root + DIST_MAIN)) missing(`${DIST_MAIN} is missing (SYNERGYFLOW_ENTRY=dist)`);
  await import(new URL(`../${DIST_MAIN}`, import.meta.url).href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    missing(`${DIST_MAIN} is missing or older than the sources, and tsx (a development dependency) is not installed to run the sources`);
  }
  register();
  await import('../generator/cli/main.ts');
}
