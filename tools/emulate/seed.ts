// The device registry the local stack starts with: 3 tenants, 20 active
// sensors each, plus 2 disabled devices. Tests, the simulator and the
// dashboard all read this list, so they agree on which devices exist.

export interface DeviceRecord {
  tenantId: string;
  site: string;
  model: string;
  /** metric name -> unit */
  units: Record<string, string>;
  status: 'active' | 'disabled';
}

export interface SeedDevice extends DeviceRecord {
  deviceId: string;
}

export const SEED_TENANTS = ['acme', 'globex', 'initech'] as const;
export const DEVICES_PER_TENANT = 20;

/** Units every seeded device declares; a metric without a unit (e.g. rssi) is still stored, unit null. */
export const SEED_UNITS: Readonly<Record<string, string>> = {
  temperature: 'celsius',
  humidity: 'percent',
  pressure: 'hPa',
  battery: 'volt',
  co2: 'ppm',
};

const SITES: Record<string, readonly string[]> = {
  acme: ['acme-berlin', 'acme-lyon'],
  globex: ['globex-austin', 'globex-osaka'],
  initech: ['initech-dublin', 'initech-porto'],
};
const MODELS = ['th-200', 'thp-300', 'env-400'] as const;

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function buildSeed(): SeedDevice[] {
  const out: SeedDevice[] = [];
  for (const tenantId of SEED_TENANTS) {
    const sites = SITES[tenantId] ?? [`${tenantId}-hq`];
    for (let i = 1; i <= DEVICES_PER_TENANT; i++) {
      out.push({
        deviceId: `${tenantId}-sensor-${pad2(i)}`,
        tenantId,
        site: sites[i % sites.length] ?? `${tenantId}-hq`,
        model: MODELS[i % MODELS.length] ?? 'th-200',
        units: { ...SEED_UNITS },
        status: 'active',
      });
    }
  }
  // Disabled devices: registered (so not "unknown") but their events are refused.
  out.push({ deviceId: 'acme-sensor-retired-01', tenantId: 'acme', site: 'acme-berlin', model: 'th-200', units: { ...SEED_UNITS }, status: 'disabled' });
  out.push({ deviceId: 'globex-sensor-retired-01', tenantId: 'globex', site: 'globex-austin', model: 'thp-300', units: { ...SEED_UNITS }, status: 'disabled' });
  return out;
}

export const SEED_DEVICES: readonly SeedDevice[] = buildSeed();
export const ACTIVE_DEVICES: readonly SeedDevice[] = SEED_DEVICES.filter((d) => d.status === 'active');
export const DISABLED_DEVICES: readonly SeedDevice[] = SEED_DEVICES.filter((d) => d.status === 'disabled');

/** The Firestore document body for devices/{deviceId}. */
export function deviceDocument(d: SeedDevice): DeviceRecord {
  return { tenantId: d.tenantId, site: d.site, model: d.model, units: { ...d.units }, status: d.status };
}
