// A lock file beside a cache entry, so that processes sharing a cache (queue workers on one
// machine, each job a process of its own; or machines sharing the folder) build each design once:
// the first builds, the others wait for it. A lock whose process is gone (same host) or that is
// older than any build takes is taken over.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { removeOnInterrupt } from '../cleanup.ts';

export interface BuildLockOptions {
  /** Whether the entry has been built meanwhile (then no lock is needed). */
  done: () => boolean;
  /** Told once, with the holder (host, pid), when the lock is held by another. */
  onWait?: (holder: string) => void;
  pollMs?: number;
  /** Age after which a lock is taken for abandoned (default 2 hours). */
  staleMs?: number;
}

/** Takes the lock, or returns undefined once the entry is done; the returned function releases it. */
export async function acquireBuildLock(path: string, opts: BuildLockOptions): Promise<(() => void) | undefined> {
  let told = false;
  for (;;) {
    if (opts.done()) return undefined;
    try {
      writeFileSync(path, `${hostname()} ${process.pid} ${Date.now()}\n`, { flag: 'wx' });
      const forget = removeOnInterrupt(path);
      const release = () => {
        rmSync(path, { force: true });
        forget();
      };
      // Built between the check above and taking the lock.
      if (opts.done()) {
        release();
        return undefined;
      }
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(path);
    // Two processes may both find a lock stale and both build: harmless, as the cache keeps one.
    if (holder && isAbandoned(holder, opts.staleMs ?? 2 * 3_600_000)) {
      rmSync(path, { force: true });
      continue;
    }
    if (!told && holder) {
      opts.onWait?.(`${holder.host}:${holder.pid}`);
      told = true;
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
  }
}

/**
 * Takes the lock if it is free (or abandoned) without waiting; undefined when another holds it.
 * The cache's eviction takes an entry's lock this way, so that it never removes an entry being
 * built, and skips it rather than waiting.
 */
export function tryLock(path: string, staleMs = 2 * 3_600_000): (() => void) | undefined {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${hostname()} ${process.pid} ${Date.now()}\n`, { flag: 'wx' });
      const forget = removeOnInterrupt(path);
      return () => {
        rmSync(path, { force: true });
        forget();
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(path);
    if (!holder || !isAbandoned(holder, staleMs)) return undefined;
    rmSync(path, { force: true });
  }
  return undefined;
}

/** Whether a lock (or use) file names a process that is gone or is older than `staleMs`. */
export function lockAbandoned(path: string, staleMs = 2 * 3_600_000): boolean {
  const holder = readHolder(path);
  return holder !== undefined && isAbandoned(holder, staleMs);
}

interface Holder {
  host: string;
  pid: number;
  since: number;
}

/** The lock's holder; undefined while the file is being written or is gone. */
function readHolder(path: string): Holder | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const [host, pid, since] = text.trim().split(' ');
  return host && Number(pid) > 0 && Number(since) > 0 ? { host, pid: Number(pid), since: Number(since) } : undefined;
}

function isAbandoned(holder: Holder, staleMs: number): boolean {
  if (Date.now() - holder.since > staleMs) return true;
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    // EPERM: alive, someone else's.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
