// One Firestore client per instance, created on first use
// (FIRESTORE_EMULATOR_HOST points it at the emulator).
import { Firestore } from '@google-cloud/firestore';
import { config } from './config.js';

let client: Firestore | undefined;

export function firestore(): Firestore {
  client ??= new Firestore({ projectId: config().projectId });
  return client;
}
