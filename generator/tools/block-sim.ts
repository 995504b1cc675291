// Builds a block-level testbench (a tb/ top and the module files it tests) on Icarus or
// Verilator, with top-level parameter overrides, and returns a function that runs it with
// plusargs and gives its output. Used by the block-level tests.
import { join } from 'node:path';
import { runTool } from './exec.ts';
import type { Simulator } from './sim.ts';

export interface BlockSimInput {
  sim: Simulator;
  /** The testbench's top module. */
  top: string;
  sources: string[];
  /** Overrides of the top's parameters. */
  params?: Record<string, number>;
  /** Folder (or file prefix) for the build. */
  dir: string;
}

export async function buildBlockSim({ sim, top, sources, params = {}, dir }: BlockSimInput): Promise<(plusargs: string[]) => Promise<string>> {
  const overrides = Object.entries(params);
  if (sim === 'icarus') {
    await runTool('iverilog', ['-g2012', '-o', `${dir}.vvp`, '-s', top, ...overrides.map(([k, v]) => `-P${top}.${k}=${v}`), ...sources], { what: 'Icarus build' });
    return (plusargs) => runTool('vvp', ['-n', `${dir}.vvp`, ...plusargs], { what: 'Icarus simulation' });
  }
  await runTool(
    'verilator',
    ['--binary', '--timing', '-Wno-fatal', '-Wno-lint', '-Wno-style', '--top-module', top, ...overrides.map(([k, v]) => `-G${k}=${v}`), '--Mdir', dir, '-o', 'sim', ...sources],
    { what: 'Verilator build' },
  );
  return (plusargs) => runTool(join(dir, 'sim'), plusargs, { what: 'Verilator simulation' });
}
