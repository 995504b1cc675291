// The AXI4-Lite register map: one table from which the CSR RTL (storage, write decode, pulses and
// read-back), the JSON/markdown/C/Verilog register documentation and the host's encoding and
// decoding of CTRL and STATUS are all generated, so they cannot drift apart.
import type { ResolvedConfig } from '../config/resolve.ts';
import { DESC_BYTES } from './descriptor.ts';
import { FAULT_CODES } from './faults.ts';
import { FALLBACK_POLICY, POLICY_BITS, POLICY_TABLE } from './policies.ts';
import { TRACE_FIELD_BYTES, TRACE_FIELDS, TRACE_WORD_BYTES, traceFieldOffset } from './trace-record.ts';

export const REGMAP_VERSION = 1;
export const CONFIG_MAGIC = 0x53464c57; // "SFLW"

/** A register's access as a whole: readable and writable, read-only, or write-only. */
export type Access = 'rw' | 'ro' | 'wo';

/**
 * A field's access, as in OpenTitan's reggen and LiteX's CSRField: `rw` is kept by the CSR block
 * and reads back as written; `ro` is the hardware's (read from `source`); `pulse` acts on a write
 * of 1 and reads as 0; `w1c` is set by the hardware and cleared by writing 1.
 */
export type FieldAccess = 'rw' | 'ro' | 'pulse' | 'w1c';

/**
 * Where a read-only value comes from, in terms of sf_csr's ports and counters: an input, whether
 * an input is non-zero, a 32-bit word of a counter vector, the sum of a vector's 32-bit words, or
 * one word of a vector minus the same word of another.
 */
export type ReadSource =
  | { kind: 'input'; signal: string }
  | { kind: 'nonzero'; signal: string }
  | { kind: 'word'; signal: string; word: number }
  | { kind: 'sum'; signal: string; words: number }
  | { kind: 'difference'; signal: string; minus: string; word: number };

export interface RegField {
  name: string;
  lsb: number;
  width: number;
  access: FieldAccess;
  doc: string;
  /** Named values of an enumerated field (documented, and defined in the C header). */
  values?: { value: number; name: string; doc: string }[];
  /** For `ro` fields: what the hardware reports. */
  source?: ReadSource;
}

export interface Register {
  name: string;
  offset: number;
  access: Access;
  doc: string;
  fields?: RegField[];
  /** A read-only register without fields: what it reads. */
  source?: ReadSource;
  /** Value of a constant (configuration block) register. */
  constant?: number;
}

export interface RegisterMap {
  addrBits: number;
  registers: Register[];
}

/** Byte offset of the read-only configuration block. */
export const CONFIG_BLOCK_OFFSET = 0x100;
/** Byte offset of the per-engine counters, and bytes between engines. */
export const ENGINE_COUNTERS_OFFSET = 0x400;
export const ENGINE_COUNTERS_STRIDE = 0x10;
/** Byte offset of the per-channel counters, and bytes between channels. */
export const CHANNEL_COUNTERS_OFFSET = 0x800;
export const CHANNEL_COUNTERS_STRIDE = 0x8;

export { POLICIES, type Policy } from './policies.ts';

export function traceRecordBytes(cfg: ResolvedConfig): number {
  return Math.max(TRACE_FIELD_BYTES, cfg.busBytes);
}

/** CTRL's fields: the same on every configuration. */
export const CTRL_FIELDS: readonly RegField[] = [
  { name: 'START', lsb: 0, width: 1, access: 'pulse', doc: 'write 1 while idle to start a run (reads as 0)' },
  { name: 'IRQ_EN', lsb: 1, width: 1, access: 'rw', doc: 'raise irq_o while STATUS.DONE is set' },
  {
    name: 'POLICY', lsb: 8, width: POLICY_BITS, access: 'rw',
    doc: `scheduling policy (a code not listed reads back as written and runs as ${FALLBACK_POLICY})`,
    values: POLICY_TABLE.map((p) => ({ value: p.code, name: p.name.toUpperCase(), doc: p.doc })),
  },
  { name: 'STATIC_LOG', lsb: 12, width: 3, access: 'rw', doc: 'log2 of the group size under the static policy' },
];

/** STATUS's fields: the same on every configuration. */
export const STATUS_FIELDS: readonly RegField[] = [
  { name: 'BUSY', lsb: 0, width: 1, access: 'ro', doc: 'a run is in progress', source: { kind: 'input', signal: 'busy_i' } },
  { name: 'DONE', lsb: 1, width: 1, access: 'w1c', doc: 'the last run finished (cleared by writing 1, or by the next start)' },
  { name: 'ERROR', lsb: 2, width: 1, access: 'ro', doc: 'the last run stopped on an error', source: { kind: 'nonzero', signal: 'error_code_i' } },
  {
    name: 'ERROR_CODE', lsb: 8, width: 8, access: 'ro', doc: 'why the last run stopped (0: it did not fail); the first fault wins',
    source: { kind: 'input', signal: 'error_code_i' },
    values: FAULT_CODES.map((f) => ({ value: f.code, name: f.name, doc: f.doc })),
  },
];

/** The value of a field in a register's word (for the host's decoding). */
export function fieldValue(fields: readonly RegField[], name: string, word: number): number {
  const f = fields.find((x) => x.name === name);
  if (!f) throw new Error(`no field ${name}`);
  return Math.floor(word / 2 ** f.lsb) % 2 ** f.width;
}

/** A register's word with the given fields set (the others 0). */
export function fieldsWord(fields: readonly RegField[], values: Record<string, number>): number {
  let word = 0;
  for (const [name, value] of Object.entries(values)) {
    const f = fields.find((x) => x.name === name);
    if (!f) throw new Error(`no field ${name}`);
    if (value < 0 || value >= 2 ** f.width) throw new Error(`${name} = ${value} does not fit ${f.width} bits`);
    word += value * 2 ** f.lsb;
  }
  return word >>> 0;
}

/** An address register whose low bits are fixed at 0: one rw field above them. */
function addressField(lsb: number, doc: string): RegField[] {
  return [{ name: 'ADDR', lsb, width: 32 - lsb, access: 'rw', doc }];
}

export function buildRegisterMap(cfg: ResolvedConfig): RegisterMap {
  const logDescBytes = Math.log2(DESC_BYTES);
  const logTraceBytes = Math.log2(traceRecordBytes(cfg));
  const regs: Register[] = [
    { name: 'CTRL', offset: 0x000, access: 'rw', doc: 'Control. Writing START=1 while idle starts a run of the task list at TASK_BASE.', fields: [...CTRL_FIELDS] },
    { name: 'STATUS', offset: 0x004, access: 'rw', doc: 'Status. DONE and ERROR are sticky until the next start; DONE also until 1 is written to it.', fields: [...STATUS_FIELDS] },
    {
      name: 'TASK_BASE', offset: 0x008, access: 'rw', doc: `Byte address of the first task descriptor (a multiple of ${DESC_BYTES}: the low bits read as 0).`,
      fields: addressField(logDescBytes, 'the address above its low bits'),
    },
    {
      name: 'TRACE_BASE', offset: 0x00c, access: 'rw', doc: `Byte address of the trace buffer (0: no trace; a multiple of ${traceRecordBytes(cfg)}: the low bits read as 0).`,
      fields: addressField(logTraceBytes, 'the address above its low bits'),
    },
    { name: 'TASKS_DONE', offset: 0x010, access: 'ro', doc: 'Tasks completed in the current or last run.', source: { kind: 'input', signal: 'tasks_done_i' } },
    { name: 'CYCLES_LO', offset: 0x014, access: 'ro', doc: 'Cycles of the current or last run, low word.', source: { kind: 'word', signal: 'cycles_i', word: 0 } },
    { name: 'CYCLES_HI', offset: 0x018, access: 'ro', doc: 'Cycles of the current or last run, high word.', source: { kind: 'word', signal: 'cycles_i', word: 1 } },
    // Totals are sums of the channel counters, formed when read (no register of their own).
    { name: 'RD_BEATS', offset: 0x01c, access: 'ro', doc: 'Read data beats on all memory channels during the run.', source: { kind: 'sum', signal: 'ch_rd_beats_i', words: cfg.memory.channels } },
    { name: 'WR_BEATS', offset: 0x020, access: 'ro', doc: 'Write data beats on all memory channels during the run.', source: { kind: 'sum', signal: 'ch_wr_beats_i', words: cfg.memory.channels } },
  ];
  for (let e = 0; e < cfg.engines; e++) {
    const base = ENGINE_COUNTERS_OFFSET + e * ENGINE_COUNTERS_STRIDE;
    regs.push(
      { name: `ENG${e}_BUSY`, offset: base, access: 'ro', doc: `Cycles engine ${e} held a task.`, source: { kind: 'word', signal: 'eng_busy_cycles_i', word: e } },
      { name: `ENG${e}_COMPUTE`, offset: base + 4, access: 'ro', doc: `Cycles engine ${e}'s PE array was computing.`, source: { kind: 'word', signal: 'eng_compute_cycles_i', word: e } },
      // Busy minus compute cycles, formed when read (an engine computes only while busy).
      {
        name: `ENG${e}_STALL`, offset: base + 8, access: 'ro', doc: `Cycles engine ${e} held a task but was not computing (waiting for data, its group or its writer).`,
        source: { kind: 'difference', signal: 'eng_busy_cycles_i', minus: 'eng_compute_cycles_i', word: e },
      },
    );
  }
  for (let c = 0; c < cfg.memory.channels; c++) {
    const base = CHANNEL_COUNTERS_OFFSET + c * CHANNEL_COUNTERS_STRIDE;
    regs.push(
      { name: `CH${c}_RD_BEATS`, offset: base, access: 'ro', doc: `Read data beats on memory channel ${c} during the run.`, source: { kind: 'word', signal: 'ch_rd_beats_i', word: c } },
      { name: `CH${c}_WR_BEATS`, offset: base + 4, access: 'ro', doc: `Write data beats on memory channel ${c} during the run.`, source: { kind: 'word', signal: 'ch_wr_beats_i', word: c } },
    );
  }
  const constants: [string, number, string][] = [
    ['CFG_MAGIC', CONFIG_MAGIC, 'Reads "SFLW": identifies a SynergyFlow accelerator.'],
    ['CFG_VERSION', REGMAP_VERSION, 'Register map and descriptor format version.'],
    ['CFG_HASH', parseInt(cfg.hash.slice(0, 8), 16), 'First 32 bits of the generating config hash.'],
    ['CFG_ENGINES', cfg.engines, 'Number of engines.'],
    ['CFG_TN', cfg.pe.tn, 'Input lanes per engine.'],
    ['CFG_TM', cfg.pe.tm, 'Output lanes per engine.'],
    ['CFG_DATA_BITS', cfg.dataBits, 'Activation and weight width.'],
    ['CFG_BUS_BITS', cfg.busBits, 'Memory data width.'],
    ['CFG_CHANNELS', cfg.memory.channels, 'AXI4 memory channels.'],
    ['CFG_WINDOW', cfg.controller.window, 'Task descriptors the controller holds at once.'],
    ['CFG_COUNTERS', cfg.controller.counters, 'Dependency counters.'],
    ['CFG_INPUT_WORDS', cfg.buffers.inputWords, 'Input buffer words per slot.'],
    ['CFG_WEIGHT_WORDS', cfg.buffers.weightWords, 'Weight buffer kernel positions per slot.'],
    ['CFG_ACC_WORDS', cfg.buffers.accWords, 'Accumulator buffer pixels.'],
    ['CFG_MAX_BURST', cfg.memory.maxBurst, 'Longest burst, in beats.'],
    ['CFG_DESC_BYTES', DESC_BYTES, 'Bytes per task descriptor.'],
    ['CFG_TRACE_BYTES', traceRecordBytes(cfg), 'Bytes per trace record.'],
  ];
  constants.forEach(([name, value, doc], i) => {
    regs.push({ name, offset: CONFIG_BLOCK_OFFSET + 4 * i, access: 'ro', doc, constant: value >>> 0 });
  });
  return { addrBits: 12, registers: regs };
}

/** The register map and the trace record as JSON (the hardware-side `source`s left out). */
export function registerMapJson(map: RegisterMap): string {
  const field = ({ source: _source, ...f }: RegField) => f;
  return JSON.stringify(
    {
      addrBits: map.addrBits,
      registers: map.registers.map(({ source: _source, fields, ...rest }) => ({
        ...rest,
        offset: hex(rest.offset, 3),
        ...(fields ? { fields: fields.map(field) } : {}),
        ...(rest.constant !== undefined ? { constant: hex(rest.constant, 8) } : {}),
      })),
      traceRecord: TRACE_FIELDS.map((f) => ({ name: f.name, offset: traceFieldOffset(f.name), bytes: TRACE_WORD_BYTES, doc: f.doc })),
    },
    null,
    2,
  ) + '\n';
}

const ACCESS_DOC: Record<FieldAccess, string> = { rw: 'rw', ro: 'ro', pulse: 'pulse (write 1)', w1c: 'w1c (write 1 to clear)' };

export function registerMapMarkdown(map: RegisterMap, title: string, header: readonly string[] = []): string {
  const lines = [
    ...header.map((h) => `<!-- ${h} -->`),
    `# ${title} register map`, '', 'AXI4-Lite, 32-bit registers.', '', '| offset | name | access | description |', '| --- | --- | --- | --- |',
  ];
  for (const r of map.registers) {
    const value = r.constant !== undefined ? ` (value ${hex(r.constant, 8)})` : '';
    lines.push(`| ${hex(r.offset, 3)} | ${r.name} | ${r.access} | ${r.doc}${value} |`);
    for (const f of r.fields ?? []) {
      const values = (f.values ?? []).map((v) => `; ${v.value} ${v.name}: ${v.doc}`).join('');
      lines.push(`| | ${r.name}.${f.name} ${bitRange(f)} | ${ACCESS_DOC[f.access]} | ${f.doc}${values} |`);
    }
  }
  lines.push('', '## Trace record', '', 'One record per completed task at TRACE_BASE + n * CFG_TRACE_BYTES, in completion order; little-endian 32-bit words.', '', '| offset | field | description |', '| --- | --- | --- |');
  for (const f of TRACE_FIELDS) lines.push(`| ${traceFieldOffset(f.name)} | ${f.name} | ${f.doc} |`);
  return lines.join('\n') + '\n';
}

export function registerMapCHeader(map: RegisterMap, guard: string, header: readonly string[] = []): string {
  const lines = [...header.map((h) => `/* ${h} */`), `#ifndef ${guard}`, `#define ${guard}`, ''];
  for (const r of map.registers) {
    lines.push(`#define SF_REG_${r.name} ${hex(r.offset, 3)}u /* ${r.doc.replace(/\*\//g, '')} */`);
    for (const f of r.fields ?? []) {
      lines.push(`#define SF_${r.name}_${f.name}_LSB ${f.lsb}u /* ${ACCESS_DOC[f.access]} */`);
      lines.push(`#define SF_${r.name}_${f.name}_MASK ${hex((2 ** f.width - 1) * 2 ** f.lsb, 8)}u`);
      for (const v of f.values ?? []) lines.push(`#define SF_${r.name}_${f.name}_${v.name} ${v.value}u /* ${v.doc.replace(/\*\//g, '')} */`);
    }
    if (r.constant !== undefined) lines.push(`#define SF_${r.name}_VALUE ${hex(r.constant, 8)}u`);
  }
  lines.push('', '/* Trace record: byte offsets of its 32-bit fields. */');
  for (const f of TRACE_FIELDS) lines.push(`#define SF_TRACE_${f.name}_OFFSET ${traceFieldOffset(f.name)}u /* ${f.doc} */`);
  lines.push('', `#endif /* ${guard} */`, '');
  return lines.join('\n');
}

function bitRange(f: RegField): string {
  return f.width === 1 ? `[${f.lsb}]` : `[${f.lsb + f.width - 1}:${f.lsb}]`;
}

function hex(v: number, digits: number): string {
  return '0x' + v.toString(16).padStart(digits, '0');
}

/** Register offsets and field positions as Verilog localparams, for testbenches (`include "sf_regs.vh"). */
export function registerMapVerilogHeader(map: RegisterMap, header: readonly string[] = []): string {
  const lines = [...header.map((h) => `// ${h}`), '// SynergyFlow register offsets and fields, generated from the register map.'];
  for (const r of map.registers) {
    lines.push(`localparam [11:0] SF_REG_${r.name} = 12'h${r.offset.toString(16).padStart(3, '0')};`);
    if (r.constant !== undefined) lines.push(`localparam [31:0] SF_${r.name}_VALUE = 32'h${r.constant.toString(16).padStart(8, '0')};`);
    for (const f of r.fields ?? []) {
      lines.push(`localparam integer SF_${r.name}_${f.name}_LSB = ${f.lsb};`);
      lines.push(`localparam integer SF_${r.name}_${f.name}_WIDTH = ${f.width};`);
      for (const v of f.values ?? []) lines.push(`localparam integer SF_${r.name}_${f.name}_${v.name} = ${v.value};`);
    }
  }
  lines.push(`localparam [11:0] SF_ENG_COUNTERS = 12'h${ENGINE_COUNTERS_OFFSET.toString(16).padStart(3, '0')};`);
  lines.push(`localparam integer SF_ENG_STRIDE = ${ENGINE_COUNTERS_STRIDE};`);
  lines.push(`localparam [11:0] SF_CH_COUNTERS = 12'h${CHANNEL_COUNTERS_OFFSET.toString(16).padStart(3, '0')};`);
  lines.push(`localparam integer SF_CH_STRIDE = ${CHANNEL_COUNTERS_STRIDE};`);
  return lines.join('\n') + '\n';
}
