// The C driver (sw/) on the Verilated accelerator: a program exported by `synergyflow compile`
// (LeNet-5 on tiny), loaded, started and waited for by the driver through the AXI4-Lite port
// cycle by cycle, its outputs compared byte for byte with the golden model; and faults the
// driver must surface as the hardware's code (or its own time-out) instead of hanging.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_CODES } from '../../generator/arch/faults.ts';
import { runCli } from '../../generator/cli/program.ts';
import type { ProgramJson } from '../../generator/compiler/export.ts';
import { loadConfig } from '../../generator/config/resolve.ts';
import { generateFiles } from '../../generator/emit/generate.ts';
import { goldenForward } from '../../generator/golden/golden.ts';
import { builtinWorkload } from '../../generator/model/workload.ts';
import { runWorkload } from '../../generator/runner/run.ts';
import { buildHostModel, linkHostHarness, runHostHarness } from '../../generator/tools/host-harness.ts';
import { simCacheDir } from '../../generator/tools/sim.ts';
import { listEntries } from '../../generator/tools/sim-cache.ts';

const hasVerilator = spawnSync('verilator', ['--version']).status === 0;
if (!hasVerilator) console.warn('host driver test skipped: verilator is not on PATH (npm run setup installs it)');

const faultCode = (name: string) => FAULT_CODES.find((f) => f.name === name)!.code;

describe.skipIf(!hasVerilator)('the C driver on the Verilated accelerator (tiny, LeNet-5)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'sf-host-test-'));
  const programDir = join(scratch, 'program');
  const cfg = loadConfig({ preset: 'tiny' });
  let exe = '';
  let modelName = '';
  let inUseWhileLinking: boolean | undefined;
  let program: ProgramJson;
  // The memory model's timing as `synergyflow run` sets it from the config.
  const timing = ['--latency', String(cfg.testbench.latency), '--bytes-per-cycle', String(cfg.testbench.bytesPerCycle ?? cfg.busBytes)];

  beforeAll(async () => {
    const out: string[] = [];
    const code = await runCli(['node', 'synergyflow', 'compile', '--preset', 'tiny', '--workload', 'builtin:lenet5:1', '--out', programDir, '--quiet'], { out: (t) => out.push(t), err: (t) => out.push(t) });
    expect(code, out.join('')).toBe(0);
    program = JSON.parse(readFileSync(join(programDir, 'program.json'), 'utf8'));
    const { design, files } = generateFiles(cfg);
    const model = await buildHostModel({
      files,
      params: { BUS_BITS: cfg.busBits, IDW: design.params.idBits, CHANNELS: cfg.memory.channels, ADDR_BITS: cfg.memory.addressBits },
      cacheDir: simCacheDir(),
      design: cfg.source,
    });
    modelName = model.name;
    try {
      inUseWhileLinking = listEntries(simCacheDir()).find((e) => e.name === model.name)?.inUse;
      exe = await linkHostHarness(model, programDir, join(scratch, 'build'));
    } finally {
      model.release();
    }
  }, 600_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const run = (args: string[]) => runHostHarness(exe, ['--image', join(programDir, 'image.bin'), '--expected', join(programDir, 'expected'), ...timing, ...args]);

  it('builds the model as an entry of the simulator cache: named by its rule, with a manifest, in use until linked', () => {
    expect(modelName).toMatch(/^host-[0-9a-f]{16}$/);
    const entry = listEntries(simCacheDir()).find((e) => e.name === modelName);
    expect(entry?.manifest.design).toBe(cfg.source);
    expect(entry?.inUse).toBe(false);
    expect(inUseWhileLinking).toBe(true);
  });

  it('runs the exported program by interrupt: every output byte equals the golden model\'s', async () => {
    const got = join(scratch, 'got-irq');
    mkdirSync(got);
    const r = await run(['--mode', 'irq', '--got', got]);
    expect(r.exitCode, r.lines.join('\n')).toBe(0);
    expect(r.result).toEqual({ code: 0, name: 'OK' });
    expect(r.jobs).toEqual([{ name: 'lenet5', bytes: 10, mismatches: 0 }]);
    // Independently of compile's expected files: the golden model of the same job.
    const [job] = builtinWorkload('lenet5', 1, 0);
    const golden = goldenForward(job.model, job.weights, job.input);
    const expected = new Uint8Array(Int8Array.from(golden[golden.length - 1]).buffer);
    expect(new Uint8Array(readFileSync(join(got, 'lenet5.bin')))).toEqual(expected);
    expect(r.status.error_code).toBe(0);
    expect(r.status.tasks_done).toBe(program.taskList.count);
    expect(r.trace.map((t) => t.task).sort((a, b) => a - b)).toEqual([...Array(program.taskList.count).keys()]);
    // Waiting for the interrupt touches no register until it rises.
    expect(r.status.reg_accesses).toBeLessThan(40);
    expect(r.status.harness_cycles - r.status.cycles).toBeLessThan(100);
  });

  it('takes the cycles and runs the trace of `synergyflow run` on the same program', async () => {
    const driver = await run(['--mode', 'irq']);
    const testbench = await runWorkload({ preset: 'tiny', workload: 'builtin:lenet5:1', sim: 'verilator', out: join(scratch, 'run') });
    expect(testbench.status).toBe('ok');
    expect(driver.status.cycles).toBe(testbench.cycles);
    expect(driver.status.rd_bytes).toBe(testbench.readBeats * cfg.busBytes);
    const key = (t: { task: number; start: number; end: number }) => `${t.task}@${t.start}-${t.end}`;
    expect(driver.trace.map(key).sort()).toEqual(testbench.trace.map(key).sort());
  });

  it('runs it by polling STATUS to the same cycle count and outputs', async () => {
    const irq = await run(['--mode', 'irq']);
    const poll = await run(['--mode', 'poll']);
    expect(poll.exitCode, poll.lines.join('\n')).toBe(0);
    expect(poll.jobs).toEqual(irq.jobs);
    expect(poll.status.cycles).toBe(irq.status.cycles);
    expect(poll.status.reg_accesses).toBeGreaterThan(1000);
  });

  it('stays bit-exact under random memory stalls', async () => {
    const r = await run(['--stall-percent', '30', '--seed', '7', '--mode', 'poll']);
    expect(r.exitCode, r.lines.join('\n')).toBe(0);
    expect(r.jobs).toEqual([{ name: 'lenet5', bytes: 10, mismatches: 0 }]);
  });

  it('returns the hardware\'s BAD_OPCODE for a corrupted descriptor, at once', async () => {
    const r = await run(['--corrupt-opcode', '0']);
    expect(r.exitCode, r.lines.join('\n')).toBe(2);
    expect(r.result).toEqual({ code: faultCode('BAD_OPCODE'), name: 'BAD_OPCODE' });
    expect(r.status.error_code).toBe(faultCode('BAD_OPCODE'));
    expect(r.status.tasks_done).toBe(0);
    expect(r.status.harness_cycles).toBeLessThan(1000);
  });

  it('returns BUS_ERROR when the memory answers the input\'s reads with SLVERR', async () => {
    const input = program.jobs[0].input;
    const faults = join(scratch, 'faults.txt');
    writeFileSync(faults, `r ${input.address} ${input.address + input.bytes} 2\n`);
    const r = await run([`+faults=${faults}`, '--mode', 'poll']);
    expect(r.exitCode, r.lines.join('\n')).toBe(2);
    expect(r.result).toEqual({ code: faultCode('BUS_ERROR'), name: 'BUS_ERROR' });
    expect(r.status.tasks_done).toBeLessThan(program.taskList.count);
  });

  it('times out instead of hanging when the run takes longer than the timeout', async () => {
    const r = await run(['--timeout', '3000']);
    expect(r.exitCode, r.lines.join('\n')).toBe(2);
    expect(r.result).toEqual({ code: -1, name: 'TIMEOUT' });
    expect(r.status.busy).toBe(1);
    expect(r.status.harness_cycles).toBeGreaterThanOrEqual(3000);
    expect(r.status.harness_cycles).toBeLessThan(3100);
  });
});
