// Submitting jobs to the queue and waiting for them: runOnQueue enqueues a batch on a BullMQ queue
// in Redis, follows it (queue events, with a periodic look at each job as a backstop), and
// returns the summaries in job order. It never waits past its timeout, and a failed job comes
// back as an error that names it.
import { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { InputError, type Problem } from '../errors.ts';
import { ToolError } from '../tools/exec.ts';
import { checkQueueName, checkRedisReachable, checkRedisUrl, DEFAULT_QUEUE, queueConnection } from './connection.ts';
import { parseFailure, type QueuedJob } from './job-data.ts';
import { checkJobSpec, jobLabel, type JobSpec, type JobSummary } from './spec.ts';

export interface SubmitOptions {
  queue?: string;
  /** How long to wait for the whole batch (default one hour); then unstarted jobs are withdrawn. */
  timeoutMs?: number;
  onProgress?: (event: QueueProgress) => void;
  /** How often every unfinished job's state is read, in case an event was missed (default 2 s). */
  checkEveryMs?: number;
}

export type QueueProgress =
  | { type: 'queued'; total: number; queue: string; workers: number }
  | { type: 'started'; index: number; label: string }
  | { type: 'finished'; index: number; label: string; summary: JobSummary; done: number; failed: number; total: number }
  | { type: 'failed'; index: number; label: string; error: string; done: number; failed: number; total: number };

// QueueJobsError lives in jobs-error.ts (the CLI's error mapping loads it without bullmq).
import { QueueJobsError, type JobFailure } from './jobs-error.ts';
export { QueueJobsError, type JobFailure };

/** The batch did not finish in time (exit 3: the queue, not a result, failed). */
export class QueueTimeoutError extends ToolError {
  constructor(message: string) {
    super(message);
    this.name = 'QueueTimeoutError';
  }
}

const HOUR_MS = 3_600_000;

export async function runOnQueue(redisUrl: string, jobs: JobSpec[], opts: SubmitOptions = {}): Promise<JobSummary[]> {
  const url = checkRedisUrl(redisUrl);
  const queueName = checkQueueName(opts.queue ?? DEFAULT_QUEUE);
  const specs = checkAll(jobs);
  await checkRedisReachable(url);
  const timeoutMs = opts.timeoutMs ?? HOUR_MS;
  const progress = opts.onProgress ?? (() => {});
  const connectionErrors: string[] = [];
  const connections = [queueConnection(url, (m) => connectionErrors.push(m)), queueConnection(url, (m) => connectionErrors.push(m))];
  const queue = new Queue<QueuedJob, JobSummary>(queueName, { connection: connections[0] });
  queue.on('error', (err: Error) => connectionErrors.push(err.message));
  const batch = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const ids = specs.map((_, i) => `${batch}-${i + 1}`);
  const labels = specs.map(jobLabel);
  const tracker = new BatchTracker(ids, labels, progress);
  let events: QueueEvents | undefined;
  try {
    events = await followEvents(queue, connections, tracker, (m) => connectionErrors.push(m));
    const expiresAt = Date.now() + timeoutMs;
    // Said before the jobs go in: a worker can start one, and its event arrive, before addBulk returns.
    progress({ type: 'queued', total: specs.length, queue: queueName, workers: await queue.getWorkersCount() });
    await inChunks(specs.map((spec, i) => ({
      name: spec.kind,
      data: { batch, index: i, label: labels[i], spec, expiresAt },
      // Collected jobs are removed below; these limits only bound what an interrupted submitter leaves.
      opts: { jobId: ids[i], attempts: 1, removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 7 * 24 * 3600 } },
    })), (chunk) => queue.addBulk(chunk));
    const everyMs = opts.checkEveryMs ?? 2000;
    while (!tracker.complete) {
      const left = expiresAt - Date.now();
      if (left <= 0) throw await timeoutError(queue, tracker, timeoutMs, connectionErrors);
      await tracker.settledOrAfter(Math.min(everyMs, left));
      if (!tracker.complete) await lookAtUnfinished(queue, tracker);
    }
    await inChunks(ids, (chunk) => Promise.all(chunk.map((id) => queue.remove(id).catch(() => 0))));
  } finally {
    await events?.close().catch(() => {});
    await queue.close().catch(() => {});
    for (const c of connections) c.disconnect();
  }
  if (tracker.failures.length > 0) throw new QueueJobsError(tracker.failures, tracker.summaries);
  return tracker.summaries as JobSummary[];
}

/** The queue's events from now on, fed to the tracker. QueueEvents alone would start at whatever
 * is newest when its first read runs, a moment after it is ready, and could miss the first jobs'. */
async function followEvents(queue: Queue<QueuedJob, JobSummary>, [commands, blocking]: Redis[], tracker: BatchTracker, onError: (message: string) => void): Promise<QueueEvents> {
  await queue.waitUntilReady();
  const [newest] = await commands.xrevrange(queue.keys.events, '+', '-', 'COUNT', 1);
  const events = new QueueEvents(queue.name, { connection: blocking, lastEventId: newest?.[0] ?? '0-0' });
  events.on('error', (err: Error) => onError(err.message));
  events.on('active', ({ jobId }) => tracker.started(jobId));
  events.on('completed', ({ jobId, returnvalue }) => tracker.finished(jobId, typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue));
  events.on('failed', ({ jobId, failedReason }) => tracker.failed(jobId, failedReason));
  await events.waitUntilReady();
  return events;
}

/** Every job checked before any is enqueued, every problem of every job reported at once. */
function checkAll(jobs: JobSpec[]): JobSpec[] {
  if (!Array.isArray(jobs) || jobs.length === 0) throw new InputError([{ file: 'queue jobs', field: '', expected: 'at least one job', found: 'none' }]);
  const problems: Problem[] = [];
  const specs = jobs.map((job, i) => {
    try {
      return checkJobSpec(job, `job ${i + 1}`);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push(...err.problems);
      return job;
    }
  });
  if (problems.length > 0) throw new InputError(problems);
  return specs;
}

/** Each job's outcome, whichever of the events and the periodic look reports it first. */
export class BatchTracker {
  readonly summaries: (JobSummary | undefined)[];
  readonly failures: JobFailure[] = [];
  private readonly index = new Map<string, number>();
  private readonly settled = new Set<number>();
  private readonly seenActive = new Set<number>();
  private wake: (() => void) | undefined;
  private lookedAt = -1;

  constructor(readonly ids: string[], readonly labels: string[], private readonly progress: (event: QueueProgress) => void) {
    this.summaries = ids.map(() => undefined);
    ids.forEach((id, i) => this.index.set(id, i));
  }

  get complete(): boolean {
    return this.settled.size === this.ids.length;
  }

  unfinished(): number[] {
    return this.ids.map((_, i) => i).filter((i) => !this.settled.has(i));
  }

  /** The next `count` unfinished jobs after the last ones returned, round the batch. */
  nextToLookAt(count: number): number[] {
    const left = this.unfinished();
    const from = left.findIndex((i) => i > this.lookedAt);
    const picked = [...left.slice(from < 0 ? 0 : from), ...left.slice(0, from < 0 ? 0 : from)].slice(0, count);
    this.lookedAt = picked.length > 0 ? picked[picked.length - 1] : -1;
    return picked;
  }

  started(jobId: string): void {
    const i = this.index.get(jobId);
    if (i === undefined || this.settled.has(i) || this.seenActive.has(i)) return;
    this.seenActive.add(i);
    this.progress({ type: 'started', index: i, label: this.labels[i] });
  }

  finished(jobId: string, summary: JobSummary): void {
    const i = this.settle(jobId);
    if (i === undefined) return;
    this.summaries[i] = summary;
    this.progress({ type: 'finished', index: i, label: this.labels[i], summary, ...this.counts() });
  }

  failed(jobId: string, reason: string | undefined): void {
    const i = this.settle(jobId);
    if (i === undefined) return;
    const { kind, message } = parseFailure(reason);
    this.failures.push({ index: i, label: this.labels[i], kind, message });
    this.failures.sort((a, b) => a.index - b.index);
    this.progress({ type: 'failed', index: i, label: this.labels[i], error: message, ...this.counts() });
  }

  /** Resolves when every job has settled, or after `ms`. */
  settledOrAfter(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private settle(jobId: string): number | undefined {
    const i = this.index.get(jobId);
    if (i === undefined || this.settled.has(i)) return undefined;
    this.settled.add(i);
    if (this.complete) this.wake?.();
    return i;
  }

  private counts() {
    return { done: this.settled.size - this.failures.length, failed: this.failures.length, total: this.ids.length };
  }
}

/** Jobs looked at per backstop look: events report the rest; a missed one is found within a few looks. */
const LOOK_AT_MOST = 200;

async function lookAtUnfinished(queue: Queue<QueuedJob, JobSummary>, tracker: BatchTracker): Promise<void> {
  await Promise.all(tracker.nextToLookAt(LOOK_AT_MOST).map(async (i) => {
    const id = tracker.ids[i];
    const job = await Job.fromId<QueuedJob, JobSummary>(queue, id);
    if (!job) {
      tracker.failed(id, '[tool] the job vanished from the queue (removed by someone else, or Redis lost it)');
      return;
    }
    const state = await job.getState();
    if (state === 'completed') tracker.finished(id, job.returnvalue);
    else if (state === 'failed') tracker.failed(id, job.failedReason);
    else if (state === 'active') tracker.started(id);
  }));
}

/** Sends items to Redis a thousand at a time, so that a large batch is no single huge command. */
async function inChunks<T>(items: T[], send: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let at = 0; at < items.length; at += 1000) await send(items.slice(at, at + 1000));
}

/** Withdraws the jobs no worker has started, and says where each unfinished job stood. */
async function timeoutError(queue: Queue<QueuedJob, JobSummary>, tracker: BatchTracker, timeoutMs: number, connectionErrors: string[]): Promise<QueueTimeoutError> {
  const workers = await queue.getWorkersCount().catch(() => undefined);
  const lines: string[] = [];
  for (const i of tracker.unfinished()) {
    const job = await Job.fromId<QueuedJob, JobSummary>(queue, tracker.ids[i]).catch(() => undefined);
    const state = job ? await job.getState().catch(() => 'unknown') : 'gone';
    let where: string = state;
    if (state === 'active') where = `still running on ${job?.processedBy ?? 'a worker'}`;
    else if (state === 'waiting' || state === 'prioritized' || state === 'delayed') {
      await job?.remove().catch(() => {});
      where = 'never started (withdrawn from the queue)';
    }
    lines.push(`job ${i + 1} (${tracker.labels[i]}): ${where}`);
  }
  const who = workers === 0 ? `no worker is serving queue '${queue.name}' (start one with: synergyflow worker --redis URL)` : `${workers ?? 'an unknown number of'} worker(s) on queue '${queue.name}'`;
  const trouble = connectionErrors.length > 0 ? `; Redis errors meanwhile: ${[...new Set(connectionErrors)].slice(-3).join('; ')}` : '';
  return new QueueTimeoutError(`the queue did not finish ${lines.length} of ${tracker.ids.length} job(s) within ${(timeoutMs / 1000).toFixed(0)} s; ${who}${trouble}:\n${lines.join('\n')}`);
}
