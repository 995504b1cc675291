// Fault injection in the testbench memory (tb/sf_axi_mem.v): address ranges whose reads or
// writes are answered with SLVERR or DECERR, and a share of bursts failed at random (from the
// run's seed). Used to test that every bus error ends the run with an error code.
import { InputError } from '../errors.ts';

export type FaultResponse = 'slverr' | 'decerr';

export interface FaultRange {
  access: 'read' | 'write';
  /** Byte addresses, lo inclusive, hi exclusive. */
  lo: number;
  hi: number;
  response: FaultResponse;
}

export interface FaultInjection {
  ranges: FaultRange[];
  /** Read and write bursts (per thousand) answered with SLVERR at random. */
  readPerMille: number;
  writePerMille: number;
}

/** Ranges the memory model holds (MAX_FAULTS in sf_axi_mem.v). */
export const MAX_FAULT_RANGES = 8;
const RESPONSE_CODE: Record<FaultResponse, number> = { slverr: 2, decerr: 3 };

export const NO_FAULTS: FaultInjection = { ranges: [], readPerMille: 0, writePerMille: 0 };

export function hasFaults(f: FaultInjection): boolean {
  return f.ranges.length > 0 || f.readPerMille > 0 || f.writePerMille > 0;
}

/** The +faults= file: one "r|w LO HI RESP" line per range (decimal). */
export function faultFileText(f: FaultInjection): string {
  return f.ranges.map((r) => `${r.access === 'read' ? 'r' : 'w'} ${r.lo} ${r.hi} ${RESPONSE_CODE[r.response]}\n`).join('');
}

/**
 * Parses a command-line range, "read|write:LO-HI[:slverr|decerr]" (addresses decimal or 0x hex,
 * HI exclusive; default SLVERR).
 */
export function parseFaultRange(spec: string): FaultRange {
  const m = /^(read|write):(0x[0-9a-fA-F]+|\d+)-(0x[0-9a-fA-F]+|\d+)(?::(slverr|decerr))?$/.exec(spec);
  const bad = (found: string) =>
    new InputError([{ file: 'command line', field: '--fault', expected: 'read|write:LO-HI[:slverr|decerr] with byte addresses LO < HI below 2^32 (decimal or 0x hex)', found }]);
  if (!m) throw bad(JSON.stringify(spec));
  const lo = Number(m[2]);
  const hi = Number(m[3]);
  if (!(lo < hi) || hi > 2 ** 32) throw bad(`${JSON.stringify(spec)} (range ${lo} to ${hi})`);
  return { access: m[1] as FaultRange['access'], lo, hi, response: (m[4] as FaultResponse | undefined) ?? 'slverr' };
}

export function checkFaultInjection(f: FaultInjection): void {
  const problems = [];
  if (f.ranges.length > MAX_FAULT_RANGES) {
    problems.push({ file: 'command line', field: '--fault', expected: `at most ${MAX_FAULT_RANGES} ranges (what the memory model holds)`, found: `${f.ranges.length}` });
  }
  for (const [field, value] of [['--fault-read-permille', f.readPerMille], ['--fault-write-permille', f.writePerMille]] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 1000) problems.push({ file: 'command line', field, expected: 'an integer from 0 to 1000', found: String(value) });
  }
  if (problems.length > 0) throw new InputError(problems);
}
