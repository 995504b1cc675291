// The worker and regress commands on a real Redis (a private redis-server on a free port): a
// worker process killed mid-simulation whose job another worker finishes, a regression of 2
// seeds, a worker process that hands its active job back on SIGTERM and exits 0, regress
// --local, and the exit codes of bad input and an unreachable Redis. Skipped, saying so, where
// redis-server is not installed.
import { execa, type ResultPromise } from 'execa';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../cli/exit-codes.ts';
import { runCli } from '../cli/program.ts';
import type { JobSpec } from './spec.ts';
import { runOnQueue } from './submit.ts';
import { findRedisServer, NO_REDIS, startTestRedis, type TestRedis } from './test-redis.ts';
import { WORKER_NAME } from './execute.ts';
import { startWorker, type QueueWorker } from './worker.ts';

const redisServer = findRedisServer();
if (!redisServer) console.warn(NO_REDIS);

const repo = new URL('../../', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'sf-queue-cli-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A run slow enough to be caught mid-simulation: slow, stalling memory (a few seconds on tiny). */
const slowRun: JobSpec = { kind: 'run', config: 'tiny', workload: 'builtin:lenet5:4', latency: 1000, stallPercent: 90, label: 'slow run' };

/** The synergyflow CLI as a process (as a user starts a worker on another machine), with its
 * temporary files in `tmp` (a worker killed with SIGKILL leaves them). */
function cliProcess(args: string[], tmp = join(scratch, 'tmp')): ResultPromise<{ all: true; reject: false }> {
  mkdirSync(tmp, { recursive: true });
  return execa('node', [join(repo, 'bin/synergyflow.js'), ...args], { all: true, reject: false, cwd: scratch, env: { TMPDIR: tmp } });
}

/** A worker process, once it says it serves the queue; `output` grows as it prints. Its work dir
 * and temporary folder are work-QUEUE and tmp-QUEUE in the scratch folder. */
async function workerProcess(url: string, queue: string, more: string[] = []) {
  // --verbose: the run's own progress says when the simulator starts.
  // A relative --work-dir (the process runs in the scratch folder).
  const child = cliProcess(['worker', '--redis', url, '--queue', queue, '--work-dir', `work-${queue}`, '--verbose', ...more], join(scratch, `tmp-${queue}`));
  const state = { output: '' };
  child.all.on('data', (chunk: Buffer) => (state.output += chunk.toString()));
  await until(() => state.output.includes('serving queue'), 30_000, () => `worker did not start: ${state.output}`);
  return { child, state };
}

/** Until the worker's simulator has run for a moment. */
async function simulating(state: { output: string }): Promise<void> {
  await until(() => /: simulating \(seed/.test(state.output), 30_000, () => `no simulation started: ${state.output}`);
  await new Promise((r) => setTimeout(r, 300));
}

async function until(done: () => boolean, ms: number, what: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(what());
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The process and every process under it (the job's command, its simulator), SIGKILLed: a
 * worker that dies at once, as on a machine that loses power, with nothing left running. */
async function killHard(pid: number): Promise<void> {
  const { stdout } = await execa('ps', ['-eo', 'pid=,ppid=']);
  const parents = stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...parents.filter(([, ppid]) => ppid === tree[i]).map(([child]) => child));
  for (const p of tree) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

/** A command in-process (the same code as the process, without node's start). */
async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'synergyflow', ...args], { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe.skipIf(!redisServer)('worker and regress commands on a Redis queue', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis(redisServer);
  });
  afterAll(() => redis?.stop());

  it('finishes the job of a worker killed mid-simulation on another worker', async () => {
    const { child, state } = await workerProcess(redis.url, 'stalls', ['--lock-seconds', '2']);
    let rescuer: QueueWorker | undefined;
    try {
      const pending = runOnQueue(redis.url, [slowRun], { queue: 'stalls', timeoutMs: 60_000 });
      pending.catch(() => {}); // awaited below; a failed assertion before that must not leave it unhandled
      await simulating(state);
      await killHard(child.pid!);
      const killed = Date.now();
      // The dead worker's lock lapses after 2 s; this worker's stalled check puts the job back.
      rescuer = await startWorker({ redisUrl: redis.url, queue: 'stalls', lockMs: 1000 });
      const [summary] = await pending;
      expect(summary).toMatchObject({ status: 'ok', allMatch: true, worker: rescuer.name });
      // Lock (2 s) + stalled check (1 s) + the run again: far below the 30 s default lock.
      expect(Date.now() - killed).toBeLessThan(15_000);
    } finally {
      await rescuer?.close();
      // Killed above, unless the test failed before that.
      child.kill('SIGKILL');
      await child;
    }
  });

  it('worker and regress as processes: 2 seeds bit-exact; SIGTERM hands the active job back and exits 0', async () => {
    const { child, state } = await workerProcess(redis.url, 'cli');
    try {
      const regress = await cliProcess(['regress', '--redis', redis.url, '--queue', 'cli', '--seeds', '2', '--preset', 'tiny']);
      expect(regress.exitCode, regress.all).toBe(EXIT.ok);
      expect(regress.stdout).toContain('2 of 2 bit-exact');
      expect(regress.stdout).toMatch(/workers: \S+:\d+ \(2\)/);
      expect(regress.stderr).toMatch(/2\/2 seed \d: ok, bit-exact/);

      // A job in the middle of its simulation when the worker is told to stop.
      const pending = runOnQueue(redis.url, [slowRun], { queue: 'cli', timeoutMs: 60_000 });
      pending.catch(() => {}); // awaited below
      await simulating(state);
      const stopped = Date.now();
      child.kill('SIGTERM');
      const r = await child;
      expect(r.exitCode, r.all).toBe(EXIT.ok);
      expect(Date.now() - stopped).toBeLessThan(5_000);
      expect(r.stdout).toMatch(/stopped: 2 job\(s\) done, 0 failed, 1 handed back to the queue/);
      expect(readdirSync(join(scratch, 'work-cli'))).toEqual([]);
      // The job's command cleaned up after itself too (tsx keeps its compile cache there).
      expect(readdirSync(join(scratch, 'tmp-cli')).filter((name) => name.startsWith('synergyflow-'))).toEqual([]);
      // Back in the queue at once (no lock to wait for): the next worker finishes it.
      const next = await startWorker({ redisUrl: redis.url, queue: 'cli' });
      try {
        expect((await pending)[0]).toMatchObject({ status: 'ok', allMatch: true, worker: next.name });
      } finally {
        await next.close();
      }
    } finally {
      // Stopped above, unless the test failed before that.
      child.kill('SIGKILL');
    }
  });

  it('regress --local runs its own worker in-process', async () => {
    const r = await cli(['regress', '--redis', redis.url, '--queue', 'local', '--seeds', '1', '--first-seed', '11', '--preset', 'tiny', '--local', '--quiet']);
    expect(r.code, r.err).toBe(EXIT.ok);
    expect(r.out).toContain('seeds 11..11, on preset tiny');
    expect(r.out).toContain('1 of 1 bit-exact');
    expect(r.out).toContain(`workers: ${WORKER_NAME}`);
    expect(r.err).toBe('');
  });

  it('exits 2 on bad input and 3 when Redis cannot be reached, without a stack trace', async () => {
    const cases: [string[], number, RegExp][] = [
      [['regress', '--redis', 'localhost:6379', '--seeds', '2'], EXIT.badInput, /--redis: expected a Redis URL such as redis:\/\/HOST:6379/],
      [['regress', '--redis', redis.url, '--seeds', '0'], EXIT.badInput, /--seeds must be a decimal integer from 1/],
      [['regress', '--redis', redis.url, '--seeds', '2', '--preset', 'huge'], EXIT.badInput, /--preset: expected one of tiny/],
      [['regress', '--redis', redis.url, '--seeds', '2', '--queue', 'a:b'], EXIT.badInput, /--queue: expected a queue name/],
      [['worker', '--redis', 'http://x'], EXIT.badInput, /--redis: expected a Redis URL/],
      [['worker', '--redis', 'redis://127.0.0.1:1'], EXIT.tool, /cannot reach Redis at redis:\/\/127.0.0.1:1: .*ECONNREFUSED/],
      [['regress', '--redis', 'redis://127.0.0.1:1', '--seeds', '1'], EXIT.tool, /cannot reach Redis/],
    ];
    for (const [args, code, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.err, args.join(' ')).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });
});

// Without redis-server, the skip says why in the test list.
if (!redisServer) {
  describe('worker and regress commands on a Redis queue', () => {
    it.skip(NO_REDIS, () => {});
  });
}
