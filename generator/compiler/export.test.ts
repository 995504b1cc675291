// `synergyflow compile` and exportProgram: the exported files, their determinism, the C headers
// against the tables they come from (compiled with gcc), and refusals before any work.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { descriptorFields, DESC_BYTES } from '../arch/descriptor.ts';
import { FAULT_CODES } from '../arch/faults.ts';
import { POLICY_TABLE } from '../arch/policies.ts';
import { buildRegisterMap, CTRL_FIELDS, fieldValue } from '../arch/regmap.ts';
import { TRACE_FIELDS, traceFieldOffset } from '../arch/trace-record.ts';
import { runCli } from '../cli/program.ts';
import { presets } from '../config/presets.ts';
import { loadConfig, resolveConfig } from '../config/resolve.ts';
import { generateFiles } from '../emit/generate.ts';
import { goldenForward } from '../golden/golden.ts';
import { parseNpy } from '../model/npy.ts';
import { builtinWorkload } from '../model/workload.ts';
import { MANIFEST } from '../output-dir.ts';
import { DRIVER_CFLAGS, HOST_DIR, SW_DIR } from '../tools/host-harness.ts';
import { exportProgram, type ExportResult, type ProgramJson } from './export.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-export-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const hasGcc = spawnSync('gcc', ['--version']).status === 0;
if (!hasGcc) console.warn('the C header and driver compilation checks are skipped: gcc is not on PATH');

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(dir, join(prefix, e.name)) : [join(prefix, e.name)]));
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'synergyflow', ...args], { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('compile', () => {
  const cfg = loadConfig({ preset: 'tiny' });
  const a = join(scratch, 'a');
  const b = join(scratch, 'b');
  let result: ExportResult;
  let program: ProgramJson;
  let image: Buffer;
  beforeAll(async () => {
    result = await exportProgram({ cfg, workload: 'builtin:lenet5:2', out: a });
    await exportProgram({ cfg, workload: 'builtin:lenet5:2', out: b });
    program = JSON.parse(readFileSync(join(a, 'program.json'), 'utf8'));
    image = readFileSync(join(a, 'image.bin'));
  });

  it('writes the same bytes for the same inputs, with no machine paths or dates', () => {
    const files = listFiles(a).sort();
    expect(files).toEqual([MANIFEST, 'expected/lenet5.bin', 'expected/lenet5.npy', 'image.bin', 'program.json', 'sf_hw.h', 'sf_program.h', 'tasks.bin', 'tasks.json']);
    expect(result.files).toEqual(files.filter((f) => f !== MANIFEST));
    for (const f of files) {
      const text = readFileSync(join(a, f));
      expect(readFileSync(join(b, f)).equals(text), f).toBe(true);
      if (!f.endsWith('.bin') && !f.endsWith('.npy')) {
        expect(String(text), f).not.toMatch(/\/(work|home|tmp|root)\//);
        expect(String(text), f).not.toMatch(/20\d\d-\d\d-\d\d/);
      }
    }
  });

  it('describes the image, the task list, the registers and where each job\'s tensors live', () => {
    expect(program.image).toMatchObject({ file: 'image.bin', base: 0, bytes: image.length });
    const tasks = readFileSync(join(a, 'tasks.bin'));
    expect(tasks.length).toBe((program.taskList.count + 1) * DESC_BYTES);
    expect(tasks.equals(image.subarray(program.taskList.base, program.taskList.base + tasks.length))).toBe(true);
    const readable = JSON.parse(readFileSync(join(a, 'tasks.json'), 'utf8'));
    expect(readable.tasks).toHaveLength(program.taskList.count);
    expect(readable.tasks[0].fields.opcode).toBe(1);
    expect(readable.end.fields.opcode).toBe(0);
    expect(readable.tasks[3].words[1]).toBe('0x00000003'); // task_id
    const ctrl = program.registers.find((r) => r.name === 'CTRL')!;
    expect(fieldValue(CTRL_FIELDS, 'POLICY', ctrl.value)).toBe(POLICY_TABLE.find((p) => p.name === 'elastic')!.code);
    expect(fieldValue(CTRL_FIELDS, 'START', ctrl.value)).toBe(1);
    expect(program.registers.map((r) => r.name)).toEqual(['TASK_BASE', 'TRACE_BASE', 'CTRL']);
    const [job] = program.jobs;
    expect(job).toMatchObject({ name: 'lenet5', model: 'lenet5', batch: 2 });
    expect(job.input).toMatchObject({ shape: [2, 1, 32, 32], dtype: 'int8', transform: 'none' });
    expect(job.output).toMatchObject({ shape: [2, 10, 1, 1], modelShape: [2, 10], dtype: 'int8' });
    expect(job.output.layout).toMatchObject({ lanes: 4, cblocks: 3, colStride: 4 });
    // The image holds the input where program.json says, in the blocked layout.
    const [w] = builtinWorkload('lenet5', 2, 0);
    const { layout } = job.input;
    expect(image.readInt8(job.input.address + layout.imageStride + 5 * layout.rowStride + 7 * layout.colStride)).toBe(w.input.data[1024 + 5 * 32 + 7]);
  });

  it('writes the golden model\'s outputs as expected/*.npy and raw bytes', () => {
    const [w] = builtinWorkload('lenet5', 2, 0);
    const golden = goldenForward(w.model, w.weights, w.input);
    const last = Int8Array.from(golden[golden.length - 1]);
    const npy = parseNpy(readFileSync(join(a, 'expected/lenet5.npy')), 'expected/lenet5.npy');
    expect(npy.shape).toEqual([2, 10]);
    expect(Array.from(npy.data)).toEqual(Array.from(last));
    expect(new Uint8Array(readFileSync(join(a, 'expected/lenet5.bin')))).toEqual(new Uint8Array(last.buffer));
  });

  it('describes a 16-bit datapath\'s tensors with 2-byte lanes, its raw outputs little-endian int16', async () => {
    const cfg16 = resolveConfig({ ...presets.tiny, name: 'tiny16', dataBits: 16 }, 'test config');
    const dir = join(scratch, 'sixteen');
    const p = (await exportProgram({ cfg: cfg16, workload: 'builtin:lenet5', out: dir })).program;
    expect(p.jobs[0].output).toMatchObject({ dtype: 'int16', layout: { elementBytes: 2, lanes: 4, colStride: 8 } });
    const [w] = builtinWorkload('lenet5', 1, 0);
    const golden = goldenForward(w.model, w.weights, w.input);
    const raw = readFileSync(join(dir, 'expected/lenet5.bin'));
    expect(Array.from({ length: raw.length / 2 }, (_, i) => raw.readInt16LE(2 * i))).toEqual(Array.from(golden[golden.length - 1]));
    expect(readFileSync(join(dir, 'sf_program.h'), 'utf8')).toContain('.elem_bytes = 2u');
  });

  it('writes the same sf_hw.h as generate, and generate writes it next to the RTL', () => {
    expect(readFileSync(join(a, 'sf_hw.h'), 'utf8')).toBe(generateFiles(cfg).files.get('sf_hw.h'));
  });

  it('writes the same sf_hw.h for a config file given by two absolute paths (headers name its basename)', async () => {
    const headers = [];
    for (const where of ['one', 'two']) {
      const file = join(scratch, `cfg-${where}`, 'small.json');
      mkdirSync(join(scratch, `cfg-${where}`));
      writeFileSync(file, JSON.stringify(presets.tiny));
      const dir = join(scratch, `abs-${where}`);
      const r = await cli(['compile', '--config', file, '--workload', 'builtin:lenet5', '--out', dir, '--quiet']);
      expect(r.code, r.err).toBe(0);
      headers.push(readFileSync(join(dir, 'sf_hw.h'), 'utf8'));
      expect(headers.at(-1)).not.toContain(scratch);
      expect(headers.at(-1)).toContain('--config small.json');
    }
    expect(headers[1]).toBe(headers[0]);
  });

  it('programs the policy it was compiled for', async () => {
    const dir = join(scratch, 'mono');
    const r = await cli(['compile', '--preset', 'tiny', '--workload', 'builtin:lenet5', '--policy', 'monolithic', '--out', dir, '--quiet']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/compiled 1 job\(s\) \(lenet5: lenet5 x1\) into \d+ tasks for preset tiny under monolithic/);
    const p: ProgramJson = JSON.parse(readFileSync(join(dir, 'program.json'), 'utf8'));
    expect(fieldValue(CTRL_FIELDS, 'POLICY', p.registers.find((x) => x.name === 'CTRL')!.value)).toBe(0);
    expect(readFileSync(join(dir, 'sf_program.h'), 'utf8')).toContain('#define SF_PROGRAM_POLICY SF_POLICY_MONOLITHIC');
  });

  it('refuses bad input before any work, exit 2, without a stack trace', async () => {
    const mine = join(scratch, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.txt'), 'mine');
    const cases: [string[], RegExp][] = [
      // A huge workload: the folder is refused first, before the workload is even generated.
      [['compile', '--preset', 'tiny', '--workload', 'builtin:vgg16:200', '--out', mine], /--out: expected a new or empty folder/],
      [['compile', '--preset', 'tiny', '--workload', 'builtin:nosuch', '--out', join(scratch, 'x1')], /a built-in model/],
      [['compile', '--preset', 'tiny', '--workload', 'builtin:lenet5', '--static-group', '3', '--policy', 'static', '--out', join(scratch, 'x2')], /--static-group: expected a power of two/],
      [['compile', '--preset', 'tiny', '--workload', 'builtin:vgg16:200', '--out', join(scratch, 'x3')], /--allow-large/],
      // Within the image guard, but hours of the golden model's expected outputs.
      [['compile', '--preset', 'tiny', '--workload', 'builtin:vgg16:64', '--out', join(scratch, 'x6')], /--workload: expected a workload of at most 1e\+11 MACs for the golden model's expected outputs \(--allow-large/],
      [['compile', '--preset', 'nosuch', '--workload', 'builtin:lenet5', '--out', join(scratch, 'x4')], /preset/],
      [['compile', '--preset', 'tiny', '--out', join(scratch, 'x5')], /required option '--workload/],
    ];
    for (const [args, message] of cases) {
      const started = Date.now();
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(Date.now() - started, args.join(' ')).toBeLessThan(10_000);
    }
    expect(readdirSync(mine)).toEqual(['notes.txt']);
    expect(readdirSync(scratch).filter((f) => /^x\d$/.test(f))).toEqual([]);
  });

  it.skipIf(!hasGcc)('sf_hw.h defines every table\'s values (compiled with gcc, beside sf_regs.h)', () => {
    const dir = join(scratch, 'cc');
    mkdirSync(dir);
    writeFileSync(join(dir, 'sf_regs.h'), generateFiles(cfg).files.get('sf_regs.h')!);
    writeFileSync(join(dir, 'check.c'), [
      '#include <stdint.h>', '#include <stdio.h>', '#include "sf_regs.h"', '#include "sf_hw.h"',
      '#define D(NAME, word, shift, width) printf("desc %s %u %u %u\\n", #NAME, word, shift, width);',
      '#define F(code, NAME, doc) printf("fault %u %s\\n", code, #NAME);',
      '#define P(code, NAME, name, doc) printf("policy %u %s\\n", code, name);',
      '#define T(NAME, offset) printf("trace %s %u\\n", #NAME, offset);',
      'int main(void) {',
      '  SF_DESC_FIELDS(D) SF_FAULT_CODES(F) SF_POLICIES(P) SF_TRACE_FIELDS(T)',
      '  printf("ctrl %u %u\\n", SF_REG_CTRL, (unsigned)SF_PUT(SF_CTRL_POLICY, SF_POLICY_STATIC));',
      '  printf("eng %u %u\\n", SF_REG_ENG_STALL(1), SF_REG_ENG1_STALL);',
      '  printf("ch %u %u\\n", SF_REG_CH_WR_BEATS(0), SF_REG_CH0_WR_BEATS);',
      '  return 0;', '}', '',
    ].join('\n'));
    const exe = join(dir, 'check');
    const cc = spawnSync('gcc', [...DRIVER_CFLAGS, '-I', a, '-I', dir, join(dir, 'check.c'), '-o', exe], { encoding: 'utf8' });
    expect(cc.status, cc.stderr).toBe(0);
    const lines = spawnSync(exe, { encoding: 'utf8' }).stdout.trim().split('\n');
    const map = buildRegisterMap(cfg);
    const offset = (name: string) => map.registers.find((r) => r.name === name)!.offset;
    expect(lines).toEqual([
      ...descriptorFields.map((f) => `desc ${f.name.toUpperCase()} ${f.word} ${f.lsb} ${f.width}`),
      ...FAULT_CODES.map((f) => `fault ${f.code} ${f.name}`),
      ...POLICY_TABLE.map((p) => `policy ${p.code} ${p.name}`),
      ...TRACE_FIELDS.map((f) => `trace ${f.name} ${traceFieldOffset(f.name)}`),
      `ctrl ${offset('CTRL')} ${1 << CTRL_FIELDS.find((f) => f.name === 'POLICY')!.lsb}`,
      `eng ${offset('ENG1_STALL')} ${offset('ENG1_STALL')}`,
      `ch ${offset('CH0_WR_BEATS')} ${offset('CH0_WR_BEATS')}`,
    ]);
  });

  it.skipIf(!hasGcc)('the driver and the program header compile warning-free as C99', () => {
    for (const src of [join(SW_DIR, 'sf_driver.c'), join(HOST_DIR, 'program-glue.c')]) {
      const cc = spawnSync('gcc', [...DRIVER_CFLAGS, '-Wconversion', '-Wshadow', '-I', a, '-I', SW_DIR, '-c', src, '-o', join(scratch, 'x.o')], { encoding: 'utf8' });
      expect(cc.status, `${src}: ${cc.stderr}`).toBe(0);
    }
  });
});
