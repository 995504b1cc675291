// The JSON Schema of a config file (config.schema.json, written by npm run schema), derived from
// the zod schema (./schema.ts), so that editors complete and check config files that name it
// with "$schema". The zod schema stays the one definition: the committed file is compared with
// this function's output by a test. Cross-field rules (tm a multiple of tn, buffers that fit a
// layer, ...) are resolve.ts's and are not in the JSON Schema.
import { z } from 'zod';
import { configSchema } from './schema.ts';

/** The file name, at the package root; package.json exports it as synergyflow/config.schema.json. */
export const CONFIG_SCHEMA_FILE = 'config.schema.json';

/** The key a config file may carry to name its JSON Schema; the config loader ignores it. */
export const SCHEMA_KEY = '$schema';

export function configJsonSchema(): Record<string, unknown> {
  // io 'input': the file's view, in which every field with a default may be left out.
  const schema = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown> & { properties: Record<string, Record<string, unknown>> };
  return {
    $schema: schema.$schema,
    title: 'synergyflow accelerator configuration',
    description: 'A synergyflow config file (synergyflow generate --config FILE). Generated from generator/config/schema.ts by npm run schema; do not edit.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
    properties: { [SCHEMA_KEY]: { type: 'string', description: 'This schema (e.g. "./node_modules/synergyflow/config.schema.json"); ignored by synergyflow.' }, ...schema.properties },
  };
}

/** The file's text: two-space JSON with a final newline. */
export function configJsonSchemaText(): string {
  return JSON.stringify(configJsonSchema(), null, 2) + '\n';
}
