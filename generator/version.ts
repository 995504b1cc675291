// The generator's version, from package.json (it appears in every generated file header).
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
export const GENERATOR_VERSION: string = pkg.version;
