// The registry document devices/{deviceId}, checked before use: a document
// someone wrote by hand may lack fields, and a wrong tenant is worse than a
// dead letter.
import { PermanentError } from '../lib/errors.js';

export interface DeviceRecord {
  tenantId: string;
  site: string | null;
  model: string | null;
  /** metric name -> unit */
  units: Record<string, string>;
  status: 'active' | 'disabled';
}

function malformed(detail: string): PermanentError {
  return new PermanentError('malformed-device-record', `devices: ${detail}`);
}

function optionalString(doc: Record<string, unknown>, key: string): string | null {
  const v = doc[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw malformed(`${key} is not a string`);
  return v;
}

/** devices/{id} document -> DeviceRecord, or malformed-device-record. A missing status means active. */
export function parseDeviceRecord(doc: Record<string, unknown>): DeviceRecord {
  const tenantId = doc.tenantId;
  if (typeof tenantId !== 'string' || tenantId.trim() === '') throw malformed('no tenantId');
  const status = doc.status ?? 'active';
  if (status !== 'active' && status !== 'disabled') throw malformed('status is neither active nor disabled');
  const rawUnits = doc.units ?? {};
  if (typeof rawUnits !== 'object' || rawUnits === null || Array.isArray(rawUnits)) throw malformed('units is not a map');
  const units: Record<string, string> = {};
  for (const [metric, unit] of Object.entries(rawUnits)) {
    if (typeof unit !== 'string') throw malformed('a unit is not a string');
    units[metric] = unit;
  }
  return { tenantId, site: optionalString(doc, 'site'), model: optionalString(doc, 'model'), units, status };
}
