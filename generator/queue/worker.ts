// A queue worker: takes jobs from a BullMQ queue on Redis and runs them on this machine, each as
// the synergyflow command a user would type (./execute.ts) in a fresh folder of its work dir.
// Any number of workers, on any number of machines, may serve one queue. A worker killed mid-job loses nothing: its lock on the job lapses and another worker's
// stalled-job check puts the job back in the queue.
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openCache } from '../tools/sim-cache.ts';
import { checkQueueName, checkRedisReachable, checkRedisUrl, DEFAULT_QUEUE, queueConnection } from './connection.ts';
import { executeJob, WORKER_NAME } from './execute.ts';
import { expiredText, failureText, type QueuedJob } from './job-data.ts';
import { checkJobSpec, type JobSummary } from './spec.ts';
import { makeFolders } from '../make-folders.ts';

export interface WorkerOptions {
  redisUrl: string;
  queue?: string;
  /** Jobs run at once (default 1: a simulation keeps a core busy). */
  concurrency?: number;
  /** Where job folders go (created if missing, kept); default a temporary folder, removed on close. */
  workDir?: string;
  /** How long a job's lock lasts unrenewed, and how often this worker looks for stalled jobs (ms,
   * default 30 s): how soon a killed worker's jobs are taken by another. */
  lockMs?: number;
  /** Job starts and ends; with `verbose`, every flow's own progress too. */
  log?: (message: string) => void;
  verbose?: boolean;
  /** The simulator cache the jobs' runs use (absolute; default the user's) and its size limit in bytes. */
  cacheDir?: string;
  maxCacheBytes?: number;
}

export interface QueueWorker {
  /** host:pid, as the summaries of its jobs give it. */
  name: string;
  workDir: string;
  counts: { done: number; failed: number; handedBack: number };
  /** Stops taking jobs and waits for the active ones to finish. */
  close(): Promise<void>;
  /**
   * Stops taking jobs, ends the active ones with `abort` (which must end their child processes:
   * the CLI's interrupt clean-up) and puts each back in the queue for another worker.
   */
  handBack(abort: () => Promise<void>): Promise<void>;
}

let workersStarted = 0;

export async function startWorker(opts: WorkerOptions): Promise<QueueWorker> {
  const log = opts.log ?? (() => {});
  const url = checkRedisUrl(opts.redisUrl);
  const queue = checkQueueName(opts.queue ?? DEFAULT_QUEUE);
  await checkRedisReachable(url);
  // The cache folder, checked (and made, mode 0700) at once, but only after the other options:
  // a refused worker makes nothing.
  const cacheDir = opts.cacheDir !== undefined ? openCache(resolve(opts.cacheDir)) : undefined;
  workersStarted++;
  const name = workersStarted === 1 ? WORKER_NAME : `${WORKER_NAME}#${workersStarted}`;
  const ownWorkDir = opts.workDir === undefined;
  // Absolute: each job's command runs in its own folder, where a relative path would mean another place.
  const workDir = opts.workDir !== undefined ? resolve(opts.workDir) : mkdtempSync(join(tmpdir(), `synergyflow-${process.pid}-worker-`));
  makeFolders(workDir, 0o777);
  const counts = { done: 0, failed: 0, handedBack: 0 };
  let handingBack = false;

  const process_ = async (job: Job<QueuedJob, JobSummary>, token?: string): Promise<JobSummary> => {
    const { label, spec, expiresAt } = job.data;
    if (Date.now() > expiresAt) {
      counts.failed++;
      throw new UnrecoverableError(expiredText(expiresAt));
    }
    try {
      log(`${job.id}: ${label}: started`);
      const summary = await executeJob(checkJobSpec(spec, `queue job ${job.id}`), {
        workDir,
        id: job.id ?? 'job',
        worker: name,
        cacheDir,
        maxCacheBytes: opts.maxCacheBytes,
        log: opts.verbose ? (m) => log(`${job.id}: ${m}`) : undefined,
      });
      counts.done++;
      log(`${job.id}: ${describeSummary(summary)}`);
      return summary;
    } catch (err) {
      if (handingBack && token) {
        counts.handedBack++;
        await job.moveToWait(token);
        log(`${job.id}: handed back to the queue`);
        throw new WaitingError();
      }
      counts.failed++;
      const text = failureText(err);
      log(`${job.id}: failed: ${text}`);
      // Unrecoverable: the same job would fail the same way on any worker.
      throw new UnrecoverableError(text);
    }
  };

  const connection = queueConnection(url, log);
  const worker = new Worker<QueuedJob, JobSummary>(queue, process_, {
    connection,
    name,
    concurrency: opts.concurrency ?? 1,
    lockDuration: opts.lockMs ?? 30_000,
    stalledInterval: opts.lockMs ?? 30_000,
    // A job whose worker died twice is failed rather than passed on for ever.
    maxStalledCount: 2,
  });
  worker.on('error', (err) => log(`queue error: ${err.message}`));
  await worker.waitUntilReady();

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      await worker.close();
      connection.disconnect();
      if (ownWorkDir) rmSync(workDir, { recursive: true, force: true });
    })();
    return closed;
  };
  return {
    name,
    workDir,
    counts,
    close,
    async handBack(abort) {
      handingBack = true;
      const closing = close();
      await abort();
      await closing;
    },
  };
}

export function describeSummary(s: JobSummary): string {
  const place = `${s.seconds.toFixed(1)} s on ${s.worker}`;
  if (s.kind === 'run') {
    return `${s.status}${s.allMatch ? ', bit-exact' : ''}, ${s.cycles.toLocaleString('en-US')} cycles${s.message ? ` (${s.message})` : ''}, ${place}`;
  }
  return `${s.passed ? 'passed' : 'FAILED'}: ${s.luts} LUTs, ${s.ffs} FFs, ${s.dsps} DSPs, ${s.brams} BRAMs, ${s.gatesPassed}/${s.gates} gates${s.fmaxMhz !== undefined ? `, ${s.fmaxMhz} MHz` : ''}, ${place}`;
}
