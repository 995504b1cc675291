// Progress of long loops on stderr: a bar redrawn in place on a terminal, and a line every tenth
// of the way otherwise (logs and CI stay readable: the same rule as ./progress.ts), with an ETA.
import { estimateRemaining, formatDuration } from '../progress.ts';
import { isLiveTerminal } from './progress.ts';

export function progressBar(write: (text: string) => void, what: string, tty = isLiveTerminal()): (done: number, total: number) => void {
  const started = Date.now();
  let lastTenth = -1;
  return (done, total) => {
    const fraction = total === 0 ? 1 : done / total;
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? ` ${Math.round(done / seconds).toLocaleString('en-US')}/s` : '';
    const { etaSeconds } = estimateRemaining({ done, total, elapsedSeconds: seconds });
    const eta = etaSeconds !== undefined ? `, about ${formatDuration(etaSeconds)} left` : '';
    const text = `${what} ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} (${Math.floor(fraction * 100)}%)${rate}${eta}`;
    if (tty) {
      const width = 30;
      const filled = Math.round(fraction * width);
      write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K${done === total ? '\n' : ''}`);
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth > lastTenth) {
      lastTenth = tenth;
      write(`[synergyflow] ${text}\n`);
    }
  };
}
