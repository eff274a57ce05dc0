/// <reference lib="dom" />
// Live device state in the browser: one Firebase app per tenant, each
// connected to the Firestore emulator with a mock ID token carrying that
// tenant's `tenantId` claim, so firestore.rules (tenant-scoped reads) apply
// exactly as they would to a signed-in tenant user. Each tenant's
// deviceState documents arrive through a real-time listener.
import { initializeApp, deleteApp, type FirebaseApp } from 'firebase/app';
import { collection, connectFirestoreEmulator, getFirestore, onSnapshot, query, where, type DocumentData } from 'firebase/firestore';

export interface LiveConfig {
  projectId: string;
  firestoreHost: string;
  firestorePort: number;
}

export interface DeviceStateDoc {
  deviceId: string;
  tenantId: string;
  data: DocumentData;
}

export interface LiveHandlers {
  onState(tenantId: string, docs: DeviceStateDoc[], removed: string[]): void;
  onStatus(tenantId: string, status: 'live' | 'error', detail?: string): void;
}

export function listenTenant(cfg: LiveConfig, tenantId: string, h: LiveHandlers): () => void {
  // apiKey is required by the SDK but never checked by the emulator.
  const app: FirebaseApp = initializeApp({ projectId: cfg.projectId, apiKey: 'local-emulator', appId: `dashboard-${tenantId}` }, `tenant-${tenantId}`);
  const db = getFirestore(app);
  connectFirestoreEmulator(db, cfg.firestoreHost, cfg.firestorePort, { mockUserToken: { sub: `dashboard-${tenantId}`, tenantId } });
  // The rules only allow lists constrained to the caller's own tenant.
  const q = query(collection(db, 'deviceState'), where('tenantId', '==', tenantId));
  const unsubscribe = onSnapshot(
    q,
    (snap) => {
      const changed: DeviceStateDoc[] = [];
      const removed: string[] = [];
      for (const ch of snap.docChanges()) {
        if (ch.type === 'removed') removed.push(ch.doc.id);
        else changed.push({ deviceId: ch.doc.id, tenantId, data: ch.doc.data() });
      }
      h.onState(tenantId, changed, removed);
      h.onStatus(tenantId, 'live');
    },
    (err) => h.onStatus(tenantId, 'error', err.message),
  );
  return () => {
    unsubscribe();
    void deleteApp(app);
  };
}
