// `synergyflow cache info|clean`, and --cache-dir honoured by run (a small Icarus run: the build
// lands in that folder and nowhere else), with progress kept off stdout and plain without a terminal.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { writeRandomWorkload } from '../model/random-model.ts';
import { EXIT } from './exit-codes.ts';
import { runCli } from './program.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-cache-cli-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function cli(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['node', 'synergyflow', ...args], { out: (t) => (stdout += t), err: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('synergyflow cache and --cache-dir', () => {
  it('run --cache-dir builds there (mode 0700), cache info lists the build, cache clean --all removes it', async () => {
    const cache = join(scratch, 'my-cache');
    const workload = writeRandomWorkload(join(scratch, 'w'), 11, 1);
    const r = await cli('run', '--preset', 'tiny', '--workload', workload, '--sim', 'icarus', '--out', join(scratch, 'out'), '--cache-dir', cache);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    const builds = readdirSync(cache).filter((n) => /^icarus-[0-9a-f]{16}$/.test(n));
    expect(builds).toHaveLength(1);
    expect(r.stderr).toContain(`build of a design not in the cache (${cache})`);
    // Results on stdout, progress on stderr: plain lines without a terminal.
    expect(r.stdout).toMatch(/^status: +ok/);
    expect(r.stdout).not.toContain('[synergyflow]');
    expect(r.stderr).not.toMatch(/[\r\x1b]/);

    const info = await cli('cache', 'info', '--cache-dir', cache, '--cache-max-size', '1G');
    expect(info.code, info.stderr).toBe(EXIT.ok);
    expect(info.stdout).toContain(`simulator cache: ${cache} (--cache-dir)`);
    expect(info.stdout).toMatch(/1 build\(s\), [\d.]+ [KM]i?B of a 1\.0 GiB limit/);
    expect(info.stdout).toContain(`${builds[0]}  preset tiny`);

    // Used again: from the cache.
    const again = await cli('run', '--preset', 'tiny', '--workload', workload, '--sim', 'icarus', '--out', join(scratch, 'out'), '--cache-dir', cache, '--quiet');
    expect(again.code, again.stderr).toBe(EXIT.ok);
    expect(again.stdout).toMatch(/; build cached/);

    const clean = await cli('cache', 'clean', '--all', '--cache-dir', cache);
    expect(clean.code, clean.stderr).toBe(EXIT.ok);
    expect(clean.stdout).toContain('removed 1 build(s)');
    expect(readdirSync(cache).filter((n) => n.startsWith('icarus-'))).toEqual([]);
  });

  it('cache clean refuses a folder that is not a synergyflow cache, exit 2, and touches nothing', async () => {
    const foreign = join(scratch, 'foreign');
    mkdirSync(join(foreign, 'verilator-0123456789abcdef'), { recursive: true });
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    const r = await cli('cache', 'clean', '--all', '--cache-dir', foreign);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.stderr).toMatch(/expected a synergyflow cache/);
    expect(readdirSync(foreign).sort()).toEqual(['notes.txt', 'verilator-0123456789abcdef']);
    const info = await cli('cache', 'info', '--cache-dir', foreign);
    expect(info.stdout).toContain('not a synergyflow cache');
    // Nor does run build into it.
    const run = await cli('run', '--preset', 'tiny', '--workload', 'builtin:lenet5:1', '--sim', 'icarus', '--out', join(scratch, 'out2'), '--cache-dir', foreign);
    expect(run.code).toBe(EXIT.badInput);
    expect(readdirSync(foreign).sort()).toEqual(['notes.txt', 'verilator-0123456789abcdef']);
  });

  it('makes no cache folder for a command refused for another input (--out, a bad workload, the worker\'s --redis)', async () => {
    // --out refused (a folder of someone else's, which would hold the cache): nothing made in it.
    const out = join(scratch, 'o7');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const run = await cli('run', '--preset', 'tiny', '--workload', 'builtin:lenet5:1', '--sim', 'icarus', '--out', out, '--cache-dir', join(out, 'cache'));
    expect(run.code).toBe(EXIT.badInput);
    expect(run.stderr).toContain('--out');
    expect(readdirSync(out)).toEqual(['notes.txt']);
    // A new --out that would hold the cache: neither is made.
    const newOut = join(scratch, 'o8');
    const again = await cli('run', '--preset', 'tiny', '--workload', 'builtin:lenet5:1', '--sim', 'icarus', '--out', newOut, '--cache-dir', join(newOut, 'cache'));
    expect(again.code).toBe(EXIT.badInput);
    expect(existsSync(newOut)).toBe(false);
    // A workload refused after --out passed: the cache is not made either.
    const cache = join(scratch, 'never-made');
    const badWorkload = await cli('run', '--preset', 'tiny', '--workload', join(scratch, 'no-such-workload.json'), '--sim', 'icarus', '--out', join(scratch, 'o9'), '--cache-dir', cache);
    expect(badWorkload.code).toBe(EXIT.badInput);
    expect(existsSync(cache)).toBe(false);
    // A worker refused for its Redis URL.
    const worker = await cli('worker', '--redis', 'http://nowhere', '--cache-dir', cache);
    expect(worker.code).toBe(EXIT.badInput);
    expect(worker.stderr).toContain('--redis');
    expect(existsSync(cache)).toBe(false);
  });

  it.skipIf(!existsSync('/proc/self'))('refuses a --cache-dir that cannot be made (under /proc) at once, exit 2 naming the option, instead of hanging', async () => {
    // In a process of its own: Node's recursive mkdirSync never returns for such a path.
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
    const r = await execa(tsx, [main, 'run', '--preset', 'tiny', '--workload', 'builtin:lenet5:1', '--sim', 'icarus', '--out', join(scratch, 'o10'), '--cache-dir', '/proc/synergyflow-no-such/cache'], { reject: false, timeout: 60_000 });
    expect(r.timedOut).toBe(false);
    expect(r.exitCode, r.stderr).toBe(EXIT.badInput);
    expect(r.stderr).toContain('--cache-dir');
    expect(r.stderr).toContain('/proc/synergyflow-no-such/cache');
    expect(existsSync(join(scratch, 'o10'))).toBe(false);
  }, 90_000);

  it('refuses a bad --cache-max-size and conflicting clean options', async () => {
    expect((await cli('cache', 'info', '--cache-max-size', 'huge')).code).toBe(EXIT.badInput);
    expect((await cli('cache', 'clean', '--all', '--older-than', '3')).code).toBe(EXIT.badInput);
    expect((await cli('cache', 'clean', '--older-than', 'soon')).code).toBe(EXIT.badInput);
  });
});
