// Descriptor fuzzing: a compiled task list with a few fields of random descriptors rewritten
// (zeroed, all ones, a random value, or one bit flipped) must still end with a result or an
// error code the host reads, never a hang, an AXI protocol violation or a host crash. A mutated
// descriptor may legitimately compute something else (a mismatch), or start early (its wait
// removed), or write data it never computed (a pool window beyond the tile reads accumulators
// nobody wrote: X in Icarus, stale values in silicon): the hardware did what it was told. It
// may also legitimately ask for more work than the cycle budget allows (a pool window of
// 255 x 255, say); so a run that times out fails the fuzzer only when the work its descriptors
// ask for is bounded below the budget.
import { DESC_BYTES, DESC_WORDS, OPCODE_LAYER, descriptorFields, unpackDescriptor, type DescField, type DescriptorValues } from '../arch/descriptor.ts';
import type { Policy } from '../arch/regmap.ts';
import type { Program } from '../compiler/compile.ts';
import { loadConfig, type ResolvedConfig } from '../config/resolve.ts';
import { Rng } from '../model/random.ts';
import { loadWorkload } from '../model/workload.ts';
import type { Simulator } from '../tools/sim.ts';
import type { FaultRange } from './fault-injection.ts';
import { compileForPolicy, cycleBudget, memorySettings, physicalBound, runWorkload, type RunResults } from './run.ts';

export type MutationKind = 'zero' | 'ones' | 'random' | 'flip';

export interface Mutation {
  /** Task list entry (tasks.length is the END descriptor). */
  entry: number;
  field: string;
  kind: MutationKind;
  from: number;
  to: number;
}

const KINDS: MutationKind[] = ['zero', 'ones', 'random', 'flip'];

function fieldValue(program: Program, entry: number, f: DescField): number {
  return Math.floor(program.image.readU32(program.taskBase + entry * DESC_BYTES + 4 * f.word) / 2 ** f.lsb) % 2 ** f.width;
}

function setFieldValue(program: Program, entry: number, f: DescField, value: number): void {
  const at = program.taskBase + entry * DESC_BYTES + 4 * f.word;
  const mask = (2 ** f.width - 1) * 2 ** f.lsb;
  program.image.writeU32(at, ((program.image.readU32(at) & ~mask) | ((value * 2 ** f.lsb) & mask)) >>> 0);
}

/** Rewrites `count` random fields of random task list entries (END included); returns what it did. */
export function mutateDescriptors(program: Program, seed: number, count: number): Mutation[] {
  const rng = new Rng(seed);
  const mutations: Mutation[] = [];
  for (let i = 0; i < count; i++) {
    const entry = rng.int(0, program.tasks.length);
    const f = rng.pick(descriptorFields);
    const kind = rng.pick(KINDS);
    const from = fieldValue(program, entry, f);
    const max = 2 ** f.width - 1;
    const to = kind === 'zero' ? 0 : kind === 'ones' ? max : kind === 'random' ? rng.nextU32() % 2 ** f.width : from ^ 2 ** rng.int(0, f.width - 1);
    setFieldValue(program, entry, f, to);
    mutations.push({ entry, field: f.name, kind, from, to });
  }
  return mutations;
}

export function describeMutations(mutations: Mutation[]): string {
  return mutations.map((m) => `entry ${m.entry} ${m.field} ${m.kind} ${m.from} -> ${m.to}`).join('; ');
}

/**
 * The descriptors the controller fetches, in order: from the first entry until one that is not
 * a layer task (normally END; past a mutated END it reads on into whatever memory follows).
 */
export function fetchedDescriptors(program: Program): DescriptorValues[] {
  const out: DescriptorValues[] = [];
  for (let at = program.taskBase; at + DESC_BYTES <= program.image.bytes.length; at += DESC_BYTES) {
    const words = new Uint32Array(DESC_WORDS);
    for (let k = 0; k < DESC_WORDS; k++) words[k] = program.image.readU32(at + 4 * k);
    const d = unpackDescriptor(words);
    out.push(d);
    if (d.opcode !== OPCODE_LAYER) break;
  }
  return out;
}

/** Writes into the fetched descriptors fail (SLVERR): a task cannot rewrite the task list under the run. */
export function protectTaskList(program: Program): FaultRange {
  return { access: 'write', lo: program.taskBase, hi: program.taskBase + fetchedDescriptors(program).length * DESC_BYTES, response: 'slverr' };
}

/**
 * An upper bound on the cycles one layer task can take on one engine, from its fields alone
 * (whatever they are): every (m-block, c-block) step loads its weights, input rows and biases
 * (each burst paying the full latency, each beat slowed by the bandwidth and stalls) and computes
 * every pixel at every kernel position; every m-block's writer reads each pool window of every
 * output and writes it.
 */
export function taskWorkBound(d: DescriptorValues, cfg: ResolvedConfig, memory: { latency: number; bytesPerCycle: number; stallPercent: number }): number {
  const beatCycles = Math.ceil(cfg.busBytes / memory.bytesPerCycle) / (1 - memory.stallPercent / 100);
  const burstCost = (beats: number) => beats * beatCycles + Math.ceil(beats / cfg.memory.maxBurst + 1) * (memory.latency + 4);
  const biasBeats = (cfg.pe.tm * 32) / cfg.busBits;
  const step = burstCost(d.w_beats) + d.load_rows * burstCost(d.load_cols) + burstCost(biasBeats) + Math.max(d.pixels, 6) * d.kk + 16;
  const outputs = (cfg.pe.tm / cfg.pe.tn) * d.pool_rows * d.pool_cols;
  const writer = outputs * d.pool_kernel ** 2 * (cfg.pe.tn / (cfg.pe.postLanes ?? cfg.pe.tn)) + d.pool_rows * burstCost(d.pool_cols) * (cfg.pe.tm / cfg.pe.tn) + 16;
  return d.m_count * (d.cin_blocks * step + writer) + 64;
}

/** Why a fuzzed run's outcome is unacceptable, or undefined when it is fine. `workBound` is the
 * sum of taskWorkBound over the fetched descriptors. */
export function fuzzVerdict(r: RunResults, workBound: number, budget: number): string | undefined {
  if (r.status === 'timeout') return workBound <= budget ? `hung: ${r.message}, though its descriptors ask for at most ${Math.ceil(workBound)} cycles` : undefined;
  if (r.message.startsWith('AXI protocol violation')) return r.message;
  if (r.status === 'hardware-error' && !/code \d+|bad trace|finished after|holds unknown bits/.test(r.message)) return `unexpected hardware error: ${r.message}`;
  return undefined;
}

/** "ok", "mismatch", "code 2", "bad trace" ...: the outcome, for tallies. */
export function outcomeName(r: RunResults): string {
  if (r.status === 'timeout') return 'more work than the budget';
  if (r.status !== 'hardware-error') return r.status;
  const code = /\(code (\d+)\)/.exec(r.message);
  if (code) return `error code ${code[1]}`;
  if (r.message.startsWith('bad trace')) return 'bad trace';
  if (r.message.includes('finished after')) return 'wrong task count';
  if (r.message.includes('holds unknown bits')) return 'undefined data written';
  return 'other hardware error';
}

export interface FuzzCase {
  preset: string;
  workload: string;
  out: string;
  sim: Simulator;
  policy: Policy;
  /** Seeds the mutations and the memory model's stalls. */
  seed: number;
  mutations: number;
  stallPercent: number;
}

export interface FuzzOutcome {
  results: RunResults;
  mutations: Mutation[];
  /** Upper bound on the cycles the fetched descriptors ask for. */
  workBound: number;
  outcome: string;
  /** Why the outcome is unacceptable; undefined when it is fine. */
  failure?: string;
}

/**
 * Runs one fuzz case: the workload compiled, its descriptors mutated, the task list protected
 * against writes, and the verdict on how the run ended. The mutation is worked out on a copy
 * first (it is deterministic), to bound the work it asks for.
 */
export async function fuzzDescriptorsOnce(c: FuzzCase): Promise<FuzzOutcome> {
  const cfg = loadConfig({ preset: c.preset });
  const memory = memorySettings({ seed: c.seed, stallPercent: c.stallPercent }, cfg);
  const copy = compileForPolicy(loadWorkload(c.workload), cfg, c.policy);
  const mutations = mutateDescriptors(copy, c.seed, c.mutations);
  const fetched = fetchedDescriptors(copy);
  const workBound = fetched.filter((d) => d.opcode === OPCODE_LAYER).reduce((sum, d) => sum + taskWorkBound(d, cfg, memory), 0);
  const budget = cycleBudget(copy, physicalBound(copy, cfg, memory.bytesPerCycle));
  const results = await runWorkload({
    preset: c.preset, workload: c.workload, sim: c.sim, out: c.out, policy: c.policy, seed: c.seed, stallPercent: c.stallPercent,
    faults: { ranges: [protectTaskList(copy)], readPerMille: 0, writePerMille: 0 },
    alterProgram: (p) => { mutateDescriptors(p, c.seed, c.mutations); },
  });
  return { results, mutations, workBound, outcome: outcomeName(results), failure: fuzzVerdict(results, workBound, budget) };
}
