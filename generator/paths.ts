// Where the package's own files are, whether this code runs as TypeScript source (under tsx or
// vitest) or as the compiled JavaScript in dist/ (npm run build): the package root (package.json,
// bin/, templates/, tb/), and the files that sit beside a module in the source tree (a block's
// template, the resource model's calibration), which the build does not copy into dist/.
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(import.meta.url);

/** Running the compiled JavaScript of dist/ (generator/paths.ts compiles to dist/generator/paths.js). */
export const COMPILED = !HERE.endsWith('.ts');

/** The package's root folder, with a trailing separator. */
export const PACKAGE_ROOT = fileURLToPath(new URL(COMPILED ? '../../' : '../', import.meta.url));

const DIST = `${PACKAGE_ROOT}dist${sep}`;

/** A package path from a module's URL in the source tree or dist/: dist/generator/x/y.js -> generator/x/y.js. */
function sourceTreePath(path: string): string {
  return path.startsWith(DIST) ? PACKAGE_ROOT + path.slice(DIST.length) : path;
}

/** The absolute path of `file` relative to a module (pass import.meta.url), in the source tree. */
export function assetPath(moduleUrl: string | URL, file: string): string {
  return sourceTreePath(fileURLToPath(new URL(file, moduleUrl)));
}

/** The absolute path of a file or folder of the package, from its root (e.g. 'tb/', 'bin/synergyflow.js'). */
export function packagePath(relative: string): string {
  return PACKAGE_ROOT + relative;
}
