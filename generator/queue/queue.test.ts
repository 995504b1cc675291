// Jobs on a real Redis (a private redis-server on a free port) through BullMQ, in-process: runs
// on two workers equal to direct runs, bad jobs refused before queueing, a failing job and a
// timeout that name their job. Skipped, saying so, where redis-server is not installed. The
// worker and regress commands as processes are in queue-cli.test.ts.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import { runWorkload } from '../runner/run.ts';
import { formatRegression, regressionJobs, tallyRegression, type RegressionOptions } from './regress.ts';
import type { JobSpec, RunSummary } from './spec.ts';
import { BatchTracker, QueueJobsError, QueueTimeoutError, runOnQueue, type QueueProgress } from './submit.ts';
import { findRedisServer, NO_REDIS, startTestRedis, type TestRedis } from './test-redis.ts';
import { startWorker } from './worker.ts';

const redisServer = findRedisServer();
if (!redisServer) console.warn(NO_REDIS);

const scratch = mkdtempSync(join(tmpdir(), 'sf-queue-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function jobCounts(url: string, queue: string) {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const q = new Queue(queue, { connection });
  try {
    return await q.getJobCounts('waiting', 'active', 'completed', 'failed');
  } finally {
    await q.close();
    connection.disconnect();
  }
}

describe.skipIf(!redisServer)('jobs on a Redis queue', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis(redisServer);
  });
  afterAll(() => redis?.stop());

  it('runs jobs on two workers, each summary what a direct run gives', async () => {
    const direct = await Promise.all((['elastic', 'monolithic'] as const).map((policy) =>
      runWorkload({ preset: 'tiny', workload: 'builtin:lenet5:1', sim: 'verilator', policy, out: join(scratch, `direct-${policy}`) })));
    const workers = [await startWorker({ redisUrl: redis.url, queue: 'runs' }), await startWorker({ redisUrl: redis.url, queue: 'runs' })];
    const events: QueueProgress[] = [];
    try {
      const specs: JobSpec[] = [
        { kind: 'run', config: 'tiny', workload: 'builtin:lenet5:1', policy: 'elastic' },
        { kind: 'run', config: 'tiny', workload: 'builtin:lenet5:1', policy: 'monolithic' },
        { kind: 'run', config: 'tiny', workload: 'random:5:2', policy: 'static', seed: 5, stallPercent: 10 },
      ];
      const summaries = (await runOnQueue(redis.url, specs, { queue: 'runs', onProgress: (e) => events.push(e) })) as RunSummary[];
      expect(summaries.map((s) => [s.kind, s.status, s.allMatch])).toEqual(specs.map(() => ['run', 'ok', true]));
      direct.forEach((d, i) => {
        expect(summaries[i].cycles).toBe(d.cycles);
        expect(summaries[i].boundRatio).toBe(d.boundRatio);
        expect(summaries[i].peUtilization).toBe(d.peUtilization);
      });
      expect(summaries[2].cycles).toBeGreaterThan(0);
      // Both workers took part; each job's folder is gone.
      expect(new Set(summaries.map((s) => s.worker))).toEqual(new Set(workers.map((w) => w.name)));
      for (const w of workers) expect(readdirSync(w.workDir)).toEqual([]);
      expect(events[0]).toMatchObject({ type: 'queued', total: 3, workers: 2 });
      expect(events.filter((e) => e.type === 'started')).toHaveLength(3);
      expect(events.filter((e) => e.type === 'finished').map((e) => e.type === 'finished' && e.done).sort()).toEqual([1, 2, 3]);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
    }
    // Collected jobs are removed from Redis.
    expect(await jobCounts(redis.url, 'runs')).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0 });
  });

  it('refuses bad jobs before queueing, and reports a job that fails on its worker by name', async () => {
    await expect(runOnQueue(redis.url, [
      { kind: 'run', config: 'tiny', workload: 'builtin:lenet5' },
      { kind: 'run', config: 'huge', workload: 'relative/workload.json' } as JobSpec,
    ], { queue: 'bad' })).rejects.toThrow(/job 2: workload: expected builtin:MODEL\[:BATCH\], random:SEED\[:JOBS\], or an absolute path/);
    await expect(runOnQueue(redis.url, [{ kind: 'run', config: { engines: 0 }, workload: 'builtin:lenet5' }], { queue: 'bad' })).rejects.toThrow(InputError);
    expect(await jobCounts(redis.url, 'bad')).toMatchObject({ waiting: 0 });

    const worker = await startWorker({ redisUrl: redis.url, queue: 'fails' });
    const started = Date.now();
    try {
      const error = await runOnQueue(redis.url, [
        { kind: 'run', config: 'tiny', workload: 'builtin:lenet5:1', budget: 100 },
        { kind: 'run', config: 'tiny', workload: join(scratch, 'no-such', 'workload.json'), label: 'the missing workload' },
      ], { queue: 'fails' }).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(QueueJobsError);
      const { failures, summaries } = error as QueueJobsError;
      expect((error as Error).message).toMatch(/^1 of 2 queue job\(s\) failed:\njob 2 \(the missing workload\): synergyflow run exited with 2: invalid input:\n\s+\S+no-such\/workload.json: expected a readable workload file/);
      expect(failures).toMatchObject([{ index: 1, kind: 'input' }]);
      // A run past its cycle budget is a result (status timeout), not a failure of the job.
      expect(summaries[0]).toMatchObject({ status: 'timeout', allMatch: false });
    } finally {
      await worker.close();
    }
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('gives up at its timeout when no worker serves the queue, withdrawing the jobs', async () => {
    const started = Date.now();
    const error = await runOnQueue(redis.url, [{ kind: 'run', config: 'tiny', workload: 'builtin:lenet5', label: 'lonely' }], { queue: 'nobody', timeoutMs: 1500, checkEveryMs: 200 }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(QueueTimeoutError);
    expect((error as Error).message).toMatch(/within 2 s; no worker is serving queue 'nobody'/);
    expect((error as Error).message).toContain('job 1 (lonely): never started (withdrawn from the queue)');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await jobCounts(redis.url, 'nobody')).toMatchObject({ waiting: 0, active: 0 });
  });
});

describe('batch tracker', () => {
  it('counts each job once, whether its event or a look reports it, and looks at every unfinished job in turn', () => {
    const events: QueueProgress[] = [];
    const tracker = new BatchTracker(['b-1', 'b-2', 'b-3', 'b-4', 'b-5'], ['one', 'two', 'three', 'four', 'five'], (e) => events.push(e));
    expect(tracker.nextToLookAt(2)).toEqual([0, 1]);
    expect(tracker.nextToLookAt(2)).toEqual([2, 3]);
    tracker.finished('b-5', { kind: 'run' } as RunSummary);
    tracker.finished('b-5', { kind: 'run' } as RunSummary);
    tracker.failed('b-1', '[input] bad');
    tracker.failed('b-1', '[input] bad');
    tracker.finished('b-9', { kind: 'run' } as RunSummary);
    expect(tracker.nextToLookAt(2)).toEqual([1, 2]);
    expect(tracker.nextToLookAt(5)).toEqual([3, 1, 2]);
    expect(events.map((e) => e.type === 'finished' || e.type === 'failed' ? [e.type, e.index, e.done, e.failed] : e.type)).toEqual([['finished', 4, 1, 0], ['failed', 0, 1, 1]]);
    expect(tracker.failures).toEqual([{ index: 0, label: 'one', kind: 'input', message: 'bad' }]);
    expect(tracker.complete).toBe(false);
  });
});

describe('regression tally', () => {
  const opts: RegressionOptions = { config: 'tiny', design: 'preset tiny', seeds: 3, firstSeed: 7, jobs: 2, policy: 'static', sim: 'verilator', stallPercent: 10 };
  const run = (over: Partial<RunSummary>): RunSummary => ({ kind: 'run', status: 'ok', message: '', cycles: 100, allMatch: true, boundRatio: 1, peUtilization: 0.5, simSeconds: 0.1, worker: 'a:1', seconds: 1, ...over });

  it('sends one seeded random workload per seed, and counts only bit-exact runs as passing', () => {
    expect(regressionJobs(opts).map((j) => [j.workload, j.seed, j.policy, j.label])).toEqual([
      ['random:7:2', 7, 'static', 'seed 7'], ['random:8:2', 8, 'static', 'seed 8'], ['random:9:2', 9, 'static', 'seed 9'],
    ]);
    const tally = tallyRegression(opts, [run({}), run({ status: 'mismatch', allMatch: false, message: 'job0: 3 mismatching values', worker: 'b:2' }), run({ status: 'timeout', allMatch: false, message: 'hung' })]);
    expect(tally).toMatchObject({ total: 3, bitExact: 1, bad: [{ seed: 8, status: 'mismatch' }, { seed: 9, status: 'timeout' }] });
    const text = formatRegression(opts, tally, 2);
    expect(text).toContain('1 of 3 bit-exact, 2 not; 3 run(s) in 2.0 s (1.50 runs/s)');
    expect(text).toContain('workers: a:1 (2), b:2 (1)');
    expect(text).toContain('seed 8: mismatch: job0: 3 mismatching values\n  reproduce: npx tsx scripts/fuzz.ts --first 8 --count 1 --jobs 2 --stall 10 --policy static --sim verilator --preset tiny');
  });
});

// Without redis-server, the skip says why in the test list.
if (!redisServer) {
  describe('jobs on a Redis queue', () => {
    it.skip(NO_REDIS, () => {});
  });
}
