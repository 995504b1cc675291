// Which Yosys and nextpnr a synthesis runs: the optional npm builds, the system's, or, with
// neither, an error that says what to install (exit 3, no stack trace).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeFailure } from '../cli/failure.ts';
import { EXIT } from '../cli/exit-codes.ts';
import { ToolError } from '../errors.ts';
import { chooseToolSource } from './fpga-tools.ts';

const bin = mkdtempSync(join(tmpdir(), 'synergyflow-fpga-tools-'));
afterAll(() => rmSync(bin, { recursive: true, force: true }));
for (const tool of ['yosys', 'nextpnr-ice40']) {
  writeFileSync(join(bin, tool), '#!/bin/sh\n');
  chmodSync(join(bin, tool), 0o755);
}
const empty = join(bin, 'nothing-here');
const installed = async () => true;
const missing = async () => false;

describe('chooseToolSource', () => {
  it('takes the npm build when its package is installed (as npm ci installs optional dependencies)', async () => {
    expect(await chooseToolSource('yosys', 'npm', { npmInstalled: installed, path: empty })).toEqual({ source: 'npm' });
    // This checkout has them: the synthesis tier runs on them.
    expect(await chooseToolSource('yosys', 'npm')).toEqual({ source: 'npm' });
    expect(await chooseToolSource('nextpnr-ice40', 'npm')).toEqual({ source: 'npm' });
  });

  it('falls back to the system binary on PATH when the npm build is not installed, and says so', async () => {
    const choice = await chooseToolSource('nextpnr-ice40', 'npm', { npmInstalled: missing, path: bin });
    expect(choice.source).toBe('system');
    expect(choice.note).toMatch(/@yowasp\/nextpnr-ice40 .*not installed: using the system nextpnr-ice40/);
    expect(await chooseToolSource('yosys', 'system', { npmInstalled: installed, path: bin })).toEqual({ source: 'system' });
  });

  it('with neither, says what to install, and the CLI exits 3 with that message and no stack trace', async () => {
    for (const requested of ['npm', 'system'] as const) {
      const err = await chooseToolSource('yosys', requested, { npmInstalled: missing, path: empty }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ToolError);
      const message = (err as Error).message;
      expect(message).toContain('apt-get install yosys nextpnr-ice40');
      expect(message).toMatch(/npm install @yowasp\/yosys@[\d.]+ @yowasp\/nextpnr-ice40@[\d.]+/);
      const failure = describeFailure(err, false);
      expect(failure.code).toBe(EXIT.tool);
      expect(failure.message).toBe(`error: ${message}`);
      expect(failure.message).not.toMatch(/\n\s+at /);
    }
  });
});
