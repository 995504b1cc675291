// What a queued job carries between the submitter and the workers, and how a failure's kind
// travels back: BullMQ keeps only a failed job's message, so the kind leads it in brackets.
import { InputError } from '../errors.ts';
import { ToolError } from '../tools/exec.ts';
import type { JobSpec } from './spec.ts';

export interface QueuedJob {
  /** The submission it belongs to, and its place in it. */
  batch: string;
  index: number;
  label: string;
  spec: JobSpec;
  /** When the submitter stops waiting (ms since the epoch): a worker skips the job after that. */
  expiresAt: number;
}

/** input: the job is wrong (exit 2); tool: a tool or the queue failed (exit 3); internal: a bug
 * in synergyflow (exit 4); expired: the submitter had given up before a worker took it. */
export type FailureKind = 'input' | 'tool' | 'internal' | 'expired';

/** A job's command failed: its exit code gave the kind, its stderr the message. */
export class JobCommandError extends Error {
  constructor(readonly kind: FailureKind, message: string) {
    super(message);
    this.name = 'JobCommandError';
  }
}

export function failureText(err: unknown): string {
  if (err instanceof JobCommandError) return `[${err.kind}] ${err.message}`;
  const kind: FailureKind = err instanceof InputError ? 'input' : err instanceof ToolError ? 'tool' : 'internal';
  const message = err instanceof Error ? err.message : String(err);
  return `[${kind}] ${kind === 'internal' ? `internal error: ${message} (a bug in synergyflow; please report it)` : message}`;
}

export function expiredText(expiresAt: number): string {
  return `[expired] the submitter stopped waiting at ${new Date(expiresAt).toISOString()}, before a worker took the job`;
}

/** A failed job's kind and message; a reason BullMQ wrote itself (a job stalled too often) is the queue's failure. */
export function parseFailure(reason: string | undefined): { kind: FailureKind; message: string } {
  const m = /^\[(input|tool|internal|expired)\] ([\s\S]*)$/.exec(reason ?? '');
  return m ? { kind: m[1] as FailureKind, message: m[2] } : { kind: 'tool', message: `the queue failed the job: ${reason || 'no reason given'}` };
}
