// What one task costs on a group of engines, from its descriptor alone: the cycles it takes when
// its data arrives as fast as it needs it (compute-limited), and the beats it moves. The fast
// cycle model (./simulate.ts) slows a task down when the memory cannot keep up.
//
// It follows the engine's pipeline (generator/blocks/engine/sf_engine_seq.sv.hbs): member k of a group of g
// runs m-blocks k, k + g, ...; each (m-block, c-block) step loads into one buffer slot while the
// other slot computes, so a step takes the longer of its compute and its load; the writer drains
// an m-block's accumulators after its last c-block, and the next m-block's first computation
// waits for it.
import type { DescriptorValues } from '../arch/descriptor.ts';
import type { HwParams } from '../arch/params.ts';

/** Constants of the engine's timing, measured against RTL traces (see estimate.test.ts). */
export const TIMING = {
  /** Cycles between two computations of a member (pipeline drain and restart). */
  stepOverhead: 5,
  /** Cycles from a task's start to its first computation, besides the first load's beats. */
  startup: 12,
  /** Cycles from a member's last write to the task's completion (write responses). */
  drain: 8,
  /** Cycles per write burst beyond its beats. */
  burstOverhead: 2,
};

export interface TaskCost {
  /** Cycles the task takes on its group when every load arrives in time. */
  cycles: number;
  /** Beats it reads and writes. */
  readBeats: number;
  writeBeats: number;
  /**
   * The loads before the first computation: every member's first weights (and, over several
   * images, its own input tile; else the leader's tile, broadcast), and the cycles they take
   * when the memory keeps up (included in `cycles`). The model runs this phase first, as
   * beats sharing the channels with every other task, so that members and tasks starting
   * together queue for the memory as they do in the hardware.
   */
  firstLoadBeats: number;
  firstLoadCycles: number;
  /** The most beats a cycle the group can take (its load ports). */
  portBeats: number;
}

/** The minimum slots of a compute pass (generator/config/resolve.ts MIN_PIXEL_SLOTS). */
const MIN_SLOTS = 2;

/**
 * Cost of a layer task on a group of `engines` engines, with memory `latency` cycles away and
 * `beatsPerCycle` beats a cycle on each load port.
 */
export function taskCost(d: DescriptorValues, p: HwParams, engines: number, latency: number, beatsPerCycle: number): TaskCost {
  // Units: (image, m-block) pairs; over several images every member loads its own input.
  const images = Math.max(1, d.images ?? 1);
  const units = d.m_count * images;
  const privateInput = images > 1;
  const g = Math.max(1, Math.min(engines, units));
  const mbLeader = Math.ceil(units / g);
  const compute = Math.max(d.pixels, MIN_SLOTS) * d.kk + TIMING.stepOverhead;
  const inputBeats = d.load_rows * d.load_cols;
  const portRate = p.loadPorts * beatsPerCycle;
  // Loads of a step: the member's weights over its ports, and on the leader's port 0 its share
  // of the weights then the input tile (a resident input: only with the first m-block).
  const weightLoad = d.w_beats / portRate;
  const load = weightLoad + inputBeats / beatsPerCycle;
  const outVectors = Math.min(p.tm / p.tn, d.out_cblocks) * d.pool_rows * d.pool_cols;
  const writer = outVectors * d.pool_kernel * d.pool_kernel * (p.tn / p.postLanes) + d.pool_rows * TIMING.burstOverhead;
  const mblock = (stepLoad: number) => d.cin_blocks * Math.max(compute, stepLoad) + writer;
  const inputMblocks = d.in_resident ? 1 : mbLeader;
  const body = inputMblocks * mblock(load) + (mbLeader - inputMblocks) * mblock(weightLoad);
  const cycles = TIMING.startup + latency + load + body + TIMING.drain + latency;
  const biasBeats = p.biasBeats;
  const inputLoads = privateInput ? units : inputMblocks;
  const readBeats = units * (d.cin_blocks * d.w_beats + biasBeats) + inputLoads * d.cin_blocks * inputBeats;
  const writeBeats = d.out_cblocks * d.pool_rows * d.pool_cols * images;
  const firstLoadBeats = g * d.w_beats + (privateInput ? g : 1) * inputBeats;
  return { cycles, readBeats, writeBeats, portBeats: g * portRate, firstLoadBeats, firstLoadCycles: load };
}
