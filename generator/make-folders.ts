// Makes a folder and its missing parents one level at a time.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Makes a folder and its missing parents (mode `mode`) one level at a time, from the nearest
 * existing one, which must be a folder: Node's mkdirSync(path, { recursive: true }) never returns
 * for some paths (under /proc, on Node 20), where one level at a time fails at once (ENOENT).
 */
export function makeFolders(path: string, mode: number): void {
  const missing: string[] = [];
  let at = resolve(path);
  while (!existsSync(at)) {
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  if (missing.length === 0) return;
  if (!statSync(at).isDirectory()) throw Object.assign(new Error(`ENOTDIR: ${at} is not a folder`), { code: 'ENOTDIR' });
  for (const dir of missing) {
    try {
      mkdirSync(dir, { mode });
    } catch (err) {
      // Made meanwhile by another process: fine.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
