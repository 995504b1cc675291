// The simulator cache's build lock: one holder at a time, the others waiting until the entry is
// built; a lock left by a dead process or too old is taken over; one from another host is not.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireBuildLock } from './build-lock.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-build-lock-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('build lock', () => {
  it('lets one holder build while the others wait, then tells them it is built', async () => {
    const lock = join(scratch, 'a.lock');
    let built = false;
    const waits: string[] = [];
    const first = await acquireBuildLock(lock, { done: () => built, pollMs: 10 });
    expect(first).toBeTypeOf('function');
    expect(existsSync(lock)).toBe(true);
    const second = acquireBuildLock(lock, { done: () => built, pollMs: 10, onWait: (h) => waits.push(h) });
    await new Promise((r) => setTimeout(r, 100));
    expect(waits).toEqual([`${hostname()}:${process.pid}`]);
    built = true;
    first!();
    expect(await second).toBeUndefined();
    expect(existsSync(lock)).toBe(false);
  });

  it('takes over a lock whose process is gone, or that is older than any build', async () => {
    const dead = join(scratch, 'dead.lock');
    writeFileSync(dead, `${hostname()} 99999999 ${Date.now()}\n`);
    const release = await acquireBuildLock(dead, { done: () => false, pollMs: 10 });
    expect(release).toBeTypeOf('function');
    release!();
    const old = join(scratch, 'old.lock');
    writeFileSync(old, `elsewhere ${process.pid} ${Date.now() - 3 * 3_600_000}\n`);
    (await acquireBuildLock(old, { done: () => false, pollMs: 10 }))!();
  });

  it('waits for a live lock of another host until the entry is built', async () => {
    const remote = join(scratch, 'remote.lock');
    writeFileSync(remote, `elsewhere 1 ${Date.now()}\n`);
    let built = false;
    setTimeout(() => (built = true), 150);
    const started = Date.now();
    expect(await acquireBuildLock(remote, { done: () => built, pollMs: 10 })).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(existsSync(remote)).toBe(true);
  });
});
