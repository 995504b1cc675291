// Fuzzes the hardware's fault handling: random workloads on a preset, with fields of their
// compiled descriptors rewritten at random (generator/runner/descriptor-fuzz.ts), under every
// policy. Every run must end within its budget with a result or an error code; prints a tally.
//   npx tsx scripts/fuzz-descriptors.ts [--count N] [--first SEED] [--preset tiny] [--sim verilator] [--mutations M] [--stall P]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { POLICIES } from '../generator/arch/regmap.ts';
import { writeRandomWorkload } from '../generator/model/random-model.ts';
import { describeMutations, fuzzDescriptorsOnce } from '../generator/runner/descriptor-fuzz.ts';
import type { Simulator } from '../generator/tools/sim.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '30' },
    first: { type: 'string', default: '1' },
    preset: { type: 'string', default: 'tiny' },
    sim: { type: 'string', default: 'verilator' },
    mutations: { type: 'string', default: '2' },
    stall: { type: 'string', default: '10' },
  },
});

const tally = new Map<string, number>();
let failures = 0;
const first = Number(values.first);
const dir = mkdtempSync(join(tmpdir(), 'sf-fuzz-desc-'));
try {
  for (let seed = first; seed < first + Number(values.count); seed++) {
    const policy = POLICIES[seed % POLICIES.length];
    const workload = writeRandomWorkload(join(dir, String(seed)), seed, 1 + (seed % 2), { maxSide: 10 });
    const f = await fuzzDescriptorsOnce({
      preset: values.preset, workload, sim: values.sim as Simulator, out: join(dir, String(seed), 'out'), policy, seed,
      mutations: Number(values.mutations), stallPercent: Number(values.stall),
    });
    tally.set(f.outcome, (tally.get(f.outcome) ?? 0) + 1);
    if (f.failure) failures++;
    console.log(`seed ${seed} ${policy}: ${f.outcome}, ${f.results.cycles} cycles [${describeMutations(f.mutations)}]${f.failure ? ` FAIL: ${f.failure}` : ''}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log([...tally].map(([k, v]) => `${k}: ${v}`).join(', '));
console.log(failures === 0 ? 'no hangs, protocol violations or crashes' : `${failures} failed`);
process.exitCode = failures === 0 ? 0 : 1;
