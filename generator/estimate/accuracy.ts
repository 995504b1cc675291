// How well the fast cycle model predicts a run: its error on the total and on each task's
// duration against the hardware trace of the same program.

export interface TaskSpan {
  start: number;
  end: number;
}

export interface TaskErrors {
  tasks: number;
  /** Relative errors of the tasks' durations, (model - RTL) / RTL: median, 90th percentile and
   * largest of their absolute values. */
  median: number;
  p90: number;
  max: number;
  /** Share of the tasks within 10%, and share of the RTL's task-cycles spent in such tasks. */
  within10: number;
  within10Cycles: number;
}

/** Per-task duration errors of `model` (indexed by task) against the trace of the same program. */
export function taskErrors(model: readonly TaskSpan[], trace: readonly (TaskSpan & { task: number })[]): TaskErrors {
  const rows = trace.map((t) => {
    const m = model[t.task];
    if (!m) throw new Error(`internal: the trace names task ${t.task}, the model has ${model.length}`);
    const rtl = t.end - t.start;
    return { rtl, error: Math.abs((m.end - m.start - rtl) / Math.max(1, rtl)) };
  });
  const sorted = rows.map((r) => r.error).sort((a, b) => a - b);
  const at = (q: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  const cycles = rows.reduce((s, r) => s + r.rtl, 0);
  const close = rows.filter((r) => r.error <= 0.1);
  return {
    tasks: rows.length,
    median: at(0.5),
    p90: at(0.9),
    max: sorted.length === 0 ? 0 : sorted[sorted.length - 1],
    within10: rows.length === 0 ? 1 : close.length / rows.length,
    within10Cycles: cycles === 0 ? 1 : close.reduce((s, r) => s + r.rtl, 0) / cycles,
  };
}
