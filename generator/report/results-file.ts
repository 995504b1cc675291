// Reads a run's results.json for the report: every field the report draws from is checked, and
// a bad file is refused as bad input (exit 2) naming the file, the field, what was expected and
// what was found. Other fields are ignored, so results of later versions with more fields load.
import { z } from 'zod';
import { ProblemList } from '../errors.ts';
import { readJsonFile } from '../model/validate.ts';
import type { RunResults } from '../runner/run.ts';

const count = z.number().int().min(0);
const positive = z.number().int().min(1);

const traceEntry = z.object({
  task: count,
  job: z.string(),
  layer: z.string(),
  images: z.tuple([count, count]),
  engines: z.array(count).min(1),
  start: count,
  end: count,
  // A layer's MACs are shared out over its tasks, not always in whole numbers.
  macs: z.number().min(0),
  readBytes: count,
  writeBytes: count,
});

const resultsSchema = z.object({
  // 'estimate': the fast cycle model's prediction (synergyflow estimate --out), no RTL ran.
  status: z.enum(['ok', 'mismatch', 'timeout', 'hardware-error', 'estimate']),
  message: z.string(),
  allMatch: z.boolean(),
  config: z.object({
    name: z.string(),
    hash: z.string(),
    engines: positive,
    tn: positive,
    tm: positive,
    macs: positive,
    busBits: positive,
    channels: positive,
  }),
  simulator: z.string(),
  policy: z.string(),
  staticGroup: positive,
  memory: z.object({ latency: count, bytesPerCycle: positive, stallPercent: count, seed: count }),
  cycles: count,
  totalMacs: count,
  peUtilization: z.number().min(0),
  physicalBoundCycles: count,
  boundRatio: z.number().min(0),
  jobs: z.array(z.object({ name: z.string(), model: z.string(), batch: positive, match: z.boolean(), startCycle: count, endCycle: count, cycles: count })),
  engines: z.array(z.object({ busyCycles: count, computeCycles: count, stallCycles: count })),
  channels: z.array(z.object({ readBytes: count, writeBytes: count })),
  tasks: count,
  trace: z.array(traceEntry),
  // run --waves: file and saveFile are null when there is no dump (bytes 0: the window opened
  // after the run ended).
  waves: z.object({ format: z.enum(['fst', 'vcd']), file: z.string().nullable(), saveFile: z.string().nullable(), from: count, to: count.nullable(), bytes: count }).optional(),
});

/** The part of a run's results the report reads. */
export type ReportResults = Pick<
  RunResults,
  'message' | 'allMatch' | 'policy' | 'staticGroup' | 'cycles' | 'totalMacs' | 'peUtilization'
  | 'physicalBoundCycles' | 'boundRatio' | 'tasks' | 'trace' | 'waves'
> & {
  status: RunResults['status'] | 'estimate';
  /** The simulator, or "fast cycle model" for an estimate. */
  simulator: string;
  /** The config file's path (source) is left out: a report names no path. */
  config: Omit<RunResults['config'], 'source'>;
  memory: Pick<RunResults['memory'], 'latency' | 'bytesPerCycle' | 'stallPercent' | 'seed'>;
  jobs: Pick<RunResults['jobs'][number], 'name' | 'model' | 'batch' | 'match' | 'startCycle' | 'endCycle' | 'cycles'>[];
  engines: RunResults['engines'];
  channels: Pick<RunResults['channels'][number], 'readBytes' | 'writeBytes'>[];
};

/** Reads and checks `path`; throws an InputError listing every problem. */
export function readResultsFile(path: string): ReportResults {
  return checkResults(readJsonFile(path, 'results file (results.json of synergyflow run)'), path);
}

/** Checks parsed results; `file` names them in problems. */
export function checkResults(input: unknown, file: string): ReportResults {
  const parsed = resultsSchema.safeParse(input);
  const problems = new ProblemList();
  if (!parsed.success) {
    addIssues(problems, file, input, parsed.error.issues);
    problems.throwIfAny();
  }
  const results = parsed.data as ReportResults;
  checkConsistency(problems, file, results);
  problems.throwIfAny();
  return results;
}

/** What the schema cannot say: the trace must fit the run and the configuration, a dump its files. */
function checkConsistency(problems: ProblemList, file: string, r: ReportResults): void {
  if (r.waves && r.waves.bytes > 0 && (r.waves.file === null || r.waves.saveFile === null)) {
    problems.addText(file, 'waves', `the dump's file and saveFile, as bytes is ${r.waves.bytes}`, `file ${JSON.stringify(r.waves.file)}, saveFile ${JSON.stringify(r.waves.saveFile)}`);
  }
  if (r.config.macs !== r.config.engines * r.config.tn * r.config.tm) {
    problems.addText(file, 'config.macs', `engines * tn * tm = ${r.config.engines * r.config.tn * r.config.tm}`, String(r.config.macs));
  }
  const firstBad = r.trace.findIndex((t) => t.end < t.start || t.engines.some((e) => e >= r.config.engines) || t.images[1] < t.images[0]);
  if (firstBad >= 0) {
    const t = r.trace[firstBad];
    problems.addText(
      file,
      `trace[${firstBad}]`,
      `a task on engines below config.engines (${r.config.engines}), its images as [first, last], ending after it starts`,
      `engines [${t.engines.join(', ')}], images [${t.images.join(', ')}], cycles ${t.start} to ${t.end}`,
    );
  }
}

/** Field paths as the rest of synergyflow writes them: trace[3].engines[0]. */
function fieldPath(path: PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value = input;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}

/**
 * One problem per kind of issue (the same field of many trace entries is one problem, with the
 * count of the others), so that an old results.json is refused in a few lines, not thousands.
 */
function addIssues(problems: ProblemList, file: string, input: unknown, issues: z.core.$ZodIssue[]): void {
  const seen = new Map<string, { index: number; more: number }>();
  for (const issue of issues) {
    const kind = `${fieldPath(issue.path.map((k) => (typeof k === 'number' ? 0 : k)))} ${issue.code}`;
    const earlier = seen.get(kind);
    if (earlier) {
      earlier.more++;
      continue;
    }
    const found = valueAt(input, issue.path);
    problems.add(file, fieldPath(issue.path) || '(the file)', expectedText(issue, found === undefined), found);
    seen.set(kind, { index: problems.items.length - 1, more: 0 });
  }
  for (const { index, more } of seen.values()) {
    if (more > 0) problems.items[index].found += ` (and the same in ${more} more)`;
  }
}

function expectedText(issue: z.core.$ZodIssue, missing: boolean): string {
  const field = String(issue.path[issue.path.length - 1]);
  // The fields the run report added: results of an earlier run lack them.
  const added = (issue.path[0] === 'trace' && ['macs', 'readBytes', 'writeBytes'].includes(field)) || (issue.path[0] === 'config' && ['tn', 'tm', 'channels'].includes(field));
  const hint = missing && added ? ' (written by synergyflow run since the run report: run again to get it)' : '';
  switch (issue.code) {
    case 'invalid_type':
      return `${issue.expected === 'int' ? 'an integer' : issue.expected === 'object' ? 'an object' : issue.expected === 'array' ? 'an array' : `a ${issue.expected}`}${hint}`;
    case 'too_small':
      return issue.origin === 'array' ? `at least ${String(issue.minimum)} item(s)` : `a number >= ${String(issue.minimum)}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}
