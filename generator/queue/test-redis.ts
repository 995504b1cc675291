// Tests only: a private Redis server on a free loopback port (Debian's redis-server, which
// scripts/setup.sh installs when it can), with no persistence, ended by stop().
import { execa, type ResultPromise } from 'execa';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export interface TestRedis {
  url: string;
  stop(): Promise<void>;
}

/** redis-server's path if it runs here, else undefined (the queue tests are skipped, saying so). */
export function findRedisServer(): string | undefined {
  const bin = process.env.REDIS_SERVER || 'redis-server';
  try {
    execFileSync(bin, ['--version'], { stdio: 'ignore' });
    return bin;
  } catch {
    return undefined;
  }
}

export const NO_REDIS = 'Redis queue tests SKIPPED: no redis-server on PATH (scripts/setup.sh installs Debian\'s redis-server with apt-get; set $REDIS_SERVER to use another)';

/** A port the kernel just gave out and took back (redis-server has no port 0). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startTestRedis(bin = findRedisServer() ?? 'redis-server'): Promise<TestRedis> {
  const port = await freePort();
  const child: ResultPromise = execa(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { reject: false });
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    client.on('error', () => {});
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') break;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server did not start on port ${port}`);
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      client.disconnect();
    }
  }
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await child;
    },
  };
}
