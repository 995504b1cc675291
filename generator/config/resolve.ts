// Validates a config (from a preset or a file) and derives every value the rest of the generator
// needs, so that no other module recomputes a width.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InputError, ProblemList, describeValue } from '../errors.ts';
import { BUS_BITS_RANGE, configSchema, type Config } from './schema.ts';
import { presets, presetNames } from './presets.ts';

export interface ResolvedConfig extends Config {
  /** Width of one memory beat: one vector of tn values. */
  busBits: number;
  busBytes: number;
  /** Products per cycle of the whole accelerator. */
  macs: number;
  /** Short stable hash of the canonical config, carried in every generated file. */
  hash: string;
  /** Where the config came from, for messages and file headers ("preset tiny", "my.json"). */
  source: string;
}

/** Pipeline slots a compute pass needs at least, so an accumulator is never read before written back. */
export const MIN_PIXEL_SLOTS = 2;

/** Hardware limits of a configuration, with the reason each exists. */
export const CONFIG_LIMITS = {
  /** MACs of the whole accelerator: 8 times the paper-sized design (beyond that, generation,
   * lint and the Verilator build take longer than this machine class can give). */
  macs: 16384,
  /** Words counted by the descriptor's 16-bit loop fields (tile pixels, input words, weight
   * beats): every count stays below 2^15. */
  loopWords: 16384,
  /** On-chip buffer bytes of one engine and of the whole accelerator (FPGA block RAM of the
   * largest parts is tens of MiB). */
  engineBufferBytes: 4 * 2 ** 20,
  totalBufferBytes: 32 * 2 ** 20,
} as const;

/** On-chip buffer bytes of one engine: two input slots, the weight banks (two slots and the
 * bias words), the accumulators. */
export function engineBufferBytes(cfg: Config): number {
  const beat = (cfg.pe.tn * cfg.dataBits) / 8;
  return 2 * cfg.buffers.inputWords * beat + cfg.pe.tm * 4 * cfg.buffers.weightWords * beat + cfg.buffers.accWords * cfg.pe.tm * 4;
}

export function loadConfig(opts: { preset?: string; config?: string }): ResolvedConfig {
  if (opts.preset !== undefined && opts.config !== undefined) {
    throw new InputError([
      { file: 'command line', field: '--preset/--config', expected: 'one of them', found: 'both' },
    ]);
  }
  if (opts.config !== undefined) {
    let text: string;
    try {
      text = readFileSync(opts.config, 'utf8');
    } catch (err) {
      throw new InputError([
        { file: opts.config, field: '', expected: 'a readable config file', found: (err as Error).message },
      ]);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new InputError([
        { file: opts.config, field: '', expected: 'valid JSON', found: (err as Error).message },
      ]);
    }
    return resolveConfig(json, opts.config);
  }
  const name = opts.preset ?? 'default';
  const preset = presets[name];
  if (!preset) {
    throw new InputError([
      { file: 'command line', field: '--preset', expected: `one of ${presetNames().join(', ')}`, found: describeValue(name) },
    ]);
  }
  return resolveConfig(preset, `preset ${name}`);
}

/** A config without its "$schema" key (a file names its JSON Schema with it, for editors). */
function withoutSchemaKey(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input) || typeof (input as Record<string, unknown>).$schema !== 'string') return input;
  const { $schema: _schema, ...config } = input as Record<string, unknown>;
  return config;
}

export function resolveConfig(raw: unknown, source: string): ResolvedConfig {
  const input = withoutSchemaKey(raw);
  const problems = new ProblemList();
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) addZodIssue(problems, source, input, issue);
    problems.throwIfAny();
  }
  const cfg = parsed.data as Config;
  checkCrossFields(cfg, source, problems);
  problems.throwIfAny();

  const busBits = cfg.pe.tn * cfg.dataBits;
  const canonical = JSON.stringify(sortKeys(cfg));
  return {
    ...cfg,
    busBits,
    busBytes: busBits / 8,
    macs: cfg.engines * cfg.pe.tn * cfg.pe.tm,
    hash: createHash('sha256').update(canonical).digest('hex').slice(0, 12),
    source,
  };
}

function checkCrossFields(cfg: Config, file: string, problems: ProblemList): void {
  if (cfg.pe.tm % cfg.pe.tn !== 0) {
    problems.add(file, 'pe.tm', `a multiple of pe.tn (${cfg.pe.tn}), since outputs are stored in vectors of tn channels`, cfg.pe.tm);
  }
  if (cfg.pe.postLanes !== undefined && cfg.pe.postLanes > cfg.pe.tn) {
    problems.add(file, 'pe.postLanes', `a divisor of pe.tn (${cfg.pe.tn}): the writer post-processes one vector of tn values in tn / postLanes cycles`, cfg.pe.postLanes);
  }
  const busBits = cfg.pe.tn * cfg.dataBits;
  if (busBits < BUS_BITS_RANGE.min || busBits > BUS_BITS_RANGE.max) {
    problems.addText(file, 'pe.tn', `pe.tn * dataBits (the memory beat width) between ${BUS_BITS_RANGE.min} and ${BUS_BITS_RANGE.max} bits`, `${cfg.pe.tn} * ${cfg.dataBits} = ${busBits}`);
  }
  if (cfg.buffers.accWords < MIN_PIXEL_SLOTS) {
    problems.add(file, 'buffers.accWords', `at least ${MIN_PIXEL_SLOTS}`, cfg.buffers.accWords);
  }
  const macs = cfg.engines * cfg.pe.tn * cfg.pe.tm;
  if (macs > CONFIG_LIMITS.macs) {
    problems.addText(file, 'engines', `engines * pe.tn * pe.tm (MACs) at most ${CONFIG_LIMITS.macs}`, `${cfg.engines} * ${cfg.pe.tn} * ${cfg.pe.tm} = ${macs}`);
  }
  const loopLimits: [string, number, string][] = [
    ['buffers.inputWords', cfg.buffers.inputWords, String(cfg.buffers.inputWords)],
    ['buffers.accWords', cfg.buffers.accWords, String(cfg.buffers.accWords)],
    ['buffers.weightWords', cfg.buffers.weightWords * cfg.pe.tm, `${cfg.buffers.weightWords} (times pe.tm ${cfg.pe.tm} = ${cfg.buffers.weightWords * cfg.pe.tm} weight beats)`],
  ];
  for (const [field, words, found] of loopLimits) {
    if (words > CONFIG_LIMITS.loopWords) {
      problems.addText(file, field, `at most ${CONFIG_LIMITS.loopWords} words${field === 'buffers.weightWords' ? ' of weight beats' : ''} (the descriptor's 16-bit loop fields count them)`, found);
    }
  }
  const perEngine = engineBufferBytes(cfg);
  if (perEngine > CONFIG_LIMITS.engineBufferBytes) {
    problems.addText(file, 'buffers', `at most ${CONFIG_LIMITS.engineBufferBytes / 2 ** 20} MiB of buffers per engine (2 input slots, the weight banks and the accumulators)`, `${(perEngine / 2 ** 20).toFixed(2)} MiB`);
  } else if (perEngine * cfg.engines > CONFIG_LIMITS.totalBufferBytes) {
    problems.addText(file, 'engines', `at most ${CONFIG_LIMITS.totalBufferBytes / 2 ** 20} MiB of buffers in all engines`, `${cfg.engines} engines of ${(perEngine / 2 ** 20).toFixed(2)} MiB`);
  }
  const bytesPerCycle = cfg.testbench.bytesPerCycle;
  if (bytesPerCycle !== undefined && bytesPerCycle > busBits / 8) {
    problems.add(file, 'testbench.bytesPerCycle', `at most one beat (${busBits / 8} bytes)`, bytesPerCycle);
  }
}

function addZodIssue(problems: ProblemList, file: string, input: unknown, issue: z.core.$ZodIssue): void {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    for (const key of issue.keys) {
      const field = [...path, key].join('.');
      problems.add(file, field, `no such field (known: ${knownKeys(path).join(', ')})`, key);
    }
    return;
  }
  const found = valueAt(input, path);
  problems.add(file, path.join('.') || '(config)', expectedFromIssue(issue, path), found);
}

function expectedFromIssue(issue: z.core.$ZodIssue, path: string[]): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`;
    case 'too_small':
    case 'too_big':
      return boundText(issue, path);
    case 'invalid_union':
    case 'invalid_value':
      return 'values' in issue ? `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` : 'one of 8, 16';
    default:
      return issue.message;
  }
}

/**
 * A numeric bound as an inclusive one: zod's positive() is an exclusive minimum of 0, which for
 * an integer field means ">= 1" ("engines: expected an integer >= 1, found 0").
 */
function boundText(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, path: string[]): string {
  const schema = schemaAt(path);
  const isInt = schema instanceof z.ZodNumber && schema.isInt === true;
  const what = isInt ? 'an integer' : 'a number';
  const small = issue.code === 'too_small';
  const bound = Number(small ? issue.minimum : issue.maximum);
  if (issue.inclusive !== false) return `${what} ${small ? '>=' : '<='} ${bound}`;
  if (isInt) return `${what} ${small ? '>=' : '<='} ${small ? bound + 1 : bound - 1}`;
  return `${what} ${small ? '>' : '<'} ${bound}`;
}

/** The schema of a field (defaults and optionals unwrapped), or undefined for no such field. */
function schemaAt(path: string[]): z.ZodType | undefined {
  let shape: z.ZodType = configSchema;
  for (const key of path) {
    const inner = unwrap(shape);
    if (!(inner instanceof z.ZodObject)) return undefined;
    shape = (inner.shape as Record<string, z.ZodType>)[key];
    if (!shape) return undefined;
  }
  return unwrap(shape);
}

function knownKeys(path: string[]): string[] {
  const obj = schemaAt(path);
  return obj instanceof z.ZodObject ? Object.keys(obj.shape) : [];
}

function unwrap(t: z.ZodType): z.ZodType {
  let cur: z.ZodType = t;
  while (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional) cur = cur.unwrap() as z.ZodType;
  return cur;
}

function valueAt(input: unknown, path: string[]): unknown {
  let cur: unknown = input;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
