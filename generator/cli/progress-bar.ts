// Progress of long loops on stderr: a bar redrawn in place on a terminal, and a line every tenth
// of the way otherwise (logs and CI stay readable).
export function progressBar(write: (text: string) => void, what: string, tty = Boolean(process.stderr.isTTY)): (done: number, total: number) => void {
  const started = Date.now();
  let lastTenth = -1;
  return (done, total) => {
    const fraction = total === 0 ? 1 : done / total;
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? ` ${Math.round(done / seconds).toLocaleString('en-US')}/s` : '';
    const text = `${what} ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} (${Math.floor(fraction * 100)}%)${rate}`;
    if (tty) {
      const width = 30;
      const filled = Math.round(fraction * width);
      write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}${done === total ? '\n' : ''}`);
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth > lastTenth) {
      lastTenth = tenth;
      write(`[synergyflow] ${text}\n`);
    }
  };
}
