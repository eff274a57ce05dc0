// The Storage API's service definitions, from the protos that ship inside
// @google-cloud/bigquery-storage (build/protos/protos.json is the bundle the
// client itself loads: storage.proto and everything it imports), so the
// emulator and the client always agree on the wire format.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { loadPackageDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';

let json: Record<string, unknown> | undefined;

/** The client package's protos.json (protobufjs JSON descriptors). */
export function storageProtos(): Record<string, unknown> {
  if (!json) {
    // The package's main is build/src/index.js; its protos are in build/protos.
    const main = require.resolve('@google-cloud/bigquery-storage');
    const file = path.join(path.dirname(main), '..', 'protos', 'protos.json');
    json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  }
  return json;
}

export interface StorageServices {
  write: ServiceDefinition;
  read: ServiceDefinition;
}

let services: StorageServices | undefined;

export function storageServices(): StorageServices {
  if (!services) {
    // longs as strings (offsets are int64), enums by name, no defaults (so
    // presence is visible), bytes as Buffers.
    const def = fromJSON(storageProtos(), { keepCase: false, longs: String, enums: String, defaults: false, oneofs: true });
    const pkg = loadPackageDefinition(def) as unknown as {
      google: { cloud: { bigquery: { storage: { v1: Record<'BigQueryWrite' | 'BigQueryRead', { service: ServiceDefinition }> } } } };
    };
    const v1 = pkg.google.cloud.bigquery.storage.v1;
    services = { write: v1.BigQueryWrite.service, read: v1.BigQueryRead.service };
  }
  return services;
}
