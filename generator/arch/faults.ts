// The hardware's fault codes (STATUS.ERROR_CODE): one table from which the controller's
// localparams, the register map documentation (JSON, markdown, C and Verilog headers) and the
// host's decoding of a failed run are all generated.

import { pascalCase } from '../dsl/names.ts';

export interface FaultCode {
  code: number;
  /** Upper-case name: SF_STATUS_ERROR_CODE_<name> in C, Err<Pascal> in the controller. */
  name: string;
  /** What happened, for people reading the register map or a failed run's message. */
  doc: string;
}

export const FAULT_CODES: readonly FaultCode[] = [
  { code: 1, name: 'BAD_OPCODE', doc: 'a task descriptor with an opcode other than END (0) or LAYER (1)' },
  {
    code: 2,
    name: 'BAD_DESCRIPTOR',
    doc: 'a layer descriptor with a field out of range: no m-blocks, c-blocks, pixels, kernel positions, weight beats, output rows, columns or c-blocks; a tile larger than the buffers; a loop field wider than the hardware keeps; a dependency counter beyond the controller\'s',
  },
  {
    code: 3,
    name: 'BUS_ERROR',
    doc: 'a memory access answered with SLVERR or DECERR, or a read burst of the wrong length: fetching the task list, an engine loading or writing, or the trace unit writing. The tasks running stop and the run ends',
  },
  { code: 4, name: 'DEADLOCK', doc: 'nothing runs, nothing more can be fetched, and no task in the window can start' },
];

export function faultName(code: number): string | undefined {
  return FAULT_CODES.find((f) => f.code === code)?.name;
}

/** "bus error (3): a memory access answered ..." for a failed run's message. */
export function describeFault(code: number): string {
  const fault = FAULT_CODES.find((f) => f.code === code);
  if (!fault) return `unknown error code ${code} (not in this generator's fault table)`;
  return `${fault.name.toLowerCase().replace(/_/g, ' ')} (code ${code}): ${fault.doc}`;
}

/** Controller localparam name of a fault code (ErrBadOpcode). */
export function faultParamName(fault: FaultCode): string {
  return 'Err' + pascalCase(fault.name);
}
