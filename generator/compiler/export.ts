// `synergyflow compile`: the compiled program as files a host (the C driver of sw/, or anything
// else) loads without synergyflow: the memory image, the task list (raw and readable), where each
// job's input and output live, the register values that start it, the golden model's expected
// outputs, and the C headers (sf_hw.h for the hardware contract, sf_program.h for this program).
// Everything is checked before any work, and --out follows the output-folder rules.
import { createHash } from 'node:crypto';
import { basename, isAbsolute } from 'node:path';
import { DESC_BYTES, DESC_WORDS, unpackDescriptor } from '../arch/descriptor.ts';
import { defaultStaticGroup, policyCode, type Policy } from '../arch/policies.ts';
import { buildRegisterMap, CTRL_FIELDS, fieldsWord, type RegisterMap } from '../arch/regmap.ts';
import type { ResolvedConfig } from '../config/resolve.ts';
import { loadConfig } from '../config/resolve.ts';
import { generatedHeaderLines } from '../emit/generate.ts';
import { hwCHeader } from '../emit/hw-header.ts';
import { ProblemList } from '../errors.ts';
import { goldenForwardSteps } from '../golden/golden.ts';
import { interrupted } from '../cleanup.ts';
import { layerType } from '../layers/registry.ts';
import { checkGoldenCost, estimateImageBytes, imageSizeProblem, LIMITS } from '../limits.ts';
import { layerShapes } from '../model/model.ts';
import { encodeNpy, makeTensor } from '../model/npy.ts';
import { activationDtype } from '../model/weights.ts';
import { commandInputFiles, loadWorkloadForOutput, type Job } from '../model/workload.ts';
import { checkOutputDir, writeOutputDir, type FileMap, type OutputOptions } from '../output-dir.ts';
import { GENERATOR_VERSION } from '../version.ts';
import { compileWorkload, type Program } from './compile.ts';
import type { ActLayout } from './layout.ts';

export const PROGRAM_FORMAT_VERSION = 1;

export interface ExportOptions {
  preset?: string;
  config?: string;
  /** The resolved config, when the caller has it already (else from preset/config). */
  cfg?: ResolvedConfig;
  /** workload.json, or builtin:MODEL[:BATCH]. */
  workload: string;
  out: string;
  /** The policy the program is compiled for and CTRL.POLICY starts it with (default elastic). */
  policy?: Policy;
  /** Engines per group under static (default half of them). */
  staticGroup?: number;
  force?: boolean;
  /** Skip the cost guards (generator/limits.ts). */
  allowLarge?: boolean;
  log?: (message: string) => void;
}

/** A tensor in device memory, as program.json describes it. */
export interface TensorJson {
  address: number;
  bytes: number;
  /** [batch, channels, height, width] of the stored tensor. */
  shape: number[];
  /** Element type in device memory (the accelerator's lane width). */
  dtype: 'int8' | 'int16';
  layout: {
    order: 'NCHWc';
    lanes: number;
    elementBytes: number;
    cblocks: number;
    imageStride: number;
    cblockStride: number;
    rowStride: number;
    colStride: number;
  };
}

export interface ProgramJson {
  format: 'synergyflow-program';
  formatVersion: number;
  generator: string;
  config: { name: string; source: string; hash: string; cfgHash: string; engines: number; tn: number; tm: number; dataBits: number; busBits: number; channels: number; addressBits: number; trace: boolean };
  policy: Policy;
  staticGroup: number;
  image: { file: string; base: number; bytes: number; sha256: string };
  /** The register writes that start the program, in order (CTRL last). */
  registers: { name: string; offset: string; value: number; fields?: Record<string, number> }[];
  taskList: { base: number; count: number; descriptorBytes: number; file: string; readable: string; sha256: string };
  trace: { enabled: boolean; base: number; recordBytes: number; records: number };
  jobs: {
    name: string;
    model: string;
    batch: number;
    /** The input as the first layer reads it; `transform` says how it differs from the model's. */
    input: TensorJson & { transform: 'none' | 'space-to-depth' | 'uint8-offset' | 'uint8-offset, space-to-depth' };
    output: TensorJson & { modelShape: number[]; expected: { npy: string; raw: string; sha256: string } };
  }[];
  totalMacs: number;
  compulsoryBytes: number;
}

export interface ExportResult {
  out: string;
  program: ProgramJson;
  /** Every file written, relative to out. */
  files: string[];
}

/**
 * Compiles a workload and writes its program files to opts.out (see the module comment). The
 * golden model's expected outputs take the longest: they are computed a layer for one image at a
 * time, yielding to the event loop in between, so that an interrupt (SIGINT, SIGTERM) stops the
 * command there and --out stays as it was.
 */
export async function exportProgram(opts: ExportOptions): Promise<ExportResult> {
  const cfg = opts.cfg ?? loadConfig({ preset: opts.preset, config: opts.config });
  const outOptions: OutputOptions = { force: opts.force, inputs: commandInputFiles(opts.config, opts.workload) };
  checkOutputDir(opts.out, 'compile', outOptions);
  const policy = opts.policy ?? 'elastic';
  const staticGroup = opts.staticGroup ?? defaultStaticGroup(cfg.engines);
  if (!Number.isInteger(Math.log2(staticGroup)) || staticGroup > cfg.engines) {
    const problems = new ProblemList();
    problems.addText('command line', '--static-group', `a power of two at most the engine count (${cfg.engines})`, String(staticGroup));
    problems.throwIfAny();
  }
  const jobs = loadWorkloadForOutput(opts.workload, opts.out, 'compile', outOptions, {
    allowLarge: opts.allowLarge,
    checkCost: (problems, planned) => {
      imageSizeProblem(problems, estimateImageBytes(planned, cfg), cfg.source);
      checkGoldenCost(problems, planned);
    },
  });
  await step();
  const program = compileWorkload(jobs, cfg, { policy, maxImageBytes: opts.allowLarge ? undefined : LIMITS.imageBytes });
  opts.log?.(`compiled ${jobs.length} job(s) into ${program.tasks.length} tasks, ${(program.image.bytes.length / 2 ** 20).toFixed(2)} MiB of memory`);
  await step();
  const expected: Int32Array[] = [];
  for (const { job } of program.jobs) {
    const golden = await goldenForwardSteps(job.model, job.weights, job.input, step);
    expected.push(golden[golden.length - 1]);
  }
  const { files, json } = programFiles(cfg, jobs, program, { policy, staticGroup, workload: opts.workload }, expected);
  writeOutputDir(opts.out, files, 'compile', outOptions);
  return { out: opts.out, program: json, files: [...files.keys()].sort() };
}

/** A point where a long export yields to the event loop (a signal's handler runs) and stops once interrupted. */
async function step(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  if (interrupted()) throw new Error('interrupted');
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');
const hex = (v: number, digits = 8) => '0x' + (v >>> 0).toString(16).padStart(digits, '0');
/** A path for a generated file's header: never absolute (the same inputs give the same bytes). */
const shownPath = (path: string) => (isAbsolute(path) ? basename(path) : path);

/**
 * The program's files (as exportProgram writes them) and program.json's content; `expected`
 * holds each of program.jobs' outputs as the golden model computes them.
 */
export function programFiles(cfg: ResolvedConfig, jobs: Job[], program: Program, run: { policy: Policy; staticGroup: number; workload: string }, expected: Int32Array[]): { files: FileMap; json: ProgramJson } {
  const files: FileMap = new Map();
  const map = buildRegisterMap(cfg);
  const laneBytes = program.image.laneBytes;
  const image = program.image.bytes;
  files.set('image.bin', image);

  // The task list: its descriptors and the END descriptor, raw and readable.
  const listBytes = (program.tasks.length + 1) * DESC_BYTES;
  const taskList = image.slice(program.taskBase, program.taskBase + listBytes);
  files.set('tasks.bin', taskList);
  files.set('tasks.json', tasksJson(program, jobs, taskList));

  const staticLog = Math.log2(run.staticGroup);
  const ctrlFields = { START: 1, IRQ_EN: 1, POLICY: policyCode(run.policy), STATIC_LOG: staticLog };
  const jobEntries: ProgramJson['jobs'] = program.jobs.map((cj, j) => {
    const job = cj.job;
    const output = expected[j];
    // NCHW at the lane width, little-endian (as sf_read_tensor's bytes on a little-endian host).
    const raw = new Uint8Array(output.length * laneBytes);
    const rawView = new DataView(raw.buffer);
    output.forEach((v, i) => (laneBytes === 1 ? rawView.setInt8(i, v) : rawView.setInt16(2 * i, v, true)));
    const dtype = activationDtype(job.model);
    const modelShape = outputShape(job);
    files.set(`expected/${job.name}.npy`, encodeNpy(makeTensor(dtype, modelShape, dtype === 'int8' ? Int8Array.from(output) : Int16Array.from(output))));
    files.set(`expected/${job.name}.bin`, raw);
    const inLayout = cj.acts[0];
    const [c, h, w] = job.model.input;
    const s2d = inLayout.c !== c || inLayout.h !== h || inLayout.w !== w;
    const uint8 = job.model.inputType === 'uint8';
    const transform = uint8 && s2d ? 'uint8-offset, space-to-depth' : uint8 ? 'uint8-offset' : s2d ? 'space-to-depth' : 'none';
    return {
      name: job.name,
      model: job.model.name,
      batch: job.batch,
      input: { ...tensorJson(inLayout, cfg, laneBytes), transform },
      output: {
        ...tensorJson(cj.acts[cj.acts.length - 1], cfg, laneBytes),
        modelShape,
        expected: { npy: `expected/${job.name}.npy`, raw: `expected/${job.name}.bin`, sha256: sha256(raw) },
      },
    };
  });

  const json: ProgramJson = {
    format: 'synergyflow-program',
    formatVersion: PROGRAM_FORMAT_VERSION,
    generator: `synergyflow ${GENERATOR_VERSION}`,
    config: {
      name: cfg.name, source: shownPath(cfg.source), hash: cfg.hash, cfgHash: hex(configHashWord(map)), engines: cfg.engines, tn: cfg.pe.tn, tm: cfg.pe.tm,
      dataBits: cfg.dataBits, busBits: cfg.busBits, channels: cfg.memory.channels, addressBits: cfg.memory.addressBits, trace: cfg.controller.trace,
    },
    policy: run.policy,
    staticGroup: run.staticGroup,
    image: { file: 'image.bin', base: 0, bytes: image.length, sha256: sha256(image) },
    registers: [
      { name: 'TASK_BASE', offset: regOffset(map, 'TASK_BASE'), value: program.taskBase },
      { name: 'TRACE_BASE', offset: regOffset(map, 'TRACE_BASE'), value: cfg.controller.trace ? program.traceBase : 0 },
      { name: 'CTRL', offset: regOffset(map, 'CTRL'), value: fieldsWord(CTRL_FIELDS, ctrlFields), fields: ctrlFields },
    ],
    taskList: { base: program.taskBase, count: program.tasks.length, descriptorBytes: DESC_BYTES, file: 'tasks.bin', readable: 'tasks.json', sha256: sha256(taskList) },
    trace: { enabled: cfg.controller.trace, base: cfg.controller.trace ? program.traceBase : 0, recordBytes: program.traceBytes, records: program.tasks.length },
    jobs: jobEntries,
    totalMacs: program.totalMacs,
    compulsoryBytes: program.compulsoryBytes,
  };
  files.set('program.json', JSON.stringify(json, null, 2) + '\n');
  // Its header names the config file as program.json does: never by an absolute path.
  files.set('sf_hw.h', hwCHeader(map, cfg, generatedHeaderLines({ ...cfg, source: shownPath(cfg.source) })));
  files.set('sf_program.h', programCHeader(json, cfg, run));
  return { files, json };
}

function regOffset(map: RegisterMap, name: string): string {
  return hex(map.registers.find((r) => r.name === name)!.offset, 3);
}

function configHashWord(map: RegisterMap): number {
  return map.registers.find((r) => r.name === 'CFG_HASH')!.constant!;
}

function tensorJson(layout: ActLayout, cfg: ResolvedConfig, laneBytes: 1 | 2): TensorJson {
  return {
    address: layout.base,
    bytes: layout.bytes,
    shape: [layout.batch, layout.c, layout.h, layout.w],
    dtype: laneBytes === 1 ? 'int8' : 'int16',
    layout: {
      order: 'NCHWc',
      lanes: cfg.pe.tn,
      elementBytes: laneBytes,
      cblocks: layout.cblocks,
      imageStride: layout.imgStride,
      cblockStride: layout.cstride,
      rowStride: layout.ystride,
      colStride: cfg.busBytes,
    },
  };
}

/** [batch, out] after an fc layer, [batch, C, H, W] after a conv layer (as run's outputs/*.npy). */
function outputShape(job: Job): number[] {
  const last = job.model.layers[job.model.layers.length - 1];
  const shapes = layerShapes(job.model);
  return [job.batch, ...layerType(last).outputDims(last, shapes[shapes.length - 1])];
}

function tasksJson(program: Program, jobs: Job[], taskList: Uint8Array): string {
  const view = new DataView(taskList.buffer, taskList.byteOffset, taskList.byteLength);
  const words = (i: number) => Uint32Array.from({ length: DESC_WORDS }, (_, k) => view.getUint32(i * DESC_BYTES + 4 * k, true));
  const tasks = program.tasks.map((t, i) => {
    const w = words(i);
    return {
      index: i,
      address: program.taskBase + i * DESC_BYTES,
      job: jobs[t.job].name,
      layer: jobs[t.job].model.layers[t.layer].name,
      images: [t.firstImage, t.firstImage + t.images - 1],
      dependsOn: t.deps,
      fields: unpackDescriptor(w),
      words: Array.from(w, (x) => hex(x)),
    };
  });
  const end = { index: program.tasks.length, address: program.taskBase + program.tasks.length * DESC_BYTES, fields: unpackDescriptor(words(program.tasks.length)) };
  return JSON.stringify({ descriptorBytes: DESC_BYTES, count: program.tasks.length, tasks, end }, null, 2) + '\n';
}

/** sf_program.h: the program for a C host, with sf_driver.h's types. */
function programCHeader(p: ProgramJson, cfg: ResolvedConfig, run: { policy: Policy; workload: string }): string {
  const from = cfg.source.startsWith('preset ') ? `--preset ${cfg.source.slice(7)}` : `--config ${shownPath(cfg.source)}`;
  const workload = shownPath(run.workload);
  const lines = [
    `/* Generated by synergyflow ${GENERATOR_VERSION} from ${shownPath(cfg.source)} (config hash ${cfg.hash}) and workload ${workload}. Do not edit. */`,
    `/* Regenerate with: npx synergyflow compile ${from} --workload ${workload} --policy ${run.policy} --out <dir> */`,
    '#ifndef SF_PROGRAM_H',
    '#define SF_PROGRAM_H',
    '',
    '/* The compiled program: include after sf_driver.h (its types) and sf_hw.h. Its memory image is',
    ` * image.bin (${p.image.bytes} bytes, sha256 ${p.image.sha256}), loaded at device address SF_PROGRAM_IMAGE_BASE:`,
    ' *   static const sf_job_t jobs[] = SF_PROGRAM_JOBS;',
    ' *   sf_program_t prog = SF_PROGRAM_INIT(image, jobs); */',
    '',
    `#define SF_PROGRAM_CONFIG_HASH ${p.config.cfgHash}u /* CFG_HASH of ${p.config.name} */`,
    `#define SF_PROGRAM_IMAGE_BASE ${hex(p.image.base)}u`,
    `#define SF_PROGRAM_IMAGE_BYTES ${p.image.bytes}u`,
    `#define SF_PROGRAM_TASK_BASE ${hex(p.taskList.base)}u`,
    `#define SF_PROGRAM_TASK_COUNT ${p.taskList.count}u`,
    `#define SF_PROGRAM_TRACE_BASE ${hex(p.trace.base)}u`,
    `#define SF_PROGRAM_TRACE_BYTES ${p.trace.recordBytes}u`,
    `#define SF_PROGRAM_POLICY SF_POLICY_${p.policy.toUpperCase()}`,
    `#define SF_PROGRAM_STATIC_LOG ${Math.log2(p.staticGroup)}u`,
    `#define SF_PROGRAM_JOB_COUNT ${p.jobs.length}u`,
  ];
  p.jobs.forEach((j, i) => {
    lines.push(
      `#define SF_PROGRAM_JOB${i}_INPUT_ELEMENTS ${j.input.shape.reduce((a, b) => a * b, 1)}u /* ${j.name}: [${j.input.shape.join(', ')}] ${j.input.dtype}${j.input.transform === 'none' ? '' : `, ${j.input.transform}`} */`,
      `#define SF_PROGRAM_JOB${i}_OUTPUT_ELEMENTS ${j.output.shape.reduce((a, b) => a * b, 1)}u /* ${j.name}: [${j.output.shape.join(', ')}] ${j.output.dtype} */`,
    );
  });
  const tensor = (t: TensorJson) =>
    `{ .addr = ${hex(t.address)}u, .bytes = ${t.bytes}u, .batch = ${t.shape[0]}u, .channels = ${t.shape[1]}u, .height = ${t.shape[2]}u, .width = ${t.shape[3]}u, ` +
    `.lanes = ${t.layout.lanes}u, .elem_bytes = ${t.layout.elementBytes}u, .image_stride = ${t.layout.imageStride}u, .cblock_stride = ${t.layout.cblockStride}u, ` +
    `.row_stride = ${t.layout.rowStride}u, .col_stride = ${t.layout.colStride}u }`;
  lines.push(
    '',
    '/* The jobs, as an initializer of sf_job_t[SF_PROGRAM_JOB_COUNT]. */',
    '#define SF_PROGRAM_JOBS { \\',
    ...p.jobs.map((j) => `  { .name = ${JSON.stringify(j.name)}, \\\n    .input = ${tensor(j.input)}, \\\n    .output = ${tensor(j.output)} }, \\`),
    '}',
    '',
    '/* An initializer of sf_program_t. */',
    '#define SF_PROGRAM_INIT(image_, jobs_) { .image = (image_), .image_bytes = SF_PROGRAM_IMAGE_BYTES, \\',
    '  .image_base = SF_PROGRAM_IMAGE_BASE, .task_base = SF_PROGRAM_TASK_BASE, .task_count = SF_PROGRAM_TASK_COUNT, \\',
    '  .trace_base = SF_PROGRAM_TRACE_BASE, .trace_bytes = SF_PROGRAM_TRACE_BYTES, .policy = SF_PROGRAM_POLICY, \\',
    '  .static_log = SF_PROGRAM_STATIC_LOG, .config_hash = SF_PROGRAM_CONFIG_HASH, .job_count = SF_PROGRAM_JOB_COUNT, .jobs = (jobs_) }',
    '',
    '#endif /* SF_PROGRAM_H */',
    '',
  );
  return lines.join('\n');
}
