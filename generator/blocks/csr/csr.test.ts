// The CSR block against its register map table, at block level on both simulators: a model built
// from the table alone (rw fields read back as written, pulse fields read 0 and start a run only
// when idle, DONE set when a run ends and cleared by writing 1 or by a start, read-only fields from
// the hardware, constants, zeros elsewhere) predicts every read of random writes and status changes
// replayed by tb/sf_csr_tb.v.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/resolve.ts';
import { generateFiles } from '../../emit/generate.ts';
import { Rng } from '../../model/random.ts';
import { buildBlockSim } from '../../tools/block-sim.ts';
import { TB_DIR } from '../../tools/sim.ts';
import { csrContext } from './csr.ts';
import { POLICY_BITS } from '../../arch/policies.ts';
import { buildRegisterMap, CTRL_FIELDS, fieldsWord, fieldValue, STATUS_FIELDS, type ReadSource, type Register, type RegisterMap } from '../../arch/regmap.ts';

const TASKS_DONE = 0x12345678;
const scratch = mkdtempSync(join(tmpdir(), 'sf-csr-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Op = { kind: 'write'; reg: Register; data: number } | { kind: 'read'; reg: Register } | { kind: 'read-addr'; addr: number } | { kind: 'status'; busy: boolean; errorCode: number };

/** What the table says the block does. Counters of cycles are left out (their value depends on timing). */
class CsrModel {
  stored = new Map<string, number>();
  done = false;
  busy = false;
  errorCode = 0;
  starts = 0;

  write(reg: Register, data: number): void {
    for (const f of reg.fields ?? []) {
      const v = Math.floor(data / 2 ** f.lsb) % 2 ** f.width;
      if (f.access === 'rw') this.stored.set(`${reg.name}.${f.name}`, v);
      if (f.access === 'w1c' && v === 1) this.done = false;
      if (f.access === 'pulse' && v === 1 && !this.busy) {
        this.starts++;
        this.done = false;
      }
    }
  }

  status(busy: boolean, errorCode: number): void {
    if (this.busy && !busy) this.done = true;
    this.busy = busy;
    this.errorCode = errorCode;
  }

  private source(s: ReadSource): number | undefined {
    if (s.kind === 'input' && s.signal === 'busy_i') return Number(this.busy);
    if (s.kind === 'input' && s.signal === 'error_code_i') return this.errorCode;
    if (s.kind === 'nonzero' && s.signal === 'error_code_i') return Number(this.errorCode !== 0);
    if (s.kind === 'input' && s.signal === 'tasks_done_i') return TASKS_DONE;
    if (s.kind !== 'input' && s.kind !== 'nonzero' && s.signal === 'cycles_i') return undefined;
    // Engine and channel counters: their inputs are held at 0.
    if (s.kind === 'word' || s.kind === 'sum' || s.kind === 'difference') return 0;
    throw new Error(`the model does not know source ${JSON.stringify(s)}`);
  }

  read(reg: Register): number | undefined {
    if (reg.constant !== undefined) return reg.constant;
    if (reg.source) return this.source(reg.source);
    let word = 0;
    for (const f of reg.fields ?? []) {
      const v = f.access === 'rw' ? this.stored.get(`${reg.name}.${f.name}`) ?? 0 : f.access === 'w1c' ? Number(this.done) : f.access === 'pulse' ? 0 : this.source(f.source!);
      if (v === undefined) return undefined;
      word += v * 2 ** f.lsb;
    }
    return word >>> 0;
  }

  irq(): number {
    return Number(this.stored.get('CTRL.IRQ_EN') === 1 && this.done);
  }
}

function scenario(map: RegisterMap, seed: number): Op[] {
  const rng = new Rng(seed);
  const byName = (name: string) => map.registers.find((r) => r.name === name)!;
  const writable = map.registers.filter((r) => (r.fields ?? []).some((f) => f.access !== 'ro'));
  const readAll = (): Op[] => map.registers.map((reg) => ({ kind: 'read', reg }));
  const ctrl = byName('CTRL');
  const status = byName('STATUS');
  const ops: Op[] = [...readAll()];
  // Random words into every writable register (START among them, so runs start when idle).
  for (let round = 0; round < 6; round++) {
    for (const reg of writable) ops.push({ kind: 'write', reg, data: rng.nextU32() }, { kind: 'read', reg });
  }
  // A run: STATUS while busy, DONE and the interrupt when it ends, cleared by writing 1.
  ops.push({ kind: 'write', reg: ctrl, data: fieldsWord(CTRL_FIELDS, { IRQ_EN: 1 }) });
  ops.push({ kind: 'status', busy: true, errorCode: 0 }, { kind: 'read', reg: status });
  ops.push({ kind: 'write', reg: ctrl, data: fieldsWord(CTRL_FIELDS, { START: 1, IRQ_EN: 1 }) }, { kind: 'read', reg: status });
  ops.push({ kind: 'status', busy: false, errorCode: 0 }, { kind: 'read', reg: status });
  ops.push({ kind: 'write', reg: status, data: fieldsWord(STATUS_FIELDS, { DONE: 1 }) }, { kind: 'read', reg: status });
  // A run that fails: ERROR and ERROR_CODE; a start clears DONE.
  ops.push({ kind: 'status', busy: true, errorCode: 0 }, { kind: 'status', busy: false, errorCode: 3 }, { kind: 'read', reg: status });
  ops.push({ kind: 'write', reg: ctrl, data: fieldsWord(CTRL_FIELDS, { START: 1, IRQ_EN: 1, POLICY: 2 }) }, { kind: 'read', reg: status }, { kind: 'read', reg: ctrl });
  // Writes to read-only registers change nothing; unmapped addresses read 0.
  for (const name of ['TASKS_DONE', 'CFG_MAGIC', 'CYCLES_LO']) ops.push({ kind: 'write', reg: byName(name), data: rng.nextU32() });
  ops.push({ kind: 'read-addr', addr: 0x0fc }, { kind: 'read-addr', addr: 0xffc });
  ops.push(...readAll());
  return ops;
}

function opsFile(ops: Op[]): string {
  const line = (op: number, addr: number, data: number) => ((BigInt(op) << 44n) | (BigInt(addr) << 32n) | BigInt(data >>> 0)).toString(16).padStart(12, '0');
  const lines = ops.map((o) => {
    if (o.kind === 'write') return line(1, o.reg.offset, o.data);
    if (o.kind === 'read') return line(2, o.reg.offset, 0);
    if (o.kind === 'read-addr') return line(2, o.addr, 0);
    return line(3, 0, (o.errorCode << 8) | Number(o.busy));
  });
  return [...lines, line(0, 0, 0)].join('\n') + '\n';
}

/** Every read the model predicts, as "addr data irq" (null where it cannot: cycle counters). */
function expectedReads(map: RegisterMap, ops: Op[]): { reads: (string | null)[]; starts: number } {
  const model = new CsrModel();
  const reads: (string | null)[] = [];
  for (const o of ops) {
    if (o.kind === 'write') model.write(o.reg, o.data);
    else if (o.kind === 'status') model.status(o.busy, o.errorCode);
    else if (o.kind === 'read-addr') reads.push(`${o.addr} 0 ${model.irq()}`);
    else {
      const v = model.read(o.reg);
      reads.push(v === undefined ? null : `${o.reg.offset} ${v} ${model.irq()}`);
    }
  }
  return { reads, starts: model.starts };
}

describe('the CSR block against the register map table', () => {
  it('derives storage, strobes and the unused write bits from the table', () => {
    const map = buildRegisterMap(loadConfig({ preset: 'tiny' }));
    const ctx = csrContext(map);
    expect(ctx.storage.map((s) => s.name)).toEqual(['ctrl_irq_en_q', 'ctrl_policy_q', 'ctrl_static_log_q', 'status_done_q', 'task_base_addr_q', 'trace_base_addr_q']);
    expect(ctx.strobes.map((s) => s.name)).toEqual(['ctrl_start_write', 'status_done_write']);
    // Bits 2-3 are taken by no field: TRACE_BASE keeps bits 31:4 (16-byte records on tiny).
    expect(ctx.unusedWdata).toEqual([{ msb: 3, lsb: 2 }]);
    expect(ctx.readRegs.find((r) => r.pascal === 'Ctrl')!.expr).toBe("{17'd0, ctrl_static_log_q, 2'd0, ctrl_policy_q, 6'd0, ctrl_irq_en_q, 1'd0}");
  });

  it('encodes and decodes fields by the table, and refuses values that do not fit', () => {
    const word = fieldsWord(CTRL_FIELDS, { START: 1, POLICY: 2, STATIC_LOG: 3 });
    expect(word).toBe(0x3201);
    expect(fieldValue(CTRL_FIELDS, 'POLICY', word)).toBe(2);
    expect(fieldValue(STATUS_FIELDS, 'ERROR_CODE', 0x0304)).toBe(3);
    expect(() => fieldsWord(CTRL_FIELDS, { POLICY: 4 })).toThrow(/does not fit/);
  });

  const builds = [
    ['icarus', 'tiny'],
    ['icarus', 'default'],
    ['verilator', 'default'],
  ] as const;
  it.each(builds)('on %s, reads back what the table predicts (%s preset)', async (sim, preset) => {
    const cfg = loadConfig({ preset });
    const { design, files } = generateFiles(cfg);
    const dir = join(scratch, `${sim}-${preset}`);
    const modules = ['sf_csr', 'sf_axil_slave', 'sf_csr_regs', 'sf_perf_counters'].map((m) => {
      const path = join(scratch, `${preset}-${m}.sv`);
      writeFileSync(path, String(files.get(`rtl/${m}.sv`)));
      return path;
    });
    const ops = scenario(design.regmap, 7);
    const opsPath = join(scratch, `${sim}-${preset}.hex`);
    writeFileSync(opsPath, opsFile(ops));
    const params = { ENGINES: cfg.engines, CHANNELS: cfg.memory.channels, AW: design.params.addrBits, POLICY_BITS };
    const sources = [join(TB_DIR, 'sf_csr_tb.v'), ...modules];
    const runSim = await buildBlockSim({ sim, top: 'sf_csr_tb', sources, params, dir });
    const out = await runSim([`+ops=${opsPath}`]);
    expect(out).toContain('SF_CSR_DONE');
    const got = out.split('\n').filter((l) => l.startsWith('SF_READ ')).map((l) => l.slice(8).trim());
    const { reads, starts } = expectedReads(design.regmap, ops);
    expect(got.length).toBe(reads.length);
    const compared = reads.map((want, i) => (want === null ? null : [want, got[i]]));
    for (const pair of compared) if (pair) expect(pair[1]).toBe(pair[0]);
    expect(compared.filter((p) => p !== null).length).toBeGreaterThan(design.regmap.registers.length);
    expect(out.split('\n').filter((l) => l.trim() === 'SF_START').length).toBe(starts);
    expect(starts).toBeGreaterThan(0);
  }, 120_000);
});
