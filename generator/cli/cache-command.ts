// `synergyflow cache info|clean` and the --cache-dir and --cache-max-size options of the commands
// that build simulators (generator/tools/sim-cache.ts).
import { Command, InvalidArgumentError, Option } from 'commander';
import { cacheInfo, cacheMaxBytes, cleanCache, defaultCacheDir, parseSize, type CacheEntry } from '../tools/sim-cache.ts';
import { formatDuration } from '../progress.ts';

export interface CacheCliOptions {
  cacheDir?: string;
  /** Bytes (parsed from the option's size). */
  cacheMaxSize?: number;
}

const sizeArg = (value: string): number => {
  const bytes = parseSize(value);
  if (bytes === undefined || bytes <= 0) throw new InvalidArgumentError(`--cache-max-size must be a size such as 4G, 500M or a number of bytes, got "${value}"`);
  return bytes;
};

export function cacheDirOption(what = ''): Option {
  return new Option('--cache-dir <dir>', `the simulator cache${what} (default $SYNERGYFLOW_CACHE_DIR, else $XDG_CACHE_HOME/synergyflow, else ~/.cache/synergyflow; made with mode 0700)`);
}

export function cacheMaxSizeOption(): Option {
  return new Option('--cache-max-size <size>', 'the cache\'s size limit: least recently used builds are removed after a build beyond it (default $SYNERGYFLOW_CACHE_MAX_SIZE, else 4G)').argParser(sizeArg);
}

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${(bytes / 2 ** 10).toFixed(0)} KiB`;
}

function where(opts: CacheCliOptions): string {
  if (opts.cacheDir !== undefined) return '--cache-dir';
  if (process.env.SYNERGYFLOW_CACHE_DIR) return '$SYNERGYFLOW_CACHE_DIR';
  if (process.env.XDG_CACHE_HOME) return '$XDG_CACHE_HOME';
  return 'the default';
}

function describeEntry(e: CacheEntry, now: number): string {
  const ago = formatDuration((now - e.lastUsed) / 1000);
  const state = e.inUse ? ', in use' : e.building ? ', being rebuilt' : '';
  return `  ${e.name}  ${e.manifest.design}  ${formatBytes(e.bytes)}, built ${e.manifest.builtAt.slice(0, 16).replace('T', ' ')} in ${formatDuration(e.manifest.buildSeconds)}, last used ${ago} ago${state}`;
}

export function cacheCommand(program: Command, say: (text: string) => void): void {
  const cache = program.command('cache').description('The simulator cache: where it is, what it holds (info), and removing builds (clean).');
  cache.command('info').description('Where the simulator cache is, its size and limit, and its builds (least recently used first).')
    .addOption(cacheDirOption()).addOption(cacheMaxSizeOption())
    .action((opts: CacheCliOptions) => {
      const dir = opts.cacheDir ?? defaultCacheDir();
      const info = cacheInfo(dir, cacheMaxBytes(opts.cacheMaxSize));
      say(`simulator cache: ${info.dir} (${where(opts)})`);
      if (!info.exists) return say('not created yet: the first simulator build makes it');
      if (!info.isCache) return say('not a synergyflow cache (no marker): synergyflow neither uses nor cleans it');
      say(`${info.entries.length} build(s), ${formatBytes(info.bytes)} of a ${formatBytes(info.maxBytes)} limit`);
      const now = Date.now();
      for (const e of info.entries) say(describeEntry(e, now));
    });
  cache.command('clean').description('Remove builds from the simulator cache (never one in use or being built, never a folder that is not a synergyflow cache); without options, only leftovers of interrupted runs and what exceeds the size limit.')
    .addOption(cacheDirOption()).addOption(cacheMaxSizeOption())
    .addOption(new Option('--all', 'remove every build').conflicts('olderThan'))
    .option('--older-than <days>', 'remove builds not used for this many days', (v: string) => {
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`--older-than must be a number of days (0 or more), got "${v}"`);
      return n;
    })
    .action((opts: CacheCliOptions & { all?: boolean; olderThan?: number }) => {
      const dir = opts.cacheDir ?? defaultCacheDir();
      const r = cleanCache(dir, { all: opts.all, olderThanDays: opts.olderThan, maxBytes: cacheMaxBytes(opts.cacheMaxSize) });
      const bytes = r.removed.reduce((n, e) => n + e.bytes, 0);
      say(`simulator cache ${dir}: removed ${r.removed.length} build(s), ${formatBytes(bytes)}` +
        `${r.leftovers.length > 0 ? `, and ${r.leftovers.length} leftover(s) of interrupted runs` : ''}` +
        `${r.busy.length > 0 ? `; kept ${r.busy.length} in use or being built` : ''}`);
    });
}
