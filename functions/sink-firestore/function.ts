// sinkFirestore: events-enriched -> Firestore deviceState/{deviceId}.
import * as functions from '@google-cloud/functions-framework';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { Firestore } from '@google-cloud/firestore';
import { config } from '../lib/config.js';
import { handlePubSubEvent } from '../lib/handle-message.js';
import { deviceStateCoalescer, processEnrichedMessage, type SinkFirestoreDeps } from './sink.js';
import { FirestoreStateStore } from './state-store.js';

let deps: SinkFirestoreDeps | undefined;

/** Created once per instance (FIRESTORE_EMULATOR_HOST points the client at the emulator). */
function instanceDeps(): SinkFirestoreDeps {
  if (!deps) {
    const cfg = config();
    const coalescer = deviceStateCoalescer(new FirestoreStateStore(new Firestore({ projectId: cfg.projectId })), cfg.firestoreCoalesceMs);
    deps = { enqueue: (id, e) => coalescer.add(id, e) };
  }
  return deps;
}

functions.cloudEvent('sinkFirestore', (event: CloudEvent<unknown>) =>
  handlePubSubEvent('sinkFirestore', event, (msg, ctx) => processEnrichedMessage(msg, ctx, instanceDeps())),
);
