// Synthesis tier (npm run test:synth): a synth job through the Redis queue (a private
// redis-server) on a worker, its summary checked against the report the job wrote and kept.
// Skipped, saying so, where redis-server is not installed.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SynthReport } from '../fpga/flow.ts';
import type { SynthSummary } from './spec.ts';
import { runOnQueue } from './submit.ts';
import { findRedisServer, NO_REDIS, startTestRedis } from './test-redis.ts';
import { startWorker } from './worker.ts';

const redisServer = findRedisServer();
if (!redisServer) console.warn(NO_REDIS);
const scratch = mkdtempSync(join(tmpdir(), 'sf-queue-synth-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!redisServer)('a synth job on the Redis queue', () => {
  it('synthesizes tiny (generic) on a worker; the summary is the kept report\'s totals and gates', async () => {
    const redis = await startTestRedis(redisServer);
    const worker = await startWorker({ redisUrl: redis.url, queue: 'synth', workDir: join(scratch, 'work') });
    try {
      const [summary] = (await runOnQueue(redis.url, [{ kind: 'synth', config: 'tiny', target: 'generic', keep: true }], { queue: 'synth' })) as SynthSummary[];
      expect(summary.out).toBeDefined();
      const report = JSON.parse(readFileSync(join(summary.out!, 'out', 'synth', 'report.json'), 'utf8')) as SynthReport;
      const { luts, ffs, dsps, brams } = report.resources.total;
      expect(summary).toMatchObject({ kind: 'synth', passed: true, luts, ffs, dsps, brams, gatesPassed: 2, gates: 2, problems: [], worker: worker.name });
      // The MAC arrays' multipliers: 2 engines of 4 x 4.
      expect(summary.dsps).toBeGreaterThanOrEqual(32);
      expect(summary.ffs).toBeGreaterThan(1000);
    } finally {
      await worker.close();
      await redis.stop();
    }
    // The worker's own work dir (given) stays; the kept job folder is there until removed.
    expect(existsSync(join(scratch, 'work'))).toBe(true);
  });
});

if (!redisServer) {
  describe('a synth job on the Redis queue', () => {
    it.skip(NO_REDIS, () => {});
  });
}
