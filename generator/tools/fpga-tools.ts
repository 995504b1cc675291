// Runs Yosys and nextpnr-ice40: the pinned WebAssembly builds from npm (@yowasp/*, optional
// dependencies: no system install needed) by default, or the system binaries when asked or when
// the npm builds are not installed. Both take a set of input files and return the log and the
// requested output files.
import { accessSync, constants, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { withTempDir } from '../cleanup.ts';
import { packagePath } from '../paths.ts';
import { runToolStreaming, ToolError } from './exec.ts';
import type { TOOL_SOURCES } from '../config/ranges.ts';

export type ToolSource = (typeof TOOL_SOURCES)[number];
export type FpgaTool = 'yosys' | 'nextpnr-ice40';

/** The optional npm package of each tool. */
export const NPM_PACKAGES: Record<FpgaTool, string> = { yosys: '@yowasp/yosys', 'nextpnr-ice40': '@yowasp/nextpnr-ice40' };

/** Whether an npm package can be imported (the optional dependencies may be left out). */
async function npmInstalled(name: string): Promise<boolean> {
  try {
    await import(name);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return false;
    throw err;
  }
}

/** Whether an executable of this name is on PATH. */
function onPath(name: string, path = process.env.PATH ?? ''): boolean {
  return path.split(delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The pinned versions of the npm builds, from package.json's optionalDependencies. */
function npmInstallCommand(): string {
  let pins: Record<string, string> = {};
  try {
    pins = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { optionalDependencies?: Record<string, string> }).optionalDependencies ?? {};
  } catch {
    // The names alone, then.
  }
  return `npm install ${Object.values(NPM_PACKAGES).map((p) => (pins[p] ? `${p}@${pins[p]}` : p)).join(' ')}`;
}

export interface ToolChoice {
  source: ToolSource;
  /** Why it differs from the one asked for (to tell the user), if it does. */
  note?: string;
}

/**
 * Which build of a tool a synthesis runs, checked before any work: with 'npm' (the default) the
 * pinned WebAssembly build when its optional package is installed, else the system binary on
 * PATH; with 'system' the system binary. Neither: a ToolError (exit 3) saying what to install.
 */
export async function chooseToolSource(
  tool: FpgaTool,
  requested: ToolSource,
  env: { npmInstalled?: (name: string) => Promise<boolean>; path?: string } = {},
): Promise<ToolChoice> {
  const pkg = NPM_PACKAGES[tool];
  const system = onPath(tool, env.path);
  const install = `install it from your distribution (apt-get install yosys nextpnr-ice40) or the npm builds (${npmInstallCommand()})`;
  if (requested === 'system') {
    if (system) return { source: 'system' };
    throw new ToolError(`${tool} is not on PATH (--tools system): ${install}; with the npm builds, use --tools npm`);
  }
  if (await (env.npmInstalled ?? npmInstalled)(pkg)) return { source: 'npm' };
  if (system) return { source: 'system', note: `${pkg} (an optional dependency) is not installed: using the system ${tool} on PATH` };
  throw new ToolError(`${tool} is not available: neither ${pkg} (an optional npm dependency, left out of this install) nor a system ${tool} on PATH; ${install}`);
}

export interface ToolRun {
  log: string;
  outputs: Map<string, string>;
  seconds: number;
}

type Tree = { [name: string]: Tree | string | Uint8Array };

/** Each line a tool prints, as it prints it (for progress). */
export type OnLine = (line: string) => void;

function collect(sink: string[], onLine?: OnLine): (bytes: Uint8Array | null) => void {
  let pending = '';
  return (bytes) => {
    if (!bytes) return;
    const text = Buffer.from(bytes).toString('utf8');
    sink.push(text);
    if (!onLine) return;
    const parts = (pending + text).split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) onLine(line);
  };
}

/** Files by relative path as the nested folders the WebAssembly tools expect. */
function toTree(files: Map<string, string>): Tree {
  const root: Tree = {};
  for (const [path, text] of files) {
    const parts = path.split('/');
    let dir = root;
    for (const part of parts.slice(0, -1)) dir = (dir[part] ??= {}) as Tree;
    dir[parts[parts.length - 1]] = text;
  }
  return root;
}

function lookup(tree: Tree | undefined, path: string): Tree | string | Uint8Array | undefined {
  let node: Tree | string | Uint8Array | undefined = tree;
  for (const part of path.split('/')) {
    if (!node || typeof node === 'string' || node instanceof Uint8Array) return undefined;
    node = node[part];
  }
  return node;
}

async function runWasm(
  load: () => Promise<(args: string[], files: Tree, options: object) => Promise<Tree> | Tree | undefined>,
  what: string,
  args: string[],
  inputs: Map<string, string>,
  outputNames: string[],
  onLine?: OnLine,
): Promise<ToolRun> {
  const started = Date.now();
  const log: string[] = [];
  const files = toTree(inputs);
  let tree: Tree | undefined;
  try {
    const run = await load();
    tree = (await run(args, files, { stdout: collect(log, onLine), stderr: collect(log, onLine) })) ?? undefined;
  } catch (err) {
    const text = log.join('');
    throw new ToolError(`${what} failed${(err as { code?: number }).code !== undefined ? ` (exit ${(err as { code?: number }).code})` : ''}:\n${text.split('\n').slice(-30).join('\n')}`);
  }
  const outputs = new Map<string, string>();
  for (const name of outputNames) {
    const value = lookup(tree, name);
    if (typeof value === 'string') outputs.set(name, value);
    else if (value instanceof Uint8Array) outputs.set(name, Buffer.from(value).toString('utf8'));
  }
  return { log: log.join(''), outputs, seconds: (Date.now() - started) / 1000 };
}

async function runNative(tool: string, what: string, args: string[], inputs: Map<string, string>, outputNames: string[], onLine?: OnLine): Promise<ToolRun> {
  const started = Date.now();
  return withTempDir(`synergyflow-${tool}-`, async (dir) => {
    for (const [name, text] of inputs) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const log = (await runToolStreaming(tool, args, { what, cwd: dir, onLine })).join('\n');
    const outputs = new Map<string, string>();
    for (const name of outputNames) if (existsSync(join(dir, name))) outputs.set(name, readFileSync(join(dir, name), 'utf8'));
    return { log, outputs, seconds: (Date.now() - started) / 1000 };
  });
}

/** Yosys with a script; inputs and outputs are files relative to its working folder. */
export function runYosys(source: ToolSource, script: string, inputs: Map<string, string>, outputNames: string[], onLine?: OnLine): Promise<ToolRun> {
  const args = ['-p', script];
  if (source === 'system') return runNative('yosys', 'Yosys (system)', args, inputs, outputNames, onLine);
  return runWasm(async () => (await import('@yowasp/yosys')).runYosys as never, 'Yosys (@yowasp/yosys)', args, inputs, outputNames, onLine);
}

export function runNextpnrIce40(source: ToolSource, args: string[], inputs: Map<string, string>, outputNames: string[], onLine?: OnLine): Promise<ToolRun> {
  if (source === 'system') return runNative('nextpnr-ice40', 'nextpnr-ice40 (system)', args, inputs, outputNames, onLine);
  return runWasm(async () => (await import('@yowasp/nextpnr-ice40')).runNextpnrIce40 as never, 'nextpnr-ice40 (@yowasp/nextpnr-ice40)', args, inputs, outputNames, onLine);
}

/**
 * Where a Yosys run is, from its log lines: the script's command running (its top-level
 * "N. Executing ..." line; a -p script is one command line, so the "-- Running command" line says
 * nothing) and its latest pass ("N.M. Executing ..."), without the pass's description.
 */
export function yosysStep(): (line: string) => string | undefined {
  let command = '';
  return (line) => {
    const m = /^(\d+)((?:\.\d+)*)\. Executing (.+?)\.?$/.exec(line);
    if (!m) return undefined;
    const what = m[3].replace(/\s*\(.*\)$/, '').replace(/ pass$/, '');
    if (!m[2]) {
      command = what;
      return command;
    }
    return command ? `${command}: ${what}` : what;
  };
}

/** nextpnr's phase from a log line (packing, placing, routing, timing analysis), or undefined. */
export function nextpnrPhase(line: string): string | undefined {
  if (/^Info: Packing/.test(line)) return 'packing';
  if (/^Info: (Running simulated annealing placer|Placed|Creating initial analytic placement|Running main analytical placer|HeAP)/.test(line)) return 'placing';
  if (/^Info: (Routing|Setting up routing|Running router)/.test(line)) return 'routing';
  if (/^Info: (Critical path report|Max frequency)/.test(line)) return 'timing analysis';
  return undefined;
}
