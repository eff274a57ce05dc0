// Cloud IoT Core's naming rules, kept so that device firmware and tools built
// for IoT Core work unchanged: device and registry ids are 3-255 characters,
// start with a letter and may hold letters, digits and - . _ + ~ %. Such ids
// are valid Firestore document ids as they are (no '/', never '.' or '..',
// never '__x__' since they start with a letter), so they are stored unescaped.
export const IOT_ID_PATTERN = '^[a-zA-Z][-a-zA-Z0-9._+~%]{2,254}$';
const IOT_ID = new RegExp(IOT_ID_PATTERN);

/** IoT Core's location ids are Cloud region names (us-central1, europe-west1...). */
const LOCATION = /^[a-z][a-z0-9-]{1,62}$/;
const PROJECT = /^[a-z][a-z0-9-]{4,61}[a-z0-9]$/;

export function isIotId(id: string): boolean {
  return IOT_ID.test(id);
}

/** A device as the bridges address it: projects/{p}/locations/{l}/registries/{r}/devices/{d}. */
export interface DevicePath {
  projectId: string;
  location: string;
  registryId: string;
  deviceId: string;
}

/**
 * Parses the full device path that IoT Core uses as the MQTT client id and in
 * the HTTP bridge's URLs. Returns null for anything else, so a caller answers
 * with its own protocol's error.
 */
export function parseDevicePath(path: string): DevicePath | null {
  const m = /^projects\/([^/]+)\/locations\/([^/]+)\/registries\/([^/]+)\/devices\/([^/]+)$/.exec(path);
  if (!m) return null;
  const [, projectId, location, registryId, deviceId] = m as unknown as [string, string, string, string, string];
  if (!PROJECT.test(projectId) || !LOCATION.test(location) || !isIotId(registryId) || !isIotId(deviceId)) return null;
  return { projectId, location, registryId, deviceId };
}

export function devicePathString(p: DevicePath): string {
  return `projects/${p.projectId}/locations/${p.location}/registries/${p.registryId}/devices/${p.deviceId}`;
}
