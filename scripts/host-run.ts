// Runs an exported program (synergyflow compile --out DIR) with the C driver on the Verilated
// accelerator: builds the harness's model for the config (cached under the simulator cache),
// links the driver and the program's sf_program.h, runs it with the config's memory timing and
// prints the harness's SFH_ lines, then the build and link times. Exits with the harness's code
// (0: every output byte matched the expected outputs; see tb/host/harness.cpp).
//
//   npx tsx scripts/host-run.ts (--preset NAME | --config FILE) DIR [harness options...]
//   e.g. ... DIR --mode poll | --corrupt-opcode 0 | --timeout 3000 | +faults=FILE
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../generator/config/resolve.ts';
import { generateFiles } from '../generator/emit/generate.ts';
import type { ProgramJson } from '../generator/compiler/export.ts';
import { buildHostModel, linkHostHarness, runHostHarness } from '../generator/tools/host-harness.ts';
import { simCacheDir } from '../generator/tools/sim.ts';

const args = process.argv.slice(2);
const take = (flag: string) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const preset = take('--preset');
const config = take('--config');
const [dir, ...harnessArgs] = args;
if (!dir || (preset === undefined) === (config === undefined)) {
  process.stderr.write('usage: npx tsx scripts/host-run.ts (--preset NAME | --config FILE) DIR [harness options...]\n');
  process.exit(2);
}
const cfg = loadConfig({ preset, config });
const program = JSON.parse(readFileSync(join(dir, 'program.json'), 'utf8')) as ProgramJson;
if (program.config.hash !== cfg.hash) {
  process.stderr.write(`${dir} was compiled for config ${program.config.source} (hash ${program.config.hash}), not ${cfg.source} (${cfg.hash})\n`);
  process.exit(2);
}
const { design, files } = generateFiles(cfg);
const t0 = performance.now();
const model = await buildHostModel({
  files,
  params: { BUS_BITS: cfg.busBits, IDW: design.params.idBits, CHANNELS: cfg.memory.channels, ADDR_BITS: cfg.memory.addressBits },
  cacheDir: simCacheDir(),
  design: cfg.source,
  log: (m) => process.stderr.write(`${m}\n`),
});
const t1 = performance.now();
const work = mkdtempSync(join(tmpdir(), 'synergyflow-host-'));
try {
  let exe: string;
  try {
    exe = await linkHostHarness(model, dir, work);
  } finally {
    // The harness holds copies of the model's objects: the cache entry is free to go.
    model.release();
  }
  const t2 = performance.now();
  const timing = ['--latency', String(cfg.testbench.latency), '--bytes-per-cycle', String(cfg.testbench.bytesPerCycle ?? cfg.busBytes)];
  const run = await runHostHarness(exe, ['--image', join(dir, 'image.bin'), '--expected', join(dir, 'expected'), ...timing, ...harnessArgs]);
  const t3 = performance.now();
  process.stdout.write(run.lines.join('\n') + '\n');
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  process.stdout.write(`model: ${model.cached ? 'cached' : `built in ${s(t1 - t0)}`}; link ${s(t2 - t1)}; run ${s(t3 - t2)}\n`);
  process.exitCode = run.exitCode ?? 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
