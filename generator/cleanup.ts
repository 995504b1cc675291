// What an interrupted command must undo: child processes to end and temporary files to remove.
// Modules register what they create and unregister it when done; the CLI's signal handler calls
// interruptCleanup() and then exits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const paths = new Set<string>();
const children = new Set<number>();
const actions = new Set<() => void>();
let wasInterrupted = false;

/** Whether the command has been interrupted: nothing more may be written then. */
export function interrupted(): boolean {
  return wasInterrupted;
}

let stopHandler: ((signal: NodeJS.Signals) => void) | undefined;

/**
 * A command that stops on its own terms at SIGINT or SIGTERM (the queue worker: it hands its
 * jobs back and exits 0). The first signal calls the handler instead of interrupting; a second
 * one interrupts as usual. Returns the function that unregisters it.
 */
export function onStopSignal(handler: (signal: NodeJS.Signals) => void): () => void {
  stopHandler = handler;
  return () => {
    if (stopHandler === handler) stopHandler = undefined;
  };
}

/** The registered stop handler, if a command has one (main.ts's signal handler asks). */
export function stopSignalHandler(): ((signal: NodeJS.Signals) => void) | undefined {
  return stopHandler;
}

/** A temporary file or folder, removed on interrupt; call the returned function once it is gone or kept. */
export function removeOnInterrupt(path: string): () => void {
  paths.add(path);
  return () => paths.delete(path);
}

/** Something else to undo on interrupt (restoring a folder moved aside, say). */
export function onInterrupt(action: () => void): () => void {
  actions.add(action);
  return () => actions.delete(action);
}

/** A child process that leads its own process group, ended with its whole group on interrupt. */
export function killOnInterrupt(pid: number): () => void {
  children.add(pid);
  return () => children.delete(pid);
}

function signalGroups(groups: number[], signal: NodeJS.Signals): void {
  for (const pid of groups) {
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** Whether any process of the group is left. */
function alive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilGone(groups: number[], ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (groups.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

/**
 * Ends every registered child process group (SIGTERM, then SIGKILL after `graceMs`), then runs
 * the registered actions and removes the registered paths.
 */
export async function interruptCleanup(graceMs = 2000): Promise<void> {
  wasInterrupted = true;
  // The groups as they are now: a leader that exits unregisters itself, while its group (make,
  // the compilers) may live on and must still be ended.
  const groups = [...children];
  signalGroups(groups, 'SIGTERM');
  await waitUntilGone(groups, graceMs);
  signalGroups(groups, 'SIGKILL');
  // Give the kernel a moment to reap them, so nothing writes into the folders removed next.
  await waitUntilGone(groups, 500);
  for (const action of actions) {
    try {
      action();
    } catch {
      // Best effort: keep undoing the rest.
    }
  }
  actions.clear();
  for (const path of paths) rmSync(path, { recursive: true, force: true });
  paths.clear();
}

/**
 * Runs fn with a fresh temporary folder, removed afterwards (and on interrupt). Its name holds
 * the process id (`<prefix><pid>-XXXXXX`), so that what a process left behind can be found.
 */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}${process.pid}-`));
  const forget = removeOnInterrupt(dir);
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    forget();
  }
}
