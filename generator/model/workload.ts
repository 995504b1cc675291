// Workloads (workload.json, see shared/spec/model-format.md): the jobs that run on the accelerator
// together, each with its model, weights and input loaded from files or generated from a seed.

import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { InputError, ProblemList } from '../errors.ts';
import { checkBatchSize, checkModelSize } from '../limits.ts';
import { builtinModel, builtinModelNames, isBuiltinModel, resolveModel } from './builtin.ts';
import type { Model } from './model.ts';
import type { Tensor } from './npy.ts';
import { randomInput, randomWeights } from './random.ts';
import {
  addText, checkKnownKeys, checkUniqueNames, isPlainObject, readInt, readJsonFile, readSafeName, readString,
} from './validate.ts';
import { loadInput, loadWeights, type Weights } from './weights.ts';

export interface Job {
  name: string;
  model: Model;
  weights: Weights;
  /** [batch, c, h, w], int8 or int16 per the model's bits. */
  input: Tensor;
  batch: number;
  /** Files the job was read from (model, weights folder, input), as the workload names them. */
  files?: string[];
}

const JOB_KEYS = ['name', 'model', 'weights', 'input', 'batch', 'seed'] as const;
const MAX_SEED = 2 ** 32 - 1;
export const BUILTIN_WORKLOAD_PREFIX = 'builtin:';

/** A job as planned, once every field is valid and before its weights or input are generated. */
export interface PlannedJob {
  name: string;
  model: Model;
  batch: number;
  /** Files the job is read from (as in Job.files). */
  files: string[];
}

export interface LoadOptions {
  /** Skip the cost guards of ../limits.ts. */
  allowLarge?: boolean;
  /** Called with every job once all are valid, before any weights or inputs are generated (random
   * VGG-16 weights take a while): the caller's checks of the whole workload. */
  beforeGenerating?: (jobs: PlannedJob[]) => void;
}

/** Either "builtin:<model>[:<batch>]" (one job, seed 0) or a path to a workload.json. */
export function loadWorkloadRef(ref: string, opts: LoadOptions = {}): Job[] {
  if (ref.startsWith(BUILTIN_WORKLOAD_PREFIX)) {
    const [name, batchText] = ref.slice(BUILTIN_WORKLOAD_PREFIX.length).split(':');
    const batch = batchText === undefined ? 1 : Number(batchText);
    if (!Number.isSafeInteger(batch) || batch < 1) {
      throw new InputError([{ file: 'command line', field: '--workload', expected: 'builtin:<model>[:<batch>] with a batch >= 1', found: JSON.stringify(ref) }]);
    }
    return builtinWorkload(name, batch, 0, opts);
  }
  return loadWorkload(ref, opts);
}

/** A one-job workload running a built-in model on generated weights and input. */
export function builtinWorkload(modelName: string, batch = 1, seed = 0, opts: LoadOptions = {}): Job[] {
  if (!isBuiltinModel(modelName)) {
    throw new InputError([{ file: 'workload', field: 'model', expected: `a built-in model (${builtinModelNames().join(', ')})`, found: JSON.stringify(modelName) }]);
  }
  if (!Number.isSafeInteger(batch) || batch < 1) {
    throw new InputError([{ file: 'workload', field: 'batch', expected: 'an integer >= 1', found: String(batch) }]);
  }
  const model = builtinModel(modelName);
  if (!opts.allowLarge) {
    const list = new ProblemList();
    checkBatchSize(list, 'command line', '--workload', model, batch);
    list.throwIfAny();
  }
  opts.beforeGenerating?.([{ name: modelName, model, batch, files: [] }]);
  return [{ name: modelName, model, weights: randomWeights(model, seed), input: randomInput(model, batch, seed), batch }];
}

interface JobPlan {
  name: string;
  model: Model;
  weights?: Weights;
  input?: Tensor;
  batch: number;
  seed: number;
  files: string[];
}

export function loadWorkload(path: string, opts: LoadOptions = {}): Job[] {
  const json = readJsonFile(path, 'workload file');
  const list = new ProblemList();
  if (!isPlainObject(json)) {
    list.add(path, '', 'a JSON object {"jobs": [...]}', json);
    list.throwIfAny();
  }
  const obj = json as Record<string, unknown>;
  checkKnownKeys(list, path, '', obj, ['jobs']);
  const baseDir = dirname(path);
  const plans: (JobPlan | undefined)[] = [];
  if (!Array.isArray(obj.jobs) || obj.jobs.length === 0) {
    list.add(path, 'jobs', 'a non-empty array of jobs', obj.jobs);
  } else {
    obj.jobs.forEach((raw, i) => plans.push(readJob(list, path, baseDir, `jobs[${i}]`, raw, opts)));
    const names = obj.jobs.map((raw, i) => ({ field: `jobs[${i}].name`, name: isPlainObject(raw) && typeof raw.name === 'string' ? raw.name : undefined }));
    checkUniqueNames(list, path, names, 'job');
  }
  list.throwIfAny();
  if (!opts.allowLarge) (plans as JobPlan[]).forEach((p, i) => checkBatchSize(list, path, `jobs[${i}].batch`, p.model, p.batch));
  list.throwIfAny();
  const planned = (plans as JobPlan[]).map((p) => ({ ...p, files: [path, ...p.files] }));
  opts.beforeGenerating?.(planned);

  // Generate only once everything is valid: random VGG-16 weights take a while.
  return planned.map((p) => ({
    name: p.name,
    model: p.model,
    weights: p.weights ?? randomWeights(p.model, p.seed),
    input: p.input ?? randomInput(p.model, p.batch, p.seed),
    batch: p.batch,
    files: p.files,
  }));
}

function readJob(list: ProblemList, file: string, baseDir: string, at: string, raw: unknown, opts: LoadOptions): JobPlan | undefined {
  if (!isPlainObject(raw)) {
    list.add(file, at, 'a job object {"name": ..., "model": ...}', raw);
    return undefined;
  }
  const before = list.items.length;
  checkKnownKeys(list, file, at, raw, JOB_KEYS);
  const name = readSafeName(list, file, `${at}.name`, raw.name);
  const modelRef = readString(list, file, `${at}.model`, raw.model, modelRefText());
  const weightsRef = raw.weights === undefined ? undefined : readString(list, file, `${at}.weights`, raw.weights, 'a path to a weights folder');
  const inputRef = raw.input === undefined ? undefined : readString(list, file, `${at}.input`, raw.input, 'a path to an input .npy file');
  const batch = raw.batch === undefined ? undefined : readInt(list, file, `${at}.batch`, raw.batch, { min: 1 });
  const seed = readInt(list, file, `${at}.seed`, raw.seed, { min: 0, max: MAX_SEED }, 0);

  let model: Model | undefined;
  if (modelRef !== undefined) {
    if (!isBuiltinModel(modelRef) && !existsSync(relativeTo(baseDir, modelRef))) {
      addText(list, file, `${at}.model`, modelRefText(), `${JSON.stringify(modelRef)} (no such built-in model or file ${relativeTo(baseDir, modelRef)})`);
    } else {
      model = collect(list, () => resolveModel(modelRef, baseDir));
    }
  }
  if (model === undefined) return undefined;
  const m = model;
  // Sizes first: a weight file is not read, nor are weights generated, for a model too big.
  if (!opts.allowLarge) {
    const known = list.items.length;
    checkModelSize(list, file, `${at}.model: `, m);
    if (list.items.length > known) return undefined;
  }

  const weights = weightsRef === undefined ? undefined : collect(list, () => loadWeights(relativeTo(baseDir, weightsRef), m));
  const input = inputRef === undefined ? undefined : collect(list, () => loadInput(relativeTo(baseDir, inputRef), m));
  if (input && batch !== undefined && batch !== input.shape[0]) {
    addText(list, file, `${at}.batch`, `${input.shape[0]} (the first dimension of ${relativeTo(baseDir, inputRef!)}) or no batch`, String(batch));
  }
  if (list.items.length > before) return undefined;
  const files = [modelRef, weightsRef, inputRef].filter((r): r is string => r !== undefined && !(r === modelRef && isBuiltinModel(r))).map((r) => relativeTo(baseDir, r));
  return { name: name!, model, weights, input, batch: input ? input.shape[0] : batch ?? 1, seed: seed!, files };
}

function modelRefText(): string {
  return `a built-in model (${builtinModelNames().join(', ')}) or a path to a model file`;
}

/** Paths in a workload are relative to its folder; join keeps them as relative as the user's. */
function relativeTo(baseDir: string, ref: string): string {
  return isAbsolute(ref) ? ref : join(baseDir, ref);
}

/** Runs a loader, moving the problems of an InputError into the list. */
function collect<T>(list: ProblemList, load: () => T): T | undefined {
  try {
    return load();
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    list.items.push(...err.problems);
    return undefined;
  }
}
