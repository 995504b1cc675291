// config.schema.json: committed, equal to what npm run schema writes from the zod schema today
// (so it cannot go stale), accepting every preset and example config and refusing broken ones,
// and the config loader accepting the "$schema" key that names it.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCalibration } from '../explore/calibration.ts';
import { packagePath } from '../paths.ts';
import { CONFIG_SCHEMA_FILE, configJsonSchema, configJsonSchemaText } from './json-schema.ts';
import { presets } from './presets.ts';
import { loadConfig, resolveConfig } from './resolve.ts';

type Schema = Record<string, unknown>;

/**
 * The JSON Schema keywords config.schema.json uses, checked as draft 2020-12 defines them; any
 * other keyword fails the check, so that a schema this checker does not understand cannot pass.
 * (A few lines instead of a validator dependency.)
 */
function validate(schema: Schema, value: unknown, path = '$'): string[] {
  const errors: string[] = [];
  const fail = (what: string) => errors.push(`${path}: ${what}`);
  for (const [key, rule] of Object.entries(schema)) {
    switch (key) {
      case '$schema': case 'title': case 'description': case 'default':
        break;
      case 'type': {
        const ok = { object: typeof value === 'object' && value !== null && !Array.isArray(value), integer: Number.isInteger(value), number: typeof value === 'number',
          string: typeof value === 'string', boolean: typeof value === 'boolean' }[rule as string];
        if (ok === undefined) throw new Error(`unknown type ${String(rule)}`);
        if (!ok) fail(`not ${String(rule)}`);
        break;
      }
      case 'properties':
        if (typeof value === 'object' && value !== null) {
          for (const [name, sub] of Object.entries(rule as Record<string, Schema>)) {
            if (name in value) errors.push(...validate(sub, (value as Record<string, unknown>)[name], `${path}.${name}`));
          }
        }
        break;
      case 'additionalProperties':
        if (rule !== false) throw new Error('additionalProperties other than false');
        if (typeof value === 'object' && value !== null) {
          for (const name of Object.keys(value)) if (!(name in ((schema.properties ?? {}) as object))) fail(`unknown property ${name}`);
        }
        break;
      case 'required':
        for (const name of rule as string[]) if (typeof value === 'object' && value !== null && !(name in value)) fail(`missing ${name}`);
        break;
      case 'minimum': if (typeof value === 'number' && value < (rule as number)) fail(`below ${String(rule)}`); break;
      case 'maximum': if (typeof value === 'number' && value > (rule as number)) fail(`above ${String(rule)}`); break;
      case 'exclusiveMinimum': if (typeof value === 'number' && value <= (rule as number)) fail(`not above ${String(rule)}`); break;
      case 'exclusiveMaximum': if (typeof value === 'number' && value >= (rule as number)) fail(`not below ${String(rule)}`); break;
      case 'enum': if (!(rule as unknown[]).includes(value)) fail(`not one of ${JSON.stringify(rule)}`); break;
      case 'const': if (value !== rule) fail(`not ${JSON.stringify(rule)}`); break;
      case 'pattern': if (typeof value === 'string' && !new RegExp(rule as string, 'u').test(value)) fail(`does not match ${String(rule)}`); break;
      case 'anyOf': if (!(rule as Schema[]).some((s) => validate(s, value, path).length === 0)) fail('matches none of anyOf'); break;
      default:
        throw new Error(`the checker does not know the keyword ${key}`);
    }
  }
  return errors;
}

const committed = JSON.parse(readFileSync(packagePath(CONFIG_SCHEMA_FILE), 'utf8')) as Schema;
const exampleConfigs = readdirSync(packagePath('examples')).filter((f) => f.startsWith('config-') && f.endsWith('.json'));

describe('config.schema.json', () => {
  it('is what npm run schema writes from the zod schema today (run it after changing generator/config/schema.ts)', () => {
    expect(readFileSync(packagePath(CONFIG_SCHEMA_FILE), 'utf8')).toBe(configJsonSchemaText());
  });

  it('accepts every preset, example config and calibration point\'s config, and the "$schema" key', () => {
    expect(exampleConfigs.length).toBeGreaterThan(0);
    const configs: [string, unknown][] = [
      ...Object.entries(presets).map(([name, c]): [string, unknown] => [`preset ${name}`, c]),
      ...exampleConfigs.map((f): [string, unknown] => [f, JSON.parse(readFileSync(join(packagePath('examples'), f), 'utf8'))]),
      ...loadCalibration().points.map((p): [string, unknown] => [`calibration ${p.name}`, p.config]),
      ['empty', {}],
    ];
    for (const [name, config] of configs) expect(validate(committed, config), name).toEqual([]);
  });

  it('refuses broken configs: an unknown key, a wrong type, a value out of range, a bad enum or name', () => {
    const broken: [unknown, RegExp][] = [
      [{ engine: 2 }, /unknown property engine/],
      [{ pe: { tn: 8, tm: 8, lanes: 4 } }, /\$\.pe: unknown property lanes/],
      [{ engines: '2' }, /\$\.engines: not integer/],
      [{ engines: 64 }, /\$\.engines: above 32/],
      [{ engines: 1.5 }, /not integer/],
      [{ dataBits: 12 }, /\$\.dataBits: matches none of anyOf/],
      [{ pe: { multiplier: 'wallace' } }, /\$\.pe\.multiplier: not one of/],
      [{ name: 'Big' }, /\$\.name: does not match/],
      [{ memory: { maxOutstanding: 1 } }, /\$\.memory\.maxOutstanding: below 2/],
      [[], /\$: not object/],
    ];
    for (const [config, error] of broken) {
      expect(validate(committed, config).join('\n'), JSON.stringify(config)).toMatch(error);
      // The loader refuses them too (it checks more: powers of two, cross-field rules).
      expect(() => resolveConfig(config, 'test')).toThrow();
    }
  });

  it('describes every field', () => {
    const undescribed: string[] = [];
    const walk = (s: Schema, path: string) => {
      for (const [name, sub] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
        if (typeof sub.description !== 'string' || sub.description.length === 0) undescribed.push(`${path}${name}`);
        walk(sub, `${path}${name}.`);
      }
    };
    walk(configJsonSchema(), '');
    expect(undescribed).toEqual([]);
  });
});

describe('the "$schema" key of a config file', () => {
  it('is ignored by the loader: the example loads, and hashes as the same config without it', () => {
    for (const file of exampleConfigs) {
      const path = join(packagePath('examples'), file);
      const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      expect(json.$schema).toBe(`../${CONFIG_SCHEMA_FILE}`);
      const { $schema: _schema, ...bare } = json;
      const cfg = loadConfig({ config: path });
      expect(cfg.hash).toBe(resolveConfig(bare, 'bare').hash);
      expect(Object.keys(cfg)).not.toContain('$schema');
    }
  });

  it('must be a string; any other key stays an error', () => {
    expect(() => resolveConfig({ $schema: 3 }, 'test')).toThrow(/\$schema/);
    expect(() => resolveConfig({ $schemas: 'x' }, 'test')).toThrow(/\$schemas/);
  });
});
