// Checks of the programmatic API's options (generator/index.ts), before any work: the same
// ranges and choices as the command line's options (config/ranges.ts, POLICIES, SIMULATORS),
// which commander checks there. A JavaScript caller, or one that casts, gets an InputError naming
// each bad option (file 'options', the option, what was expected, what was found) instead of a
// run that records a simulator it did not use, or fails after simulating.
import { POLICIES } from './arch/policies.ts';
import { BUDGET_RANGE, BYTES_PER_CYCLE_RANGE, CYCLE_RANGE, ENGINES_RANGE, LATENCY_RANGE, PERMILLE_RANGE, PNR_MODULES, SEED_RANGE, SIMULATORS, STALL_PERCENT_RANGE, SYNTH_TARGETS, TOOL_SOURCES, WAVE_FORMATS } from './config/ranges.ts';
import { InputError, ProblemList } from './errors.ts';

type Range = { readonly min: number; readonly max: number };
type Check = (list: ProblemList, field: string, value: unknown) => void;

const FILE = 'options';

const int = (range: Range): Check => (list, field, value) => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < range.min || value > range.max) {
    list.add(FILE, field, `an integer from ${range.min} to ${range.max}`, value);
  }
};

const choice = (choices: readonly string[]): Check => (list, field, value) => {
  if (typeof value !== 'string' || !choices.includes(value)) list.add(FILE, field, `one of ${choices.join(', ')}`, value);
};

const bool: Check = (list, field, value) => {
  if (typeof value !== 'boolean') list.add(FILE, field, 'true or false', value);
};

const text: Check = (list, field, value) => {
  if (typeof value !== 'string' || value === '') list.add(FILE, field, 'a non-empty string', value);
};

const fn: Check = (list, field, value) => {
  if (typeof value !== 'function') list.add(FILE, field, 'a function', value);
};

const policies: Check = (list, field, value) => {
  if (!Array.isArray(value) || value.length === 0) {
    list.add(FILE, field, `a non-empty array of ${POLICIES.join(', ')}`, value);
    return;
  }
  value.forEach((v, i) => choice(POLICIES)(list, `${field}[${i}]`, v));
};

const FAULT_RANGE_KEYS = ['access', 'lo', 'hi', 'response'];
const faults: Check = (list, field, value) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    list.add(FILE, field, '{ ranges, readPerMille, writePerMille }', value);
    return;
  }
  const f = value as Record<string, unknown>;
  int(PERMILLE_RANGE)(list, `${field}.readPerMille`, f.readPerMille);
  int(PERMILLE_RANGE)(list, `${field}.writePerMille`, f.writePerMille);
  if (!Array.isArray(f.ranges)) {
    list.add(FILE, `${field}.ranges`, 'an array of { access, lo, hi, response }', f.ranges);
    return;
  }
  f.ranges.forEach((r: unknown, i) => {
    const where = `${field}.ranges[${i}]`;
    if (typeof r !== 'object' || r === null || FAULT_RANGE_KEYS.some((k) => !(k in r))) {
      list.add(FILE, where, `{ ${FAULT_RANGE_KEYS.join(', ')} }`, r);
      return;
    }
    const { access, lo, hi, response } = r as Record<string, unknown>;
    choice(['read', 'write'])(list, `${where}.access`, access);
    choice(['slverr', 'decerr'])(list, `${where}.response`, response);
    int({ min: 0, max: 2 ** 32 - 1 })(list, `${where}.lo`, lo);
    if (typeof hi !== 'number' || typeof lo !== 'number' || !Number.isSafeInteger(hi) || !(lo < hi) || hi > 2 ** 32) {
      list.add(FILE, `${where}.hi`, 'an integer above lo, at most 2^32 (exclusive)', hi);
    }
  });
};

/** Every option the API's functions take, with its check. */
const CHECKS = {
  preset: text,
  out: text,
  force: bool,
  workload: text,
  allowLarge: bool,
  policy: choice(POLICIES),
  policies,
  staticGroup: int(ENGINES_RANGE),
  sim: choice(SIMULATORS),
  seed: int(SEED_RANGE),
  latency: int(LATENCY_RANGE),
  bytesPerCycle: int(BYTES_PER_CYCLE_RANGE),
  stallPercent: int(STALL_PERCENT_RANGE),
  budget: int(BUDGET_RANGE),
  faults,
  waves: choice(WAVE_FORMATS),
  wavesFrom: int(CYCLE_RANGE),
  wavesTo: int(CYCLE_RANGE),
  cacheDir: text,
  maxCacheBytes: int({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  target: choice(SYNTH_TARGETS),
  device: text,
  tools: choice(TOOL_SOURCES),
  pnr: bool,
  pnrModule: choice(PNR_MODULES),
  log: fn,
} satisfies Record<string, Check>;

export type CheckedOption = keyof typeof CHECKS;

/**
 * Throws InputError for every option among `fields` that is given (not undefined) and out of its
 * range or choices, and for a required one (`required`) that is missing. Other keys are the
 * caller's business (the config option is checked by its schema).
 */
export function checkOptions(opts: object, fields: readonly CheckedOption[], required: readonly CheckedOption[] = []): void {
  const list = new ProblemList();
  const values = opts as Record<string, unknown>;
  for (const field of required) {
    if (values[field] === undefined) list.addText(FILE, field, 'a value (required)', 'none');
  }
  for (const field of fields) {
    if (values[field] !== undefined) CHECKS[field](list, field, values[field]);
  }
  if (!list.empty) throw new InputError(list.items);
}
