// Connections to the Redis server behind the job queue. A bad URL is the user's input (exit 2);
// a server that does not answer is a missing tool (exit 3), found out at once rather than by
// waiting on a queue that never moves.
import { Redis } from 'ioredis';
import { InputError } from '../errors.ts';
import { ToolError } from '../tools/exec.ts';

export { DEFAULT_QUEUE } from './defaults.ts';

/** A redis:// or rediss:// URL, checked; `field` names the option it came from. */
export function checkRedisUrl(url: string, field = '--redis'): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !['redis:', 'rediss:'].includes(parsed.protocol) || !parsed.hostname) {
    throw new InputError([{ file: 'command line', field, expected: 'a Redis URL such as redis://HOST:6379 (rediss:// for TLS)', found: JSON.stringify(url) }]);
  }
  return url;
}

/** A queue name: Redis keys are built from it, so it is kept to letters, digits, - and _. */
export function checkQueueName(name: string, field = '--queue'): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    throw new InputError([{ file: 'command line', field, expected: 'a queue name of 1 to 64 letters, digits, - or _', found: JSON.stringify(name) }]);
  }
  return name;
}

/**
 * Pings the server once, failing within `timeoutMs`: the queue's own connections retry for ever
 * (a worker must outlive a Redis restart), so an unreachable server is caught here first.
 */
export async function checkRedisReachable(url: string, timeoutMs = 5000): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let lastError: Error | undefined;
  client.on('error', (err: Error) => (lastError = err));
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    const reason = (lastError ?? (err as Error)).message || (err as Error).message;
    throw new ToolError(`cannot reach Redis at ${url}: ${reason} (start a server with 'redis-server', or see README: regressions on a Redis queue)`);
  } finally {
    client.disconnect();
  }
}

/**
 * A connection for BullMQ (which needs commands to wait across reconnects: maxRetriesPerRequest
 * null). Its errors go to `onError`, once per kind of error in a row, not once per retry.
 */
export function queueConnection(url: string, onError: (message: string) => void): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: null });
  let last = '';
  client.on('error', (err: Error) => {
    if (err.message !== last) onError(`Redis ${url}: ${err.message}`);
    last = err.message;
  });
  client.on('ready', () => (last = ''));
  return client;
}
