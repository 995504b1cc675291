// The AXI4-Lite register map: one table from which the CSR RTL, the JSON/markdown/C register
// documentation and the testbench's host driver are all generated, so they cannot drift apart.
import type { ResolvedConfig } from '../config/resolve.ts';
import { DESC_BYTES } from './descriptor.ts';
import { FAULT_CODES } from './faults.ts';

export const REGMAP_VERSION = 1;
export const CONFIG_MAGIC = 0x53464c57; // "SFLW"

export type Access = 'rw' | 'ro' | 'wo';

export interface RegField {
  name: string;
  lsb: number;
  width: number;
  doc: string;
  /** Named values of an enumerated field (documented, and defined in the C header). */
  values?: { value: number; name: string; doc: string }[];
}

export interface Register {
  name: string;
  offset: number;
  access: Access;
  doc: string;
  fields?: RegField[];
  /** Verilog expression the CSR returns on a read (internal signal names of sf_csr). */
  readExpr?: string;
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

export const POLICIES = ['monolithic', 'static', 'elastic'] as const;
export type Policy = (typeof POLICIES)[number];

/** Totals are sums of the channel counters, formed when read (no register of their own). */
function channelSum(counters: string, channels: number): string {
  return Array.from({ length: channels }, (_, c) => `${counters}[${c * 32 + 31}:${c * 32}]`).join(' + ');
}

export function traceRecordBytes(cfg: ResolvedConfig): number {
  return Math.max(16, cfg.busBytes);
}

export function buildRegisterMap(cfg: ResolvedConfig): RegisterMap {
  const regs: Register[] = [
    {
      name: 'CTRL',
      offset: 0x000,
      access: 'rw',
      doc: 'Control. Writing START=1 while idle starts a run of the task list at TASK_BASE.',
      fields: [
        { name: 'START', lsb: 0, width: 1, doc: 'write 1 to start (reads as 0)' },
        { name: 'IRQ_EN', lsb: 1, width: 1, doc: 'raise irq_o while STATUS.DONE is set' },
        {
          name: 'POLICY', lsb: 8, width: 2, doc: 'scheduling policy (3 reads back as written and runs as elastic)',
          values: [
            { value: 0, name: 'MONOLITHIC', doc: 'all engines on one task, in program order' },
            { value: 1, name: 'STATIC', doc: 'fixed groups of 2^STATIC_LOG engines' },
            { value: 2, name: 'ELASTIC', doc: 'engines per task from its demand' },
          ],
        },
        { name: 'STATIC_LOG', lsb: 12, width: 3, doc: 'log2 of the group size under the static policy' },
      ],
      readExpr: "{17'd0, static_log_q, 2'd0, policy_q, 6'd0, irq_en_q, 1'b0}",
    },
    {
      name: 'STATUS',
      offset: 0x004,
      access: 'rw',
      doc: 'Status. DONE and ERROR are sticky until the next start or until 1 is written to DONE.',
      fields: [
        { name: 'BUSY', lsb: 0, width: 1, doc: 'a run is in progress' },
        { name: 'DONE', lsb: 1, width: 1, doc: 'the last run finished (write 1 to clear)' },
        { name: 'ERROR', lsb: 2, width: 1, doc: 'the last run stopped on an error' },
        {
          name: 'ERROR_CODE', lsb: 8, width: 8, doc: 'why the last run stopped (0: it did not fail); the first fault wins',
          values: FAULT_CODES.map((f) => ({ value: f.code, name: f.name, doc: f.doc })),
        },
      ],
      readExpr: "{16'd0, error_code_i, 5'd0, error_code_i != 8'd0, done_q, busy_i}",
    },
    { name: 'TASK_BASE', offset: 0x008, access: 'rw', doc: `Byte address of the first task descriptor (a multiple of ${DESC_BYTES}: the low bits read as 0).`, readExpr: 'task_base_q' },
    { name: 'TRACE_BASE', offset: 0x00c, access: 'rw', doc: `Byte address of the trace buffer (0: no trace; a multiple of ${traceRecordBytes(cfg)}: the low bits read as 0).`, readExpr: 'trace_base_q' },
    { name: 'TASKS_DONE', offset: 0x010, access: 'ro', doc: 'Tasks completed in the current or last run.', readExpr: 'tasks_done_i' },
    { name: 'CYCLES_LO', offset: 0x014, access: 'ro', doc: 'Cycles of the current or last run, low word.', readExpr: 'cycles_q[31:0]' },
    { name: 'CYCLES_HI', offset: 0x018, access: 'ro', doc: 'Cycles of the current or last run, high word.', readExpr: 'cycles_q[63:32]' },
    { name: 'RD_BEATS', offset: 0x01c, access: 'ro', doc: 'Read data beats on all memory channels during the run.', readExpr: channelSum('ch_rd_beats_q', cfg.memory.channels) },
    { name: 'WR_BEATS', offset: 0x020, access: 'ro', doc: 'Write data beats on all memory channels during the run.', readExpr: channelSum('ch_wr_beats_q', cfg.memory.channels) },
  ];
  for (let e = 0; e < cfg.engines; e++) {
    const base = ENGINE_COUNTERS_OFFSET + e * ENGINE_COUNTERS_STRIDE;
    regs.push(
      { name: `ENG${e}_BUSY`, offset: base, access: 'ro', doc: `Cycles engine ${e} held a task.`, readExpr: `eng_busy_cycles_q[${e * 32 + 31}:${e * 32}]` },
      { name: `ENG${e}_COMPUTE`, offset: base + 4, access: 'ro', doc: `Cycles engine ${e}'s PE array was computing.`, readExpr: `eng_compute_cycles_q[${e * 32 + 31}:${e * 32}]` },
      // Busy minus compute cycles, formed when read (an engine computes only while busy).
      { name: `ENG${e}_STALL`, offset: base + 8, access: 'ro', doc: `Cycles engine ${e} held a task but was not computing (waiting for data, its group or its writer).`, readExpr: `eng_busy_cycles_q[${e * 32 + 31}:${e * 32}] - eng_compute_cycles_q[${e * 32 + 31}:${e * 32}]` },
    );
  }
  for (let c = 0; c < cfg.memory.channels; c++) {
    const base = CHANNEL_COUNTERS_OFFSET + c * CHANNEL_COUNTERS_STRIDE;
    regs.push(
      { name: `CH${c}_RD_BEATS`, offset: base, access: 'ro', doc: `Read data beats on memory channel ${c} during the run.`, readExpr: `ch_rd_beats_q[${c * 32 + 31}:${c * 32}]` },
      { name: `CH${c}_WR_BEATS`, offset: base + 4, access: 'ro', doc: `Write data beats on memory channel ${c} during the run.`, readExpr: `ch_wr_beats_q[${c * 32 + 31}:${c * 32}]` },
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

export function registerMapJson(map: RegisterMap): string {
  return JSON.stringify(
    {
      addrBits: map.addrBits,
      registers: map.registers.map(({ readExpr: _readExpr, ...rest }) => ({
        ...rest,
        offset: hex(rest.offset, 3),
        ...(rest.constant !== undefined ? { constant: hex(rest.constant, 8) } : {}),
      })),
    },
    null,
    2,
  ) + '\n';
}

export function registerMapMarkdown(map: RegisterMap, title: string): string {
  const lines = [`# ${title} register map`, '', 'AXI4-Lite, 32-bit registers.', '', '| offset | name | access | description |', '| --- | --- | --- | --- |'];
  for (const r of map.registers) {
    const value = r.constant !== undefined ? ` (value ${hex(r.constant, 8)})` : '';
    lines.push(`| ${hex(r.offset, 3)} | ${r.name} | ${r.access} | ${r.doc}${value} |`);
    for (const f of r.fields ?? []) {
      const bits = f.width === 1 ? `[${f.lsb}]` : `[${f.lsb + f.width - 1}:${f.lsb}]`;
      const values = (f.values ?? []).map((v) => `; ${v.value} ${v.name}: ${v.doc}`).join('');
      lines.push(`| | ${r.name}.${f.name} ${bits} | | ${f.doc}${values} |`);
    }
  }
  return lines.join('\n') + '\n';
}

export function registerMapCHeader(map: RegisterMap, guard: string): string {
  const lines = [`#ifndef ${guard}`, `#define ${guard}`, ''];
  for (const r of map.registers) {
    lines.push(`#define SF_REG_${r.name} ${hex(r.offset, 3)}u /* ${r.doc.replace(/\*\//g, '')} */`);
    for (const f of r.fields ?? []) {
      lines.push(`#define SF_${r.name}_${f.name}_LSB ${f.lsb}u`);
      lines.push(`#define SF_${r.name}_${f.name}_MASK ${hex((2 ** f.width - 1) * 2 ** f.lsb, 8)}u`);
      for (const v of f.values ?? []) lines.push(`#define SF_${r.name}_${f.name}_${v.name} ${v.value}u /* ${v.doc.replace(/\*\//g, '')} */`);
    }
    if (r.constant !== undefined) lines.push(`#define SF_${r.name}_VALUE ${hex(r.constant, 8)}u`);
  }
  lines.push('', `#endif /* ${guard} */`, '');
  return lines.join('\n');
}

function hex(v: number, digits: number): string {
  return '0x' + v.toString(16).padStart(digits, '0');
}

/** Register offsets as Verilog localparams, for testbenches (`include "sf_regs.vh"). */
export function registerMapVerilogHeader(map: RegisterMap): string {
  const lines = ['// SynergyFlow register offsets, generated from the register map. Do not edit.'];
  for (const r of map.registers) {
    lines.push(`localparam [11:0] SF_REG_${r.name} = 12'h${r.offset.toString(16).padStart(3, '0')};`);
    if (r.constant !== undefined) lines.push(`localparam [31:0] SF_${r.name}_VALUE = 32'h${r.constant.toString(16).padStart(8, '0')};`);
    for (const f of r.fields ?? []) {
      for (const v of f.values ?? []) lines.push(`localparam integer SF_${r.name}_${f.name}_${v.name} = ${v.value};`);
    }
  }
  lines.push(`localparam [11:0] SF_ENG_COUNTERS = 12'h${ENGINE_COUNTERS_OFFSET.toString(16).padStart(3, '0')};`);
  lines.push(`localparam integer SF_ENG_STRIDE = ${ENGINE_COUNTERS_STRIDE};`);
  lines.push(`localparam [11:0] SF_CH_COUNTERS = 12'h${CHANNEL_COUNTERS_OFFSET.toString(16).padStart(3, '0')};`);
  lines.push(`localparam integer SF_CH_STRIDE = ${CHANNEL_COUNTERS_STRIDE};`);
  return lines.join('\n') + '\n';
}
