// Writes schemas/device-message.v1.json, the copy of the TypeScript schema for
// external tools. Run after changing the schema:
//   npx tsc -p tsconfig.json && node build/schemas/device-message.generate.js
// test/unit/schema.test.ts fails when the committed copy is stale.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { deviceMessageSchemaV1 } from './device-message.v1.js';

export function deviceMessageJsonV1(): string {
  return JSON.stringify(deviceMessageSchemaV1, null, 2) + '\n';
}

/** build/schemas/ -> the repository's schemas/ folder. */
export const DEVICE_MESSAGE_JSON_PATH = path.resolve(__dirname, '../../schemas/device-message.v1.json');

if (require.main === module) {
  writeFileSync(DEVICE_MESSAGE_JSON_PATH, deviceMessageJsonV1());
  console.log(`wrote ${DEVICE_MESSAGE_JSON_PATH}`);
}
