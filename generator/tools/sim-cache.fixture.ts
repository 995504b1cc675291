// A process of sim-cache.test.ts's concurrency test: generates `tiny`, says it is ready (a file
// holding the cache entry's name), waits for the go file, asks the cache for the Icarus build of
// `tiny` and prints what it got.
// Usage: tsx sim-cache.fixture.ts CACHE_DIR GO_FILE READY_FILE
import { existsSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../config/resolve.ts';
import { generateFiles } from '../emit/generate.ts';
import { buildSimulation, simBuildName } from './sim.ts';

const [cacheDir, go, ready] = process.argv.slice(2);
const { design, files } = generateFiles(loadConfig({ preset: 'tiny' }));
const cfg = design.cfg;
const params = { BUS_BITS: cfg.busBits, IDW: design.params.idBits, ENGINES: cfg.engines, CHANNELS: cfg.memory.channels, ADDR_BITS: cfg.memory.addressBits };
const sources = new Map([...files].filter(([path]) => path.startsWith('rtl/') || path === 'sf_regs.vh'));
writeFileSync(ready, simBuildName({ simulator: 'icarus', files: sources, params }));
while (!existsSync(go)) await new Promise((r) => setTimeout(r, 10));
const build = await buildSimulation({ simulator: 'icarus', files: sources, params, cacheDir, design: cfg.source, log: (m) => process.stderr.write(`${m}\n`) });
build.release();
process.stdout.write(`${JSON.stringify({ cached: build.cached, dir: build.dir, seconds: build.buildSeconds })}\n`);
