#!/usr/bin/env node
// Start-up times of the synergyflow command: the median wall time of several runs of each command
// line, with the machine's load average before and after (other work on the machine slows every
// run). Reproduces the figures of README: Installation and the compiled build.
//   node scripts/startup-times.js [--runs N] [--bin PATH]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, bin: { type: 'string', default: fileURLToPath(new URL('../bin/synergyflow.js', import.meta.url)) } } });
const runs = Number(values.runs);
const out = mkdtempSync(join(tmpdir(), 'synergyflow-startup-'));
const commands = [['--version'], ['list', 'presets'], ['generate', '--preset', 'paper', '--out', join(out, 'paper')]];
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

console.log(`${values.bin}: median of ${runs} runs (load average ${load()})`);
for (const args of commands) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [values.bin, ...args], { stdio: 'ignore' });
    times.push(Number(process.hrtime.bigint() - started) / 1e9);
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited with ${r.status}`);
  }
  times.sort((a, b) => a - b);
  console.log(`  ${args.slice(0, 3).join(' ').padEnd(26)} ${times[Math.floor(runs / 2)].toFixed(3)} s  (min ${times[0].toFixed(3)}, max ${times[runs - 1].toFixed(3)})`);
}
console.log(`load average after: ${load()}`);
rmSync(out, { recursive: true, force: true });
