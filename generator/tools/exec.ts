// The one place that spawns external programs: execa with argument arrays, never shell strings.
// A missing tool or a failing run becomes a ToolError that says which tool, and the tail of its
// output. Each child leads its own process group (Verilator's make and compilers with it), so
// that an interrupted command can end all of them (generator/cleanup.ts).
import { execa, ExecaError, type ResultPromise } from 'execa';
import { interrupted, killOnInterrupt } from '../cleanup.ts';

// ToolError lives in errors.ts (the CLI's error mapping loads it without execa); re-exported here.
import { ToolError } from '../errors.ts';
export { ToolError };

interface RunOptions {
  /** What the run is, for messages ("Verilator build"). */
  what: string;
  cwd?: string;
}

function explain(tool: string, opts: RunOptions, err: unknown): ToolError {
  if (err instanceof ExecaError) {
    if (err.code === 'ENOENT') {
      return new ToolError(`${opts.what}: '${tool}' is not installed or not on PATH (run 'npm run setup' to install the simulators)`);
    }
    const output = `${err.stdout ?? ''}\n${err.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    return new ToolError(`${opts.what} failed (${tool} exited with ${err.exitCode ?? err.signal}):\n${output}`);
  }
  return new ToolError(`${opts.what}: ${(err as Error).message}`);
}

/** Once interrupted, no new tool starts: the interrupt ends only the children it knows of. */
function checkNotInterrupted(opts: RunOptions): void {
  if (interrupted()) throw new ToolError(`${opts.what}: not started, the command was interrupted`);
}

/** Awaits a child, ended with its process group if the command is interrupted meanwhile. */
async function tracked<T>(child: ResultPromise, wait: () => Promise<T>): Promise<T> {
  const forget = child.pid !== undefined ? killOnInterrupt(child.pid) : () => {};
  try {
    return await wait();
  } finally {
    forget();
  }
}

export async function runTool(tool: string, args: string[], opts: RunOptions): Promise<string> {
  checkNotInterrupted(opts);
  try {
    const child = execa(tool, args, { cwd: opts.cwd, all: true, maxBuffer: 256 * 1024 * 1024, detached: true });
    const result = await tracked(child, () => child);
    return result.all ?? '';
  } catch (err) {
    throw explain(tool, opts, err);
  }
}

/** Runs a tool, handing each output line to onLine as it comes; returns all lines. */
export async function runToolStreaming(
  tool: string,
  args: string[],
  opts: RunOptions & { onLine?: (line: string) => void },
): Promise<string[]> {
  checkNotInterrupted(opts);
  const lines: string[] = [];
  try {
    const child = execa(tool, args, { cwd: opts.cwd, all: true, buffer: false, lines: false, detached: true });
    let pending = '';
    child.all?.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        opts.onLine?.(line);
      }
    });
    await tracked(child, () => child);
    if (pending) lines.push(pending);
    return lines;
  } catch (err) {
    const e = explain(tool, opts, err);
    throw new ToolError(`${e.message}\n${lines.slice(-20).join('\n')}`);
  }
}

export interface ToolStatus {
  /** The exit code, or undefined when a signal ended the process. */
  exitCode?: number;
  signal?: string;
  stdout: string;
  stderr: string;
}

/**
 * Runs a tool whose exit code is an answer, not a failure (a synergyflow command run for a queue
 * job): returns the code and the output; only a tool that cannot be started is a ToolError.
 * Each stderr line goes to onLine as it comes.
 */
export async function runToolForStatus(tool: string, args: string[], opts: RunOptions & { onLine?: (line: string) => void; env?: Record<string, string> }): Promise<ToolStatus> {
  checkNotInterrupted(opts);
  const child = execa(tool, args, { cwd: opts.cwd, env: opts.env, reject: false, maxBuffer: 256 * 1024 * 1024, detached: true });
  let pending = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) opts.onLine?.(line);
  });
  const result = await tracked(child, () => child);
  if (result.failed && result.exitCode === undefined && !result.signal) throw explain(tool, opts, result);
  return { exitCode: result.exitCode, signal: result.signal, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
}
