// Progress of long steps (simulator builds, simulations, synthesis), as the flows report it: a
// task with a total (cycles, steps) or an expected duration, updated as it goes. The flows know
// only this interface; the CLI draws it (generator/cli/progress.ts: a live line on a terminal,
// occasional plain lines in logs and CI). The ETA arithmetic is here, free of clocks and output.

export interface ProgressTaskOptions {
  /** The work's size in its unit (cycles, passes), when known: progress is done / total. */
  total?: number;
  /** How long the work is expected to take (a previous build's duration): progress is time. */
  expectedSeconds?: number;
}

export interface ProgressTask {
  /** How far (in the total's unit; omitted for a task timed by expectedSeconds) and a few words on where. */
  update(done: number | undefined, detail?: string): void;
  /** The task is over (its line is cleared: the caller logs the outcome). */
  end(): void;
}

export interface Progress {
  /** A message line, as the flows' `log` prints (kept clear of a live progress line). */
  log(message: string): void;
  task(title: string, opts?: ProgressTaskOptions): ProgressTask;
}

/** Seconds left and the fraction done, from what a task knows; the ETA is undefined when unknown. */
export function estimateRemaining(state: { done?: number; total?: number; elapsedSeconds: number; expectedSeconds?: number }): { fraction?: number; etaSeconds?: number; overdue: boolean } {
  const { done, total, elapsedSeconds: elapsed, expectedSeconds: expected } = state;
  if (total !== undefined && total > 0 && done !== undefined) {
    const fraction = Math.min(1, Math.max(0, done / total));
    // The rate so far: nothing to go on before the first unit, nor once past the total.
    if (done <= 0 || elapsed <= 0) return { fraction, etaSeconds: undefined, overdue: false };
    if (done >= total) return { fraction: 1, etaSeconds: undefined, overdue: done > total };
    return { fraction, etaSeconds: (elapsed * (total - done)) / done, overdue: false };
  }
  if (expected !== undefined && expected > 0) {
    if (elapsed >= expected) return { fraction: 0.99, etaSeconds: undefined, overdue: true };
    return { fraction: elapsed / expected, etaSeconds: expected - elapsed, overdue: false };
  }
  return { fraction: undefined, etaSeconds: undefined, overdue: false };
}

/** "8 s", "2 min 05 s", "1 h 04 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** The status text of a task: "title: detail; 42%, 12 s elapsed, about 20 s left". */
export function progressText(title: string, state: { detail?: string; done?: number; total?: number; elapsedSeconds: number; expectedSeconds?: number }): string {
  const { fraction, etaSeconds, overdue } = estimateRemaining(state);
  const parts: string[] = [];
  if (fraction !== undefined && !overdue) parts.push(`${Math.floor(fraction * 100)}%`);
  parts.push(`${formatDuration(state.elapsedSeconds)} elapsed`);
  if (etaSeconds !== undefined) parts.push(`about ${formatDuration(etaSeconds)} left`);
  else if (overdue) parts.push(state.total !== undefined ? 'past the prediction' : `longer than the last time (${formatDuration(state.expectedSeconds ?? 0)})`);
  return `${title}: ${state.detail ? `${state.detail}; ` : ''}${parts.join(', ')}`;
}

/** A Progress that only logs (or says nothing): for library callers that pass a `log` function. */
export function logOnlyProgress(log: (message: string) => void = () => {}): Progress {
  return { log, task: () => ({ update: () => {}, end: () => {} }) };
}
