// Confirms chosen points of an exploration on the job queue: each point's configuration simulated
// in RTL (every output checked bit for bit) and, when asked, synthesized; the model's cycles and
// resources set beside what was measured.
import { isAbsolute, resolve } from 'node:path';
import { runOnQueue, type QueueProgress } from '../queue/submit.ts';
import type { JobSpec, RunSummary, SynthSummary } from '../queue/spec.ts';
import type { ConfigInput } from '../config/schema.ts';
import type { Exploration, ExplorePoint } from './explore.ts';
import { pointLabel } from './explore-page.ts';
import { spaceConfigs, type Space } from './space.ts';

export interface Confirmation {
  point: ExplorePoint;
  run: RunSummary;
  synth?: SynthSummary;
}

/** The `count` fastest points on the front by DSPs of the space's last device (the largest). */
export function pointsToConfirm(x: Exploration, count: number): ExplorePoint[] {
  const front = x.fronts[x.fronts.length - 1]?.byDsps ?? [];
  return front.map((i) => x.points[i]).sort((a, b) => b.imagesPerSecond! - a.imagesPerSecond!).slice(0, count);
}

export async function confirmPoints(
  x: Exploration, space: Space, points: ExplorePoint[],
  opts: { redisUrl: string; queue?: string; synth: boolean; timeoutMs?: number; onProgress?: (e: QueueProgress) => void },
): Promise<Confirmation[]> {
  const configs = spaceConfigs(space);
  const workload = x.workload.startsWith('builtin:') || isAbsolute(x.workload) ? x.workload : resolve(x.workload);
  const jobs: JobSpec[] = points.flatMap((p): JobSpec[] => {
    const config = configs[Math.floor(p.index / space.policies.length)].input as Record<string, unknown> & ConfigInput;
    const label = pointLabel(p);
    const run: JobSpec = { kind: 'run', config, workload, policy: p.policy, label: `run ${label}` };
    const device = x.fronts[x.fronts.length - 1].device;
    return opts.synth ? [run, { kind: 'synth', config, target: 'xc7', device, pnr: false, label: `synth ${label}` }] : [run];
  });
  const summaries = await runOnQueue(opts.redisUrl, jobs, { queue: opts.queue, timeoutMs: opts.timeoutMs, onProgress: opts.onProgress });
  const per = opts.synth ? 2 : 1;
  return points.map((point, i) => ({
    point,
    run: summaries[i * per] as RunSummary,
    ...(opts.synth ? { synth: summaries[i * per + 1] as SynthSummary } : {}),
  }));
}

export function formatConfirmations(list: Confirmation[]): string {
  const pct = (model: number, measured: number) => `${(((model - measured) / measured) * 100).toFixed(1)}%`;
  const lines = ['Confirmed on the queue (model against RTL, and against synthesis):'];
  for (const c of list) {
    const p = c.point;
    lines.push(`  ${pointLabel(p)}: RTL ${c.run.status}${c.run.allMatch ? ', every output bit-exact' : ''}, ${c.run.cycles.toLocaleString('en-US')} cycles; model ${p.cycles!.toLocaleString('en-US')} (${pct(p.cycles!, c.run.cycles)})`);
    if (c.synth) {
      const r = p.resources!;
      const m = c.synth;
      lines.push(`    synthesis: LUTs ${m.luts.toLocaleString('en-US')} (model ${pct(r.luts, m.luts)}), FFs ${m.ffs.toLocaleString('en-US')} (${pct(r.ffs, m.ffs)}), DSPs ${m.dsps} (model ${r.dsps}), BRAM36 ${m.brams} (model ${r.brams})`);
    }
  }
  return lines.join('\n');
}
