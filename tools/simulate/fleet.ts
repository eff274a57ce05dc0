// Which devices the simulator speaks for: the local stack's seeded registry
// (tools/emulate/seed.ts), so every simulated device is known to enrich.
import { ACTIVE_DEVICES, DISABLED_DEVICES, SEED_TENANTS, type SeedDevice } from '../emulate/seed.js';
import { UsageError } from '../lib/cli.js';
import type { FleetDevice } from './messages.js';

export interface FleetChoice {
  devices: FleetDevice[];
  disabledDeviceIds: string[];
  tenants: string[];
}

function toFleet(d: SeedDevice): FleetDevice {
  return { deviceId: d.deviceId, tenantId: d.tenantId, site: d.site, metrics: Object.keys(d.units) };
}

/**
 * The first `tenants` seeded tenants, and `devices` of their active devices
 * taken round-robin across those tenants (so each tenant gets a fair share).
 */
export function chooseFleet(opts: { devices?: number; tenants?: number }, seed: readonly SeedDevice[] = ACTIVE_DEVICES, tenantOrder: readonly string[] = SEED_TENANTS): FleetChoice {
  const allTenants = tenantOrder.filter((t) => seed.some((d) => d.tenantId === t));
  const nTenants = opts.tenants ?? allTenants.length;
  if (nTenants > allTenants.length) throw new UsageError(`--tenants: the seeded registry has ${allTenants.length} tenants (${allTenants.join(', ')}), asked for ${nTenants}`);
  const tenants = allTenants.slice(0, nTenants);
  const perTenant = tenants.map((t) => seed.filter((d) => d.tenantId === t));
  const available = perTenant.reduce((n, l) => n + l.length, 0);
  const want = opts.devices ?? available;
  if (want > available) throw new UsageError(`--devices: the seeded registry has ${available} active devices in ${nTenants} tenant(s), asked for ${want}`);
  const devices: FleetDevice[] = [];
  for (let i = 0; devices.length < want; i++) {
    for (const list of perTenant) {
      const d = list[i];
      if (d && devices.length < want) devices.push(toFleet(d));
    }
  }
  const disabledDeviceIds = DISABLED_DEVICES.filter((d) => tenants.includes(d.tenantId)).map((d) => d.deviceId);
  return { devices, disabledDeviceIds, tenants };
}
