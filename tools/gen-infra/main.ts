// `npm run gen:infra`: writes the files infra/ derives from code, so Terraform
// and the functions cannot drift apart (test/unit/infra.test.ts checks they
// are current):
//   infra/modules/bigquery/schemas/<table>.json  from schemas/bigquery-tables.ts
//   infra/modules/functions/int-settings.json    from functions/lib/config.ts INT_SETTINGS
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ALL_TABLES } from '../../schemas/bigquery-tables.js';
import { INT_SETTINGS } from '../../functions/lib/config.js';
import { schemaJson } from './bigquery-schema-json.js';
import { intSettingsJson } from './int-settings-json.js';

export const INFRA_DIR = 'infra';
export const SCHEMA_DIR = path.join(INFRA_DIR, 'modules/bigquery/schemas');
export const INT_SETTINGS_FILE = path.join(INFRA_DIR, 'modules/functions/int-settings.json');

/** Every generated file: repo-relative path -> content. */
export function generatedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const t of ALL_TABLES) files.set(path.join(SCHEMA_DIR, `${t.tableId}.json`), schemaJson(t.fields));
  files.set(INT_SETTINGS_FILE, intSettingsJson(INT_SETTINGS));
  return files;
}

function main(): void {
  const root = process.cwd();
  for (const [rel, content] of generatedFiles()) {
    const abs = path.join(root, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, content);
    console.log(`wrote ${rel}`);
  }
}

if (require.main === module) main();
