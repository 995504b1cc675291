// npm run schema: writes config.schema.json (the JSON Schema of config files, for editors: a
// config names it with "$schema") from the zod schema of generator/config/schema.ts. The file is
// committed; generator/config/json-schema.test.ts fails when it differs from what this writes.
//   npx tsx scripts/schema.ts [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { CONFIG_SCHEMA_FILE, configJsonSchemaText } from '../generator/config/json-schema.ts';
import { packagePath } from '../generator/paths.ts';

const file = packagePath(CONFIG_SCHEMA_FILE);
const text = configJsonSchemaText();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    // Missing: different.
  }
  if (current !== text) {
    console.error(`${CONFIG_SCHEMA_FILE} is stale: run npm run schema`);
    process.exit(1);
  }
  console.log(`${CONFIG_SCHEMA_FILE} is current`);
} else {
  writeFileSync(file, text);
  console.log(`wrote ${CONFIG_SCHEMA_FILE} (${text.length} bytes)`);
}
