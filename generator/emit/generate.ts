// Produces every generated file of a design (RTL, file list, register map, resolved config) as
// an in-memory map, and writes such a map to a folder all-or-nothing.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { elaborate, type Design } from '../arch/design.ts';
import { registerMapCHeader, registerMapJson, registerMapMarkdown, registerMapVerilogHeader } from '../arch/regmap.ts';
import type { ResolvedConfig } from '../config/resolve.ts';
import { GENERATOR_VERSION } from '../version.ts';
import { renderLeaf, renderStructural, type HeaderInfo } from './verilog.ts';

/** Relative path -> content (text, or bytes for binary files such as .npy). */
export type FileMap = Map<string, string | Uint8Array>;

/** The command that regenerates a design, without machine-specific paths. */
export function regenerateCommand(cfg: ResolvedConfig): string {
  const from = cfg.source.startsWith('preset ') ? `--preset ${cfg.source.slice(7)}` : `--config ${cfg.source}`;
  return `npx synergyflow generate ${from} --out <dir>`;
}

export function generateFiles(cfg: ResolvedConfig): { design: Design; files: FileMap } {
  const design = elaborate(cfg);
  const header: HeaderInfo = { version: GENERATOR_VERSION, source: cfg.source, hash: cfg.hash, command: regenerateCommand(cfg) };
  const files: FileMap = new Map();
  const rtl: string[] = [];
  for (const leaf of design.leaves) {
    files.set(`rtl/${leaf.name}.v`, renderLeaf(leaf, header));
    rtl.push(`rtl/${leaf.name}.v`);
  }
  files.set(`rtl/${design.top.name}.v`, renderStructural(design.top, header));
  rtl.push(`rtl/${design.top.name}.v`);
  files.set('sf_top.f', rtl.join('\n') + '\n');
  files.set('regmap.json', registerMapJson(design.regmap));
  files.set('regmap.md', registerMapMarkdown(design.regmap, `SynergyFlow (${cfg.name})`));
  files.set('sf_regs.h', registerMapCHeader(design.regmap, 'SF_REGS_H'));
  files.set('sf_regs.vh', registerMapVerilogHeader(design.regmap));
  const { source: _source, ...resolved } = cfg;
  files.set('config.json', JSON.stringify(resolved, null, 2) + '\n');
  return { design, files };
}

/**
 * Writes files under dir so that dir either keeps its old content or holds the complete new
 * one: everything goes to a sibling temporary folder first, which then replaces dir.
 */
export function writeFilesAtomically(dir: string, files: FileMap): void {
  const target = resolve(dir);
  mkdirSync(dirname(target), { recursive: true });
  const staging = `${target}.partial-${process.pid}`;
  const old = `${target}.old-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    for (const [rel, text] of files) {
      const path = join(staging, rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    }
    if (existsSync(target)) renameSync(target, old);
    renameSync(staging, target);
    rmSync(old, { recursive: true, force: true });
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    if (existsSync(old) && !existsSync(target)) renameSync(old, target);
    throw err;
  }
}
