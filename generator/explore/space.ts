// The design space of `synergyflow explore`: a base configuration, the parameters to vary (config
// fields by their dotted path, each with its values), the policies and the devices. Read from
// SPACE.json and checked before any work, every problem named.
import { z } from 'zod';
import { POLICIES, type Policy } from '../arch/regmap.ts';
import { presets } from '../config/presets.ts';
import type { ConfigInput } from '../config/schema.ts';
import { ProblemList } from '../errors.ts';
import { DEVICES } from '../fpga/devices.ts';
import { readJsonFile } from '../model/validate.ts';

export interface Space {
  /** The configuration every point starts from (a preset's fields, or the file's object). */
  base: ConfigInput;
  baseName: string;
  /** Dotted config paths and the values each takes; points are every combination. */
  vary: [string, unknown[]][];
  policies: Policy[];
  /** xc7 devices whose capacity bounds the Pareto fronts. */
  devices: string[];
}

/** Fields the fast cycle model and the resource model depend on (what a space may vary). */
export const VARIABLE_FIELDS = [
  'engines', 'dataBits', 'clockMhz', 'pe.tn', 'pe.tm', 'pe.multiplier', 'pe.postLanes',
  'buffers.inputWords', 'buffers.weightWords', 'buffers.accWords',
  'memory.channels', 'memory.maxBurst', 'memory.maxOutstanding',
  'controller.window', 'controller.counters', 'controller.trace',
] as const;

/** At most this many points (combinations times policies) in one exploration. */
export const MAX_POINTS = 20_000;

const spaceSchema = z.strictObject({
  base: z.union([z.string(), z.record(z.string(), z.unknown())]).default('default'),
  vary: z.record(z.string(), z.array(z.unknown()).min(1)),
  policies: z.array(z.enum(POLICIES)).min(1).default(['monolithic', 'elastic']),
  devices: z.array(z.string()).min(1).default(['xc7z020', 'xc7a100t', 'xc7vx690t']),
});

export function loadSpaceFile(path: string): Space {
  return parseSpace(readJsonFile(path, 'design-space file'), path);
}

export function parseSpace(json: unknown, file: string): Space {
  const problems = new ProblemList();
  const parsed = spaceSchema.safeParse(json);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path.length > 0 ? issue.path.join('.') : '(the file)';
      problems.addText(file, field, issue.message, JSON.stringify(valueAt(json, issue.path)) ?? 'nothing');
    }
    problems.throwIfAny();
  }
  const s = parsed.data!;
  let base: ConfigInput = {};
  let baseName = 'custom';
  if (typeof s.base === 'string') {
    if (!(s.base in presets)) problems.add(file, 'base', `a preset (${Object.keys(presets).join(', ')}) or a config object`, s.base);
    else [base, baseName] = [presets[s.base], s.base];
  } else {
    base = s.base as ConfigInput;
    baseName = typeof base.name === 'string' ? base.name : 'custom';
  }
  for (const key of Object.keys(s.vary)) {
    if (!(VARIABLE_FIELDS as readonly string[]).includes(key)) problems.add(file, `vary.${key}`, `one of ${VARIABLE_FIELDS.join(', ')}`, key);
  }
  const xc7 = DEVICES.filter((d) => d.target === 'xc7').map((d) => d.name);
  s.devices.forEach((d, i) => {
    if (!xc7.includes(d)) problems.add(file, `devices[${i}]`, `an xc7 device the resource model knows (${xc7.join(', ')})`, d);
  });
  const points = Object.values(s.vary).reduce((n, values) => n * values.length, 1) * s.policies.length;
  if (points > MAX_POINTS) problems.addText(file, 'vary', `at most ${MAX_POINTS.toLocaleString('en-US')} points (combinations times policies)`, `${points.toLocaleString('en-US')} points`);
  problems.throwIfAny();
  return { base, baseName, vary: Object.entries(s.vary), policies: [...s.policies], devices: [...s.devices] };
}

/** Every combination of the varied values, as config inputs on the base (in the file's order). */
export function spaceConfigs(space: Space): { input: ConfigInput; setting: Record<string, unknown> }[] {
  let settings: Record<string, unknown>[] = [{}];
  for (const [path, values] of space.vary) settings = settings.flatMap((s) => values.map((v) => ({ ...s, [path]: v })));
  return settings.map((setting) => {
    const input = structuredClone(space.base) as Record<string, unknown>;
    for (const [path, value] of Object.entries(setting)) setPath(input, path, value);
    input.name = 'explore';
    return { input: input as ConfigInput, setting };
  });
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof at[k] !== 'object' || at[k] === null) at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys[keys.length - 1]] = value;
}

function valueAt(json: unknown, path: PropertyKey[]): unknown {
  let at = json;
  for (const k of path) at = at !== null && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[k] : undefined;
  return at;
}

