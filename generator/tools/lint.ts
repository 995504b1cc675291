// Lints generated RTL with verilator --lint-only -Wall; returns the warning lines.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { withTempDir } from '../cleanup.ts';
import type { FileMap } from '../emit/generate.ts';
import { runTool, ToolError } from './exec.ts';

export function lintDesign(files: FileMap, top = 'sf_top'): Promise<string[]> {
  return withTempDir('synergyflow-lint-', async (dir) => {
    const sources: string[] = [];
    for (const [path, text] of files) {
      const dst = join(dir, path);
      mkdirSync(dirname(dst), { recursive: true });
      writeFileSync(dst, text);
      if (path.endsWith('.sv')) sources.push(dst);
    }
    try {
      await runTool('verilator', ['--lint-only', '-Wall', '--top-module', top, ...sources], { what: 'Verilator lint' });
      return [];
    } catch (err) {
      if (!(err instanceof ToolError) || err.message.includes('not installed')) throw err;
      return err.message.split('\n').filter((l) => l.startsWith('%'));
    }
  });
}
