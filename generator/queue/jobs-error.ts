// The error of a batch in which some jobs failed, in a module that loads neither bullmq nor
// ioredis (the CLI's error mapping, cli/failure.ts, tells it apart at start-up); submit.ts
// re-exports it.
import type { FailureKind } from './job-data.ts';
import type { JobSummary } from './spec.ts';

export interface JobFailure {
  index: number;
  label: string;
  kind: FailureKind;
  message: string;
}

/** Some jobs failed: each named with its error; the others' summaries are kept (in job order). */
export class QueueJobsError extends Error {
  constructor(readonly failures: JobFailure[], readonly summaries: (JobSummary | undefined)[]) {
    super(`${failures.length} of ${summaries.length} queue job(s) failed:\n${failures.map((f) => `job ${f.index + 1} (${f.label}): ${f.message}`).join('\n')}`);
    this.name = 'QueueJobsError';
  }
}
