// Simulation tier, hardware faults: every bad descriptor, bus error (injected by the testbench
// memory) and deadlock must end the run with the error code the register map documents, in a
// few thousand cycles, never a hang; and the host must decode what the hardware wrote
// defensively. Each case alters a compiled program of a small random workload on `tiny`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DESC_BYTES, DESC_WORDS, descriptorFields } from '../arch/descriptor.ts';
import { FAULT_CODES } from '../arch/faults.ts';
import { compileWorkload, type Program } from '../compiler/compile.ts';
import { loadConfig } from '../config/resolve.ts';
import { writeRandomWorkload } from '../model/random-model.ts';
import { loadWorkload } from '../model/workload.ts';
import { memoryWords, runWorkload, type RunOptions } from './run.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-faults-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const code = (name: string) => FAULT_CODES.find((f) => f.name === name)!.code;
const word = (name: string) => descriptorFields.find((f) => f.name === name)!;

/** A descriptor field of task `task` (index in the task list; the END entry follows the last). */
function getField(program: Program, task: number, name: string): number {
  const f = word(name);
  return Math.floor(program.image.readU32(program.taskBase + task * DESC_BYTES + 4 * f.word) / 2 ** f.lsb) % 2 ** f.width;
}

function setField(program: Program, task: number, name: string, value: number): void {
  const f = word(name);
  const at = program.taskBase + task * DESC_BYTES + 4 * f.word;
  const old = program.image.readU32(at);
  const mask = (2 ** f.width - 1) * 2 ** f.lsb;
  program.image.writeU32(at, ((old & ~mask) | ((value * 2 ** f.lsb) & mask)) >>> 0);
}

function runTiny(name: string, seed: number, jobs: number, extra: Partial<RunOptions> = {}) {
  const dir = join(scratch, name);
  return runWorkload({ preset: 'tiny', workload: writeRandomWorkload(dir, seed, jobs), sim: 'verilator', out: join(dir, 'out'), ...extra });
}

/** The compiled program of the workload runTiny(name, seed, jobs) runs, for its addresses. */
function programOf(name: string, seed: number, jobs: number): Program {
  const workload = writeRandomWorkload(join(scratch, `${name}-layout`), seed, jobs);
  return compileWorkload(loadWorkload(workload), loadConfig({ preset: 'tiny' }), { policy: 'elastic' });
}

/** The run must stop with this fault soon after its start, with results.json saying so. */
function expectFault(r: Awaited<ReturnType<typeof runWorkload>>, fault: string, maxCycles = 20_000) {
  expect(r.status, r.message).toBe('hardware-error');
  expect(r.message).toContain(`(code ${code(fault)})`);
  expect(r.cycles).toBeLessThan(maxCycles);
}

describe('hardware faults end the run with an error code', () => {
  it.each(['monolithic', 'static', 'elastic'] as const)('a layer task without m-blocks is a bad descriptor under the %s policy', async (policy) => {
    // Under elastic it used to be ready but never dispatched: the run spun to its cycle budget.
    const r = await runTiny(`mcount0-${policy}`, 81, 1, { policy, alterProgram: (p) => setField(p, 1, 'm_count', 0) });
    expectFault(r, 'BAD_DESCRIPTOR');
  });

  it('an END descriptor overwritten with an all-zero layer task is a bad descriptor', async () => {
    const r = await runTiny('zeroed-end', 82, 1, {
      alterProgram: (p) => {
        for (let k = 0; k < DESC_WORDS; k++) p.image.writeU32(p.taskBase + p.tasks.length * DESC_BYTES + 4 * k, 0);
        setField(p, p.tasks.length, 'opcode', 1);
      },
    });
    expectFault(r, 'BAD_DESCRIPTOR');
  });

  it('a bad opcode stops the run', async () => {
    const r = await runTiny('opcode', 83, 1, { alterProgram: (p) => setField(p, 0, 'opcode', 7) });
    expectFault(r, 'BAD_OPCODE');
  });

  it('a counter number beyond the controller\'s counters is a bad descriptor', async () => {
    // tiny has 256 counters: use a small config with 16.
    const r = await runWorkload({
      config: writeConfig('counters16', { name: 'counters16', engines: 2, pe: { tn: 4, tm: 4 }, buffers: { inputWords: 1024, weightWords: 64, accWords: 256 }, controller: { counters: 16 } }),
      workload: writeRandomWorkload(join(scratch, 'counters16'), 84, 1),
      sim: 'verilator',
      out: join(scratch, 'counters16/out'),
      alterProgram: (p) => setField(p, 0, 'signal_id', 200),
    });
    expectFault(r, 'BAD_DESCRIPTOR');
  });

  it('a read DECERR stops the task at once, even one with 65535 m-blocks', async () => {
    // The weights of so many m-blocks run past the end of memory. The engine used to latch the
    // error and keep going until the task ended: never, in practice.
    const r = await runTiny('decerr', 85, 1, { alterProgram: (p) => setField(p, 0, 'm_count', 65535) });
    expectFault(r, 'BUS_ERROR');
  });

  it.each([
    ['read', 'slverr'],
    ['read', 'decerr'],
    ['write', 'slverr'],
    ['write', 'decerr'],
  ] as const)('an injected %s %s on the job\'s data stops the run with a bus error', async (access, response) => {
    // Reads: from the weights on; writes: the final outputs (after the trace).
    const p = programOf(`inject-${access}-${response}`, 86, 2);
    const lo = access === 'read' ? (p.tasks.length + 1) * DESC_BYTES : p.traceBase + p.tasks.length * p.traceBytes;
    const faults = { ranges: [{ access, lo, hi: p.image.bytes.length, response }], readPerMille: 0, writePerMille: 0 };
    const r = await runTiny(`inject-${access}-${response}`, 86, 2, { stallPercent: 10, faults });
    expectFault(r, 'BUS_ERROR');
  });

  it('random read and write faults stop the run with a bus error', async () => {
    for (const [readPerMille, writePerMille] of [[50, 0], [0, 200]]) {
      const r = await runTiny(`random-${readPerMille}-${writePerMille}`, 87, 2, { faults: { ranges: [], readPerMille, writePerMille }, seed: 3 });
      expectFault(r, 'BUS_ERROR');
    }
  });

  it('a fault on the task list fetch stops the run with a bus error', async () => {
    const r = await runTiny('fetch-fault', 88, 1, { faults: { ranges: [{ access: 'read', lo: DESC_BYTES, hi: 2 * DESC_BYTES, response: 'slverr' }], readPerMille: 0, writePerMille: 0 } });
    expectFault(r, 'BUS_ERROR');
  });

  it('a trace write past the end of memory is a bus error, not a host crash', async () => {
    const r = await runTiny('trace-past', 89, 1, { alterProgram: (p) => { p.traceBase = 0xfff0_0000; } });
    expectFault(r, 'BUS_ERROR');
  });

  it('the memory ends where the run sized it: a trace written just past its end is a bus error, just inside it is not', async () => {
    // The memory's size is a run-time setting of the testbench (+mem_words), not of its build.
    const { busBytes } = loadConfig({ preset: 'tiny' });
    const memBytes = memoryWords(programOf('trace-edge', 91, 1).image.bytes.length, busBytes) * busBytes;
    const past = await runTiny('trace-edge-past', 91, 1, { alterProgram: (q) => { q.traceBase = memBytes; } });
    expectFault(past, 'BUS_ERROR');
    expect(past.memory.words * busBytes).toBe(memBytes);
    // Inside, the hardware finishes without an error; only the host cannot read the trace back
    // (it dumps the image's range).
    const inside = await runTiny('trace-edge-inside', 91, 1, { alterProgram: (q) => { q.traceBase = memBytes - q.tasks.length * q.traceBytes; } });
    expect(inside.status).toBe('hardware-error');
    expect(inside.message).toMatch(/^bad trace: record \d+ lies outside the memory read back$/);
  });

  it('a trace record naming a task that does not exist is reported as a hardware error', async () => {
    // The descriptor's task word is what the trace unit writes back.
    const r = await runTiny('trace-task', 90, 1, { alterProgram: (p) => setField(p, 0, 'task_id', 999) });
    expect(r.status).toBe('hardware-error');
    expect(r.message).toMatch(/bad trace: record \d+ names task 999, but the task list has \d+ tasks/);
  });

  it('stops with the deadlock error when a task waits for a count that never comes', async () => {
    const r = await runTiny('deadlock', 71, 1, { alterProgram: (p) => { setField(p, 0, 'wait_en', 1); setField(p, 0, 'wait_count', 60000); } });
    expectFault(r, 'DEADLOCK');
    expect(r.message).toMatch(/\d+ of \d+ tasks had completed/);
  });

  it('stops with a bad descriptor on a loop field wider than the hardware keeps', async () => {
    // The pixel count's bit 15: its low bits are still valid, so only the width check can notice.
    const r = await runTiny('wide', 72, 1, { alterProgram: (p) => setField(p, 0, 'pixels', getField(p, 0, 'pixels') | 0x8000) });
    expectFault(r, 'BAD_DESCRIPTOR');
  });
});

function writeConfig(name: string, json: unknown): string {
  const path = join(scratch, `${name}.json`);
  writeFileSync(path, JSON.stringify(json));
  return path;
}
