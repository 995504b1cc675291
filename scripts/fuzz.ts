// Fuzzes the whole flow: random models (written as user files) run on a preset and simulator,
// every output checked bit for bit against the golden model.
//   npx tsx scripts/fuzz.ts [--count N] [--first SEED] [--preset tiny] [--sim verilator] [--jobs J] [--stall P] [--side MAX] [--policy elastic]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeRandomWorkload } from '../generator/model/random-model.ts';
import { runWorkload } from '../generator/runner/run.ts';
import type { Simulator } from '../generator/tools/sim.ts';
import type { Policy } from '../generator/arch/regmap.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '20' },
    first: { type: 'string', default: '1' },
    preset: { type: 'string', default: 'tiny' },
    sim: { type: 'string', default: 'verilator' },
    jobs: { type: 'string', default: '1' },
    stall: { type: 'string', default: '10' },
    side: { type: 'string', default: '14' },
    policy: { type: 'string', default: 'elastic' },
  },
});

let failures = 0;
const first = Number(values.first);
for (let seed = first; seed < first + Number(values.count); seed++) {
  const dir = mkdtempSync(join(tmpdir(), 'sf-fuzz-'));
  try {
    const workload = writeRandomWorkload(dir, seed, Number(values.jobs), { maxSide: Number(values.side) });
    const r = await runWorkload({ preset: values.preset, workload, sim: values.sim as Simulator, out: join(dir, 'out'), seed, stallPercent: Number(values.stall), policy: values.policy as Policy });
    const models = r.jobs.map((j) => `${j.model}x${j.batch}`).join(' ');
    console.log(`seed ${seed}: ${r.status} ${r.cycles} cycles ${models}${r.status === 'ok' ? '' : ` -- ${r.message}`}`);
    if (r.status !== 'ok') failures++;
  } catch (err) {
    failures++;
    console.log(`seed ${seed}: ERROR ${(err as Error).message}`);
  } finally {
    if (failures === 0) rmSync(dir, { recursive: true, force: true });
  }
}
console.log(`${failures === 0 ? 'all passed' : `${failures} failed`}`);
process.exitCode = failures === 0 ? 0 : 1;
