// Workloads (workload.json, see shared/spec/model-format.md): the jobs that run on the accelerator
// together, each with its model, weights and input loaded from files or generated from a seed.

import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { InputError, ProblemList } from '../errors.ts';
import { checkBatchSize, checkModelSize } from '../limits.ts';
import { checkOutputDir, type OutputOptions } from '../output-dir.ts';
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

const JOB_KEYS = ['name', 'model', 'weights', 'input', 'batch', 'seed', 'inputSeed', 'repeat'] as const;
/** Batches one workload line may stand for (a stream of them). */
export const MAX_REPEAT = 1000;
const MAX_SEED = 2 ** 32 - 1;
export const BUILTIN_WORKLOAD_PREFIX = 'builtin:';

/** A job as planned, once every field is valid and before its weights or input are generated. */
export interface PlannedJob {
  name: string;
  model: Model;
  batch: number;
  /** Jobs with the same key share their weights (the batches of one workload line). */
  weightsKey?: unknown;
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

/** The files a command reads before its workload's jobs: the config file, the workload.json (not a built-in one). */
export function commandInputFiles(config: string | undefined, ref: string): string[] {
  return [config, ref.startsWith(BUILTIN_WORKLOAD_PREFIX) ? undefined : ref].filter((f): f is string => f !== undefined);
}

/**
 * Loads a workload for a command that writes the folder `out` (run, compile --out), checking
 * before any weights or inputs are made: the files its jobs read join outOptions.inputs (which the
 * caller writes `out` with afterwards) and `out` is checked again with them; unless allowLarge,
 * checkCost adds what the cost guards (../limits.ts) refuse.
 */
export function loadWorkloadForOutput(
  ref: string,
  out: string,
  command: string,
  outOptions: OutputOptions,
  opts: { allowLarge?: boolean; checkCost: (problems: ProblemList, planned: PlannedJob[]) => void },
): Job[] {
  return loadWorkloadRef(ref, {
    allowLarge: opts.allowLarge,
    beforeGenerating: (planned) => {
      outOptions.inputs = [...(outOptions.inputs ?? []), ...planned.flatMap((j) => j.files)];
      checkOutputDir(out, command, outOptions);
      if (!opts.allowLarge) {
        const problems = new ProblemList();
        opts.checkCost(problems, planned);
        problems.throwIfAny();
      }
    },
  });
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
  /** The workload line it comes from: the batches of one line share their weights. */
  line: number;
  model: Model;
  weights?: Weights;
  input?: Tensor;
  batch: number;
  /** Seed of generated weights, and of the generated input. */
  seed: number;
  inputSeed: number;
  /** Jobs with the same key run the same model with the same weights, which they share. */
  weightsKey: string;
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
  const models = new Map<string, Model>();
  if (!Array.isArray(obj.jobs) || obj.jobs.length === 0) {
    list.add(path, 'jobs', 'a non-empty array of jobs', obj.jobs);
  } else {
    // Job names: a valid line's (one per repeated batch), else the name the line gives.
    const names: { field: string; name: string | undefined }[] = [];
    obj.jobs.forEach((raw, i) => {
      const lines = readJob(list, path, baseDir, i, raw, opts, models);
      plans.push(...(lines ?? [undefined]));
      const given = isPlainObject(raw) && typeof raw.name === 'string' ? [raw.name] : [undefined];
      names.push(...(lines?.map((p) => p.name) ?? given).map((name) => ({ field: `jobs[${i}].name`, name })));
    });
    checkUniqueNames(list, path, names, 'job');
  }
  list.throwIfAny();
  if (!opts.allowLarge) (plans as JobPlan[]).forEach((p) => checkBatchSize(list, path, `jobs[${p.line}].batch`, p.model, p.batch));
  list.throwIfAny();
  const planned = (plans as JobPlan[]).map((p) => ({ ...p, files: [path, ...p.files] }));
  opts.beforeGenerating?.(planned);

  // Generate only once everything is valid: random VGG-16 weights take a while. Jobs of the
  // same model and weights (a line's repeated batches; lines with the same model and seed or
  // weights folder) share one set (the compiler then stores it once).
  const shared = new Map<string, Weights>();
  return planned.map((p) => {
    let weights = shared.get(p.weightsKey) ?? p.weights;
    if (!weights) weights = randomWeights(p.model, p.seed);
    shared.set(p.weightsKey, weights);
    return {
      name: p.name,
      model: p.model,
      weights,
      input: p.input ?? randomInput(p.model, p.batch, p.inputSeed),
      batch: p.batch,
      files: p.files,
    };
  });
}

/** The jobs of one workload line: one, or `repeat` batches of the same model. */
function readJob(list: ProblemList, file: string, baseDir: string, line: number, raw: unknown, opts: LoadOptions, models: Map<string, Model>): JobPlan[] | undefined {
  const at = `jobs[${line}]`;
  if (!isPlainObject(raw)) {
    list.add(file, at, 'a job object {"name": ..., "model": ...}', raw);
    return undefined;
  }
  const before = list.items.length;
  checkKnownKeys(list, file, at, raw, JOB_KEYS);
  const name = readSafeName(list, file, `${at}.name`, raw.name);
  const modelRef = readString(list, file, `${at}.model`, raw.model, modelRefText());
  const weightsRef = raw.weights === undefined ? undefined : readString(list, file, `${at}.weights`, raw.weights, 'a path to a weights folder');
  const repeat = readInt(list, file, `${at}.repeat`, raw.repeat, { min: 1, max: MAX_REPEAT }, 1);
  const inputRefs = readInputRefs(list, file, `${at}.input`, raw.input, repeat ?? 1);
  const batch = raw.batch === undefined ? undefined : readInt(list, file, `${at}.batch`, raw.batch, { min: 1 });
  const seed = readInt(list, file, `${at}.seed`, raw.seed, { min: 0, max: MAX_SEED }, 0);
  const inputSeed = readInt(list, file, `${at}.inputSeed`, raw.inputSeed, { min: 0, max: MAX_SEED }, seed ?? 0);
  if (inputSeed !== undefined && repeat !== undefined && inputSeed + repeat - 1 > MAX_SEED) {
    addText(list, file, `${at}.${raw.inputSeed === undefined ? 'seed' : 'inputSeed'}`, `an input seed whose repeats stay below 2^32 (seed + repeat - 1 <= ${MAX_SEED})`, `${inputSeed} with repeat ${repeat}`);
  }

  let model: Model | undefined;
  if (modelRef !== undefined) {
    if (!isBuiltinModel(modelRef) && !existsSync(relativeTo(baseDir, modelRef))) {
      addText(list, file, `${at}.model`, modelRefText(), `${JSON.stringify(modelRef)} (no such built-in model or file ${relativeTo(baseDir, modelRef)})`);
    } else {
      // Lines naming the same model share one Model (and can share weights).
      const key = isBuiltinModel(modelRef) ? modelRef : relativeTo(baseDir, modelRef);
      model = models.get(key) ?? collect(list, () => resolveModel(modelRef, baseDir));
      if (model) models.set(key, model);
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
  const inputs = inputRefs?.map((ref) => {
    const input = collect(list, () => loadInput(relativeTo(baseDir, ref), m));
    if (input && batch !== undefined && batch !== input.shape[0]) {
      addText(list, file, `${at}.batch`, `${input.shape[0]} (the first dimension of ${relativeTo(baseDir, ref)}) or no batch`, String(batch));
    }
    return input;
  });
  if (inputs && inputs.length > 1 && inputs.every((i) => i) && new Set(inputs.map((i) => i!.shape[0])).size > 1) {
    addText(list, file, `${at}.input`, 'input files of one batch size', `batches of ${inputs.map((i) => i!.shape[0]).join(', ')}`);
  }
  if (list.items.length > before) return undefined;
  const files = [modelRef, weightsRef, ...(inputRefs ?? [])].filter((r): r is string => r !== undefined && !(r === modelRef && isBuiltinModel(r))).map((r) => relativeTo(baseDir, r));
  const jobBatch = inputs ? inputs[0]!.shape[0] : batch ?? 1;
  return Array.from({ length: repeat! }, (_, k) => ({
    name: repeat === 1 ? name! : `${name}.${k + 1}`,
    line,
    model: m,
    weights,
    input: inputs?.[k],
    batch: jobBatch,
    seed: seed!,
    inputSeed: inputSeed! + k,
    weightsKey: `${isBuiltinModel(modelRef!) ? modelRef : relativeTo(baseDir, modelRef!)}|${weightsRef === undefined ? `seed ${seed}` : relativeTo(baseDir, weightsRef)}`,
    files,
  }));
}

/** `input`: a path, or (for a line that repeats) a list of one path per batch. */
function readInputRefs(list: ProblemList, file: string, field: string, value: unknown, repeat: number): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    if (value.length !== repeat) {
      addText(list, file, field, `a list of ${repeat} input files (one per repeated batch), or one path`, `a list of ${value.length}`);
      return undefined;
    }
    const refs = value.map((v, k) => readString(list, file, `${field}[${k}]`, v, 'a path to an input .npy file'));
    return refs.every((r) => r !== undefined) ? (refs as string[]) : undefined;
  }
  const ref = readString(list, file, field, value, 'a path to an input .npy file, or a list of them');
  if (ref !== undefined && repeat > 1) {
    addText(list, file, field, `a list of ${repeat} input files (one per repeated batch): one file would give every batch the same input`, JSON.stringify(ref));
    return undefined;
  }
  return ref === undefined ? undefined : [ref];
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
