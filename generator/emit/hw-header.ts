// sf_hw.h: the C side of every hardware/software contract, generated from the same tables the
// RTL is generated from: the register map (arch/regmap.ts: offsets, fields as shift/width/mask,
// enumerated values, the configuration block's constants, the per-engine and per-channel counter
// blocks), the task descriptor (arch/descriptor.ts), the trace record (arch/trace-record.ts), the
// fault codes (arch/faults.ts) and the policies (arch/policies.ts). The C driver (sw/) includes
// it and defines no contract constant of its own. Macros that sf_regs.h also defines are
// defined identically, so a program may include both.
import { DESC_BYTES, DESC_WORDS, descriptorFields, OPCODE_END, OPCODE_LAYER } from '../arch/descriptor.ts';
import { FAULT_CODES } from '../arch/faults.ts';
import { POLICY_TABLE } from '../arch/policies.ts';
import {
  CHANNEL_COUNTERS_OFFSET, CHANNEL_COUNTERS_STRIDE, ENGINE_COUNTERS_OFFSET, ENGINE_COUNTERS_STRIDE, REGMAP_VERSION,
  traceRecordBytes, type RegisterMap,
} from '../arch/regmap.ts';
import { TRACE_FIELD_BYTES, TRACE_FIELDS, TRACE_WORD_BYTES, traceFieldOffset } from '../arch/trace-record.ts';
import type { ResolvedConfig } from '../config/resolve.ts';

const hex = (v: number, digits = 8) => '0x' + (v >>> 0).toString(16).padStart(digits, '0');
/** A comment's text: no comment terminator, one line. */
const comment = (text: string) => text.replace(/\*\//g, '* /').replace(/\s+/g, ' ');
/** A C string literal (the docs are ASCII). */
const cString = (text: string) => JSON.stringify(text);
const mask = (lsb: number, width: number) => hex(width >= 32 ? 0xffffffff : (2 ** width - 1) * 2 ** lsb);

export function hwCHeader(map: RegisterMap, cfg: ResolvedConfig, header: readonly string[] = []): string {
  const out: string[] = [...header.map((h) => `/* ${h} */`), '#ifndef SF_HW_H', '#define SF_HW_H', ''];
  const section = (title: string) => out.push('', `/* ---- ${title} ---- */`, '');
  out.push(
    `/* SynergyFlow hardware contract of the ${cfg.name} configuration: registers, task descriptor, trace`,
    ' * record, fault codes and policies, generated from the tables the RTL is generated from. */',
    '',
    `#define SF_HW_REGMAP_VERSION ${REGMAP_VERSION}u`,
    `#define SF_HW_CONFIG_NAME ${cString(cfg.name)}`,
    `#define SF_HW_CONFIG_HASH ${cString(cfg.hash)}`,
    '',
    '/* A field of a 32-bit word: SF_GET(word, SF_CTRL_POLICY), SF_PUT(SF_CTRL_POLICY, value). */',
    '#define SF_GET(word, FIELD) (((word) & FIELD##_MASK) >> FIELD##_SHIFT)',
    '#define SF_PUT(FIELD, value) ((((uint32_t)(value)) << FIELD##_SHIFT) & FIELD##_MASK)',
  );

  section('Registers (AXI4-Lite, 32-bit, byte offsets)');
  out.push(`#define SF_REG_SPACE_BYTES ${hex(2 ** map.addrBits, 4)}u`);
  for (const r of map.registers) {
    out.push(`#define SF_REG_${r.name} ${hex(r.offset, 3)}u /* ${comment(r.doc)} */`);
    for (const f of r.fields ?? []) {
      out.push(`#define SF_${r.name}_${f.name}_LSB ${f.lsb}u /* ${f.access} */`);
      out.push(`#define SF_${r.name}_${f.name}_SHIFT ${f.lsb}u`);
      out.push(`#define SF_${r.name}_${f.name}_WIDTH ${f.width}u`);
      out.push(`#define SF_${r.name}_${f.name}_MASK ${mask(f.lsb, f.width)}u`);
      for (const v of f.values ?? []) out.push(`#define SF_${r.name}_${f.name}_${v.name} ${v.value}u /* ${comment(v.doc)} */`);
    }
    if (r.constant !== undefined) out.push(`#define SF_${r.name}_VALUE ${hex(r.constant)}u`);
  }

  // The counter blocks repeat per engine and per channel: their layout, from engine 0's and
  // channel 0's registers in the map.
  section('Per-engine and per-channel counter blocks');
  out.push(`#define SF_ENG_COUNTERS_OFFSET ${hex(ENGINE_COUNTERS_OFFSET, 3)}u`, `#define SF_ENG_COUNTERS_STRIDE ${hex(ENGINE_COUNTERS_STRIDE, 2)}u`);
  for (const r of map.registers) {
    const m = /^ENG0_(\w+)$/.exec(r.name);
    if (m) out.push(`#define SF_ENG_${m[1]}_OFFSET ${hex(r.offset - ENGINE_COUNTERS_OFFSET, 2)}u`, `#define SF_REG_ENG_${m[1]}(e) (SF_ENG_COUNTERS_OFFSET + (uint32_t)(e) * SF_ENG_COUNTERS_STRIDE + SF_ENG_${m[1]}_OFFSET)`);
  }
  out.push(`#define SF_CH_COUNTERS_OFFSET ${hex(CHANNEL_COUNTERS_OFFSET, 3)}u`, `#define SF_CH_COUNTERS_STRIDE ${hex(CHANNEL_COUNTERS_STRIDE, 2)}u`);
  for (const r of map.registers) {
    const m = /^CH0_(\w+)$/.exec(r.name);
    if (m) out.push(`#define SF_CH_${m[1]}_OFFSET ${hex(r.offset - CHANNEL_COUNTERS_OFFSET, 2)}u`, `#define SF_REG_CH_${m[1]}(c) (SF_CH_COUNTERS_OFFSET + (uint32_t)(c) * SF_CH_COUNTERS_STRIDE + SF_CH_${m[1]}_OFFSET)`);
  }

  section('Fault codes (STATUS.ERROR_CODE; 0: no fault)');
  for (const f of FAULT_CODES) out.push(`#define SF_FAULT_${f.name} ${f.code}u /* ${comment(f.doc)} */`);
  out.push('/* X(code, NAME, "doc") for every fault code. */', '#define SF_FAULT_CODES(X) \\');
  for (const f of FAULT_CODES) out.push(`  X(${f.code}u, ${f.name}, ${cString(f.doc)}) \\`);
  out.push('  /* end */');

  section('Policies (CTRL.POLICY)');
  for (const p of POLICY_TABLE) out.push(`#define SF_POLICY_${p.name.toUpperCase()} ${p.code}u /* ${comment(p.doc)} */`);
  out.push('/* X(code, NAME, "name", "doc") for every policy. */', '#define SF_POLICIES(X) \\');
  for (const p of POLICY_TABLE) out.push(`  X(${p.code}u, ${p.name.toUpperCase()}, ${cString(p.name)}, ${cString(p.doc)}) \\`);
  out.push('  /* end */');

  section('Task descriptor (little-endian 32-bit words)');
  out.push(`#define SF_DESC_WORDS ${DESC_WORDS}u`, `#define SF_DESC_BYTES ${DESC_BYTES}u`, `#define SF_DESC_OPCODE_END ${OPCODE_END}u`, `#define SF_DESC_OPCODE_LAYER ${OPCODE_LAYER}u`);
  for (const f of descriptorFields) {
    const name = `SF_DESC_${f.name.toUpperCase()}`;
    out.push(
      `#define ${name}_WORD ${f.word}u /* ${comment(f.doc)} */`,
      `#define ${name}_SHIFT ${f.lsb}u`,
      `#define ${name}_WIDTH ${f.width}u`,
      `#define ${name}_MASK ${mask(f.lsb, f.width)}u`,
    );
  }
  out.push('/* X(NAME, word, shift, width) for every descriptor field. */', '#define SF_DESC_FIELDS(X) \\');
  for (const f of descriptorFields) out.push(`  X(${f.name.toUpperCase()}, ${f.word}u, ${f.lsb}u, ${f.width}u) \\`);
  out.push('  /* end */');

  section('Trace record (one per completed task at TRACE_BASE + n * SF_TRACE_RECORD_BYTES)');
  out.push(`#define SF_TRACE_WORD_BYTES ${TRACE_WORD_BYTES}u`, `#define SF_TRACE_FIELD_BYTES ${TRACE_FIELD_BYTES}u`, `#define SF_TRACE_RECORD_BYTES ${traceRecordBytes(cfg)}u`);
  for (const f of TRACE_FIELDS) out.push(`#define SF_TRACE_${f.name}_OFFSET ${traceFieldOffset(f.name)}u /* ${comment(f.doc)} */`);
  out.push('/* X(NAME, offset) for every trace field. */', '#define SF_TRACE_FIELDS(X) \\');
  for (const f of TRACE_FIELDS) out.push(`  X(${f.name}, ${traceFieldOffset(f.name)}u) \\`);
  out.push('  /* end */');

  out.push('', '#endif /* SF_HW_H */', '');
  return out.join('\n');
}
