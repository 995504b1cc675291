// Simulation tier: the descriptor fuzzer on `tiny` (scripts/fuzz-descriptors.ts runs many more
// cases). Every mutated task list must end in a result or an error code, under every policy.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { POLICIES } from '../arch/regmap.ts';
import { writeRandomWorkload } from '../model/random-model.ts';
import { describeMutations, fuzzDescriptorsOnce } from './descriptor-fuzz.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-desc-fuzz-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function fuzzCase(seed: number, mutations: number) {
  const dir = join(scratch, String(seed));
  return fuzzDescriptorsOnce({
    preset: 'tiny',
    workload: writeRandomWorkload(dir, seed, 1 + (seed % 2), { maxSide: 10 }),
    out: join(dir, 'out'),
    sim: 'verilator',
    policy: POLICIES[seed % POLICIES.length],
    seed,
    mutations,
    stallPercent: 15,
  });
}

describe('descriptor fuzzer', () => {
  it('bounds the work of unmutated task lists above what they really take', async () => {
    for (const seed of [1, 2, 3]) {
      const f = await fuzzCase(seed, 0);
      expect(f.results.status, f.results.message).toBe('ok');
      expect(f.workBound).toBeGreaterThan(f.results.cycles);
    }
  });

  it('ends every mutated task list with a result or an error code, under every policy', async () => {
    const outcomes = new Map<string, number>();
    for (let seed = 100; seed < 136; seed++) {
      const f = await fuzzCase(seed, 2);
      expect(f.failure, `seed ${seed} ${POLICIES[seed % POLICIES.length]}: ${describeMutations(f.mutations)}`).toBeUndefined();
      outcomes.set(f.outcome, (outcomes.get(f.outcome) ?? 0) + 1);
    }
    // The mutations reach the hardware's checks, not only harmless fields.
    expect(outcomes.get('error code 2')).toBeGreaterThan(0);
    expect([...outcomes.keys()].filter((k) => k.startsWith('error code')).length).toBeGreaterThan(1);
  });
});
