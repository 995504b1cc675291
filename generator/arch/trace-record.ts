// The trace record the controller writes to TRACE_BASE for each completed task: one table from
// which the controller's record packing, the host's decoder and the register map documentation
// (JSON, markdown, C header) are generated. Each field is one 32-bit little-endian word; a record
// is padded to CFG_TRACE_BYTES (at least 16 bytes, a whole number of bus beats).

export interface TraceField {
  /** Upper-case name: SF_TRACE_<NAME>_OFFSET in C, trace_<name> in the controller. */
  name: string;
  doc: string;
}

export const TRACE_FIELDS = [
  { name: 'TASK', doc: 'index of the task in the task list' },
  { name: 'ENGINE_MASK', doc: 'the engines that ran it (bit e: engine e)' },
  { name: 'START_CYCLE', doc: 'cycle of the run (CYCLES_LO) at which it started' },
  { name: 'END_CYCLE', doc: 'cycle of the run at which it completed' },
] as const satisfies readonly TraceField[];

export type TraceFieldName = (typeof TRACE_FIELDS)[number]['name'];

export const TRACE_WORD_BYTES = 4;
/** Bytes of a record's fields (the record itself may be padded to a bus beat). */
export const TRACE_FIELD_BYTES = TRACE_FIELDS.length * TRACE_WORD_BYTES;

export function traceFieldOffset(name: TraceFieldName): number {
  return TRACE_FIELDS.findIndex((f) => f.name === name) * TRACE_WORD_BYTES;
}

/** A record's fields, read with `readU32(byteOffset)` from the record's first byte. */
export function decodeTraceRecord(readU32: (offset: number) => number): Record<TraceFieldName, number> {
  return Object.fromEntries(TRACE_FIELDS.map((f, i) => [f.name, readU32(i * TRACE_WORD_BYTES)])) as Record<TraceFieldName, number>;
}

/** The top-level wire carrying a field (trace_engine_mask); the controller drives it from `<wire>_o`. */
export function traceSignalName(field: TraceField): string {
  return `trace_${field.name.toLowerCase()}`;
}

/** The trace unit's input port of a field (engine_mask_i). */
export function traceUnitPort(field: TraceField): string {
  return `${field.name.toLowerCase()}_i`;
}
