// The CLI's progress display (generator/progress.ts's Progress), always on stderr: on a terminal,
// one live line (spinner, bar, elapsed time, ETA) drawn by cli-progress, which redraws from
// update() itself, so the line moves while Yosys in WebAssembly holds the event loop; in logs,
// pipes and CI ($CI set, or stderr not a terminal), plain lines, at most one per task every
// `intervalMs`, without escape sequences.
import cliProgress from 'cli-progress';
import { progressText, estimateRemaining, type Progress, type ProgressTask, type ProgressTaskOptions } from '../progress.ts';

export interface ProgressDisplayOptions {
  /** Where plain lines go (stderr). */
  write: (text: string) => void;
  /** Draw a live line on process.stderr (see isLiveTerminal). */
  live: boolean;
  /** Plain mode: the least time between two lines of one task (default 30 s). */
  intervalMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

/** Whether stderr is a terminal to draw on: a TTY, not CI, not a dumb terminal. */
export function isLiveTerminal(stream: { isTTY?: boolean } = process.stderr, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.CI && env.TERM !== 'dumb';
}

interface TaskState {
  title: string;
  opts: ProgressTaskOptions;
  started: number;
  done?: number;
  detail?: string;
}

function textOf(s: TaskState, now: number): string {
  return progressText(s.title, { detail: s.detail, done: s.done, total: s.opts.total, elapsedSeconds: (now - s.started) / 1000, expectedSeconds: s.opts.expectedSeconds });
}

export function createProgress(opts: ProgressDisplayOptions): Progress {
  return opts.live ? liveProgress(opts) : plainProgress(opts);
}

function plainProgress(opts: ProgressDisplayOptions): Progress {
  const now = opts.now ?? Date.now;
  const interval = opts.intervalMs ?? 30_000;
  return {
    log: (message) => opts.write(`[synergyflow] ${message}\n`),
    task(title, taskOpts = {}) {
      const state: TaskState = { title, opts: taskOpts, started: now() };
      let last = state.started;
      let ended = false;
      return {
        update(done, detail) {
          if (ended) return;
          state.done = done;
          state.detail = detail;
          const t = now();
          if (t - last < interval) return;
          last = t;
          opts.write(`[synergyflow] ${textOf(state, t)}\n`);
        },
        end: () => {
          ended = true;
        },
      };
    },
  };
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function liveProgress(opts: ProgressDisplayOptions): Progress {
  let active: { bar: cliProgress.SingleBar; state: TaskState } | undefined;
  const stream = process.stderr;
  const draw = (state: TaskState): string => {
    const t = Date.now();
    const { fraction } = estimateRemaining({ done: state.done, total: state.opts.total, elapsedSeconds: (t - state.started) / 1000, expectedSeconds: state.opts.expectedSeconds });
    const width = 20;
    const bar = fraction === undefined ? '' : `[${'='.repeat(Math.round(fraction * width)).padEnd(width, '-')}] `;
    const line = `${SPINNER[Math.floor(t / 100) % SPINNER.length]} ${bar}${textOf(state, t)}`;
    const columns = stream.columns || 80;
    return line.length >= columns ? `${line.slice(0, columns - 2)}…` : line;
  };
  return {
    log(message) {
      if (active) stream.write('\r\x1b[2K');
      stream.write(`[synergyflow] ${message}\n`);
      active?.bar.render();
    },
    task(title, taskOpts = {}): ProgressTask {
      active?.bar.stop();
      const state: TaskState = { title, opts: taskOpts, started: Date.now() };
      const bar = new cliProgress.SingleBar({ stream, format: () => draw(state), fps: 10, forceRedraw: true, clearOnComplete: true, hideCursor: false, linewrap: false });
      const me = { bar, state };
      active = me;
      bar.start(1, 0);
      return {
        update(done, detail) {
          if (active !== me) return;
          state.done = done;
          state.detail = detail;
          // The value only triggers cli-progress's synchronous redraw; the text is draw()'s.
          bar.update(done ?? 0);
        },
        end() {
          if (active !== me) return;
          bar.stop();
          active = undefined;
        },
      };
    },
  };
}
