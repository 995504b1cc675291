// The generator's version, from package.json (it appears in every generated file header).
import { readFileSync } from 'node:fs';
import { packagePath } from './paths.ts';

const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string };
export const GENERATOR_VERSION: string = pkg.version;
