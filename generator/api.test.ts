// The programmatic API's option checks (./option-checks.ts): a bad option is an InputError naming
// file 'options', the option, what was expected and what was found, thrown before any work (no
// simulator run, no folder written), with the command line's ranges and choices.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { POLICIES } from './arch/policies.ts';
import { LATENCY_RANGE, SEED_RANGE, SIMULATORS } from './config/ranges.ts';
import { InputError, type Problem } from './errors.ts';
import { compile, estimate, generate, run, synth } from './index.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-api-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The problems a call throws (it must throw an InputError, quickly). */
async function problems(call: () => Promise<unknown>): Promise<Problem[]> {
  const started = Date.now();
  const err = await call().then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(InputError);
  expect(Date.now() - started).toBeLessThan(5_000);
  return (err as InputError).problems;
}

describe('API options', () => {
  it('run refuses a simulator it does not know, before building or simulating anything', async () => {
    const out = join(scratch, 'ghdl');
    // @ts-expect-error: not a simulator
    const found = await problems(() => run({ preset: 'tiny', workload: 'builtin:lenet5', sim: 'ghdl', out }));
    expect(found).toEqual([{ file: 'options', field: 'sim', expected: `one of ${SIMULATORS.join(', ')}`, found: '"ghdl"' }]);
    expect(existsSync(out)).toBe(false);
  });

  it('compile refuses a policy it does not know', async () => {
    // @ts-expect-error: not a policy
    const found = await problems(() => compile({ preset: 'tiny', workload: 'builtin:lenet5', policy: 'bogus' }));
    expect(found).toEqual([{ file: 'options', field: 'policy', expected: `one of ${POLICIES.join(', ')}`, found: '"bogus"' }]);
  });

  it('estimate refuses a latency outside --latency\'s range', async () => {
    const found = await problems(() => estimate({ preset: 'tiny', workload: 'builtin:lenet5', latency: -3 }));
    expect(found).toEqual([{ file: 'options', field: 'latency', expected: `an integer from ${LATENCY_RANGE.min} to ${LATENCY_RANGE.max}`, found: '-3' }]);
    await expect(estimate({ preset: 'tiny', workload: 'builtin:lenet5', latency: 1.5 })).rejects.toThrow(/options: latency: expected an integer/);
  });

  it('run refuses a negative seed and a zero budget together, before simulating', async () => {
    const out = join(scratch, 'seed');
    const found = await problems(() => run({ preset: 'tiny', workload: 'builtin:lenet5', seed: -1, budget: 0, out }));
    expect(found).toEqual([
      { file: 'options', field: 'seed', expected: `an integer from ${SEED_RANGE.min} to ${SEED_RANGE.max}`, found: '-1' },
      { file: 'options', field: 'budget', expected: `an integer from 1 to ${Number.MAX_SAFE_INTEGER}`, found: '0' },
    ]);
    expect(existsSync(out)).toBe(false);
  });

  it('checks the other functions\' options and the required ones', async () => {
    // @ts-expect-error: policies is an array
    expect(await problems(() => estimate({ preset: 'tiny', workload: 'builtin:lenet5', policies: 'elastic' }))).toMatchObject([{ field: 'policies' }]);
    // @ts-expect-error: force is a boolean
    expect(await problems(() => generate({ preset: 'tiny', force: 'yes' }))).toMatchObject([{ field: 'force', found: '"yes"' }]);
    // @ts-expect-error: not a target; out is missing
    expect(await problems(() => synth({ preset: 'tiny', target: 'asic' }))).toMatchObject([{ field: 'out', expected: 'a value (required)' }, { field: 'target' }]);
    const faults = { ranges: [{ access: 'read' as const, lo: 10, hi: 5, response: 'slverr' as const }], readPerMille: 2000, writePerMille: 0 };
    expect(await problems(() => run({ preset: 'tiny', workload: 'builtin:lenet5', out: join(scratch, 'f'), faults }))).toMatchObject([
      { field: 'faults.readPerMille' }, { field: 'faults.ranges[0].hi' },
    ]);
  });
});
