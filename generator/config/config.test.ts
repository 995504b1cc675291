import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import { presets } from './presets.ts';
import { CONFIG_LIMITS, engineBufferBytes, loadConfig, resolveConfig } from './resolve.ts';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err.problems.map((p) => `${p.field}: expected ${p.expected}, found ${p.found}`);
    throw err;
  }
  throw new Error('expected an InputError');
}

describe('config', () => {
  it('resolves every preset with derived widths', () => {
    for (const name of Object.keys(presets)) {
      const cfg = loadConfig({ preset: name });
      expect(cfg.busBits).toBe(cfg.pe.tn * cfg.dataBits);
      expect(cfg.macs).toBe(cfg.engines * cfg.pe.tn * cfg.pe.tm);
      expect(cfg.hash).toMatch(/^[0-9a-f]{12}$/);
    }
  });

  it('sizes the paper preset at 2048 MACs or more', () => {
    expect(loadConfig({ preset: 'paper' }).macs).toBeGreaterThanOrEqual(2048);
  });

  it('hashes the canonical config, not key order', () => {
    const a = resolveConfig({ pe: { tn: 4, tm: 8 }, engines: 1 }, 'a');
    const b = resolveConfig({ engines: 1, pe: { tm: 8, tn: 4 } }, 'b');
    expect(a.hash).toBe(b.hash);
    expect(resolveConfig({ pe: { tn: 4, tm: 16 } }, 'c').hash).not.toBe(a.hash);
  });

  it('reports every schema problem at once, with field, expectation and found value', () => {
    const problems = problemsOf(() => resolveConfig({ dataBits: 12, pe: { tn: 3, foo: 1 }, bogus: true }, 'my.json'));
    expect(problems).toHaveLength(4);
    expect(problems).toContain('dataBits: expected one of 8, 16, found 12');
    expect(problems).toContain('pe.tn: expected a power of two, found 3');
    expect(problems.some((p) => p.startsWith('pe.foo: expected no such field'))).toBe(true);
    expect(problems.some((p) => p.startsWith('bogus: expected no such field (known: name, dataBits'))).toBe(true);
  });

  it('reports cross-field conflicts', () => {
    const problems = problemsOf(() => resolveConfig({ pe: { tn: 8, tm: 4 } }, 'x.json'));
    expect(problems).toEqual([expect.stringMatching(/^pe\.tm: expected a multiple of pe\.tn \(8\).*found 4$/)]);
  });

  it('checks the post-processing lanes against tn and names the multiplier choices', () => {
    const lanes = problemsOf(() => resolveConfig({ pe: { tn: 4, tm: 4, postLanes: 8 } }, 'x.json'));
    expect(lanes).toEqual([expect.stringMatching(/^pe\.postLanes: expected a divisor of pe\.tn \(4\).*found 8$/)]);
    const mult = problemsOf(() => resolveConfig({ pe: { multiplier: 'dsp' } }, 'x.json'));
    expect(mult).toEqual([expect.stringMatching(/^pe\.multiplier: expected one of .*inferred.*booth.*found .*dsp/)]);
  });

  it('names the file in the message', () => {
    try {
      resolveConfig({ engines: 'two' }, 'cfg/big.json');
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toBe('cfg/big.json: engines: expected a number, found "two"');
    }
  });

  it('rejects an unknown preset, naming the known ones', () => {
    expect(problemsOf(() => loadConfig({ preset: 'huge' }))).toEqual(['--preset: expected one of tiny, micro, default, paper, found "huge"']);
  });

  it('states an exclusive zod minimum as the inclusive bound it means', () => {
    expect(problemsOf(() => resolveConfig({ engines: 0 }, 'x.json'))).toEqual(['engines: expected an integer >= 1, found 0']);
    expect(problemsOf(() => resolveConfig({ clockMhz: 0 }, 'x.json'))).toEqual(['clockMhz: expected a number > 0, found 0']);
    expect(problemsOf(() => resolveConfig({ memory: { addressBits: 40 } }, 'x.json'))).toEqual(['memory.addressBits: expected an integer <= 32, found 40']);
  });

  it('refuses sizes beyond what the hardware and this machine class can take, saying the bound', () => {
    expect(problemsOf(() => resolveConfig({ buffers: { inputWords: 2 ** 30 } }, 'x.json'))).toEqual([
      expect.stringMatching(/^buffers\.inputWords: expected at most 16384 words \(the descriptor's 16-bit loop fields count them\), found 1073741824$/),
      expect.stringMatching(/^buffers: expected at most 4 MiB of buffers per engine/),
    ]);
    expect(problemsOf(() => resolveConfig({ buffers: { weightWords: 2048 }, pe: { tn: 16, tm: 16 } }, 'x.json'))).toEqual([
      expect.stringMatching(/^buffers\.weightWords: expected at most 16384 words of weight beats .*found 2048 \(times pe\.tm 16 = 32768 weight beats\)$/),
    ]);
    expect(problemsOf(() => resolveConfig({ engines: 32, pe: { tn: 64, tm: 64 } }, 'x.json'))).toEqual([
      'engines: expected engines * pe.tn * pe.tm (MACs) at most 16384, found 32 * 64 * 64 = 131072',
      'engines: expected at most 32 MiB of buffers in all engines, found 32 engines of 2.50 MiB',
    ]);
    expect(problemsOf(() => resolveConfig({ engines: 32, pe: { tn: 16, tm: 16 }, buffers: { inputWords: 16384, accWords: 16384 } }, 'x.json'))).toEqual([
      'engines: expected at most 32 MiB of buffers in all engines, found 32 engines of 1.63 MiB',
    ]);
  });

  it('leaves every preset well inside the limits', () => {
    for (const name of Object.keys(presets)) {
      const cfg = loadConfig({ preset: name });
      expect(cfg.macs * 4).toBeLessThanOrEqual(CONFIG_LIMITS.macs);
      expect(engineBufferBytes(cfg) * cfg.engines * 4).toBeLessThanOrEqual(CONFIG_LIMITS.totalBufferBytes);
      expect(Math.max(cfg.buffers.inputWords, cfg.buffers.accWords, cfg.buffers.weightWords * cfg.pe.tm)).toBeLessThanOrEqual(CONFIG_LIMITS.loopWords);
    }
  });
});
