// Runs Yosys and nextpnr-ice40: the pinned WebAssembly builds from npm (@yowasp/*, no system
// install needed) by default, or the system binaries when asked. Both take a set of input files
// and return the log and the requested output files.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { withTempDir } from '../cleanup.ts';
import { runToolStreaming, ToolError } from './exec.ts';

export type ToolSource = 'npm' | 'system';

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
