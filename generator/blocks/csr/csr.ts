// The CSR block's storage, write decode, strobes and read-back, derived from the register map
// table (regmap.ts) for sf_csr's template: a field added to the table is stored, written and
// read back without touching the template.
import { pascalCase as pascal } from '../../dsl/names.ts';
import type { ReadSource, RegField, Register, RegisterMap } from '../../arch/regmap.ts';

export interface CsrContext {
  regOffsets: { pascal: string; hex: string }[];
  /** Flip-flops of rw and w1c fields, reset to 0. */
  storage: { name: string; msb: number }[];
  /** Per register with rw fields: the slices of the write data each field takes. */
  writes: { pascal: string; fields: { name: string; bits: string }[] }[];
  /** One-cycle strobes of pulse and w1c fields: a full-word write with the field's bit set. */
  strobes: { name: string; pascal: string; bit: number }[];
  /** Write-data bits no field takes, as [msb, lsb] ranges (read into an unused signal). */
  unusedWdata: { msb: number; lsb: number }[];
  readRegs: { pascal: string; expr: string }[];
}

/** sf_csr's flip-flop of a stored field (ctrl_policy_q). */
export function fieldStorageName(reg: Register, field: RegField): string {
  return `${reg.name}_${field.name}_q`.toLowerCase();
}

/** sf_csr's strobe of a pulse or w1c field (ctrl_start_write). */
export function fieldStrobeName(reg: Register, field: RegField): string {
  return `${reg.name}_${field.name}_write`.toLowerCase();
}

function word(signal: string, w: number): string {
  return `${signal}[${w * 32 + 31}:${w * 32}]`;
}

function sourceExpr(source: ReadSource): string {
  switch (source.kind) {
    case 'input':
      return source.signal;
    case 'nonzero':
      return `(${source.signal} != '0)`;
    case 'word':
      return word(source.signal, source.word);
    case 'sum':
      return Array.from({ length: source.words }, (_, w) => word(source.signal, w)).join(' + ');
    case 'difference':
      return `${word(source.signal, source.word)} - ${word(source.minus, source.word)}`;
  }
}

/** What a register reads: its fields by position with zeros between them, its source or its constant. */
function readExpr(reg: Register): string {
  if (reg.constant !== undefined) return `32'h${reg.constant.toString(16).padStart(8, '0')}`;
  if (reg.source) return sourceExpr(reg.source);
  const fields = [...(reg.fields ?? [])].sort((a, b) => b.lsb - a.lsb);
  const parts: string[] = [];
  let next = 31;
  for (const f of fields) {
    const msb = f.lsb + f.width - 1;
    if (msb < next) parts.push(`${next - msb}'d0`);
    if (f.access === 'pulse') parts.push(`${f.width}'d0`);
    else if (f.access === 'ro') parts.push(sourceExpr(f.source!));
    else parts.push(fieldStorageName(reg, f));
    next = f.lsb - 1;
  }
  if (next >= 0) parts.push(`${next + 1}'d0`);
  return parts.length === 1 ? parts[0] : `{${parts.join(', ')}}`;
}

export function csrContext(map: RegisterMap): CsrContext {
  const storage: CsrContext['storage'] = [];
  const writes: CsrContext['writes'] = [];
  const strobes: CsrContext['strobes'] = [];
  const written = new Array<boolean>(32).fill(false);
  for (const reg of map.registers) {
    const stored: CsrContext['writes'][number]['fields'] = [];
    for (const f of reg.fields ?? []) {
      if (f.access === 'ro' && !f.source) throw new Error(`register ${reg.name}: read-only field ${f.name} has no source`);
      if (f.access === 'rw' || f.access === 'w1c') storage.push({ name: fieldStorageName(reg, f), msb: f.width - 1 });
      if (f.access === 'rw') stored.push({ name: fieldStorageName(reg, f), bits: f.width === 1 ? `${f.lsb}` : `${f.lsb + f.width - 1}:${f.lsb}` });
      if (f.access === 'pulse' || f.access === 'w1c') {
        if (f.width !== 1) throw new Error(`register ${reg.name}: ${f.access} field ${f.name} must be one bit`);
        strobes.push({ name: fieldStrobeName(reg, f), pascal: pascal(reg.name), bit: f.lsb });
      }
      if (f.access !== 'ro') for (let b = f.lsb; b < f.lsb + f.width; b++) written[b] = true;
    }
    if (stored.length > 0) writes.push({ pascal: pascal(reg.name), fields: stored });
  }
  const unusedWdata: CsrContext['unusedWdata'] = [];
  for (let b = 31; b >= 0; b--) {
    if (written[b]) continue;
    const last = unusedWdata[unusedWdata.length - 1];
    if (last && last.lsb === b + 1) last.lsb = b;
    else unusedWdata.push({ msb: b, lsb: b });
  }
  return {
    regOffsets: map.registers.map((r) => ({ pascal: pascal(r.name), hex: r.offset.toString(16).padStart(3, '0') })),
    storage,
    writes,
    strobes,
    unusedWdata,
    readRegs: map.registers.map((r) => ({ pascal: pascal(r.name), expr: readExpr(r) })),
  };
}
