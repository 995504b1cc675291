// The bytes one task moves over the memory channels, from its descriptor, counted as the fast
// cycle model counts them (../estimate/cost.ts): weights and biases for each (image, m-block)
// unit, input tiles (once per group when the input is resident or broadcast), outputs. The
// channels' counters measure these plus the controller's own traffic: a descriptor fetch per
// task and one for the end marker, a trace record per task (see controlTraffic).
import type { DescriptorValues } from '../arch/descriptor.ts';
import type { HwParams } from '../arch/params.ts';
import { taskCost } from '../estimate/cost.ts';

export interface TaskTraffic {
  readBytes: number;
  writeBytes: number;
}

/** Bytes a task reads and writes on a group of `engines` engines (a group loads a shared input once). */
export function taskTraffic(desc: DescriptorValues, p: HwParams, engines: number): TaskTraffic {
  // Latency and bandwidth change only the cost's cycles, not its beats.
  const cost = taskCost(desc, p, engines, 0, 1);
  return { readBytes: cost.readBeats * p.busBytes, writeBytes: cost.writeBeats * p.busBytes };
}

/** The controller's traffic for `tasks` tasks: the descriptors it fetches (and the end marker), the trace records it writes. */
export function controlTraffic(tasks: number, p: HwParams, trace: boolean): TaskTraffic {
  return { readBytes: (tasks + 1) * p.descBeats * p.busBytes, writeBytes: trace ? tasks * p.traceBeats * p.busBytes : 0 };
}
