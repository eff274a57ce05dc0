// Which deviceState fields the fault run can check exactly. The gcloud
// Firestore emulator keeps no data across a restart (it is in memory; its
// --export-on-exit/--import-data flags exist, but the stack's restart starts it
// plain, and a crash would not export anyway), so a restart wipes live state,
// which is an emulator artifact, not a pipeline fault. A field is checked iff
// its newest event was carried by a message published after the restart had
// finished: that message reached sinkFirestore afterwards, and per-field
// last-writer-wins must then show exactly that value. The other fields are
// counted and reported as skipped.
import type { ExpectedDeviceState, MixMessage } from '../lib/message-mix.js';

/** eventIds (deviceId:seq) carried by a device message; [] for anything that is not a well-formed event message. */
export function eventIdsOf(m: MixMessage): string[] {
  if (m.kind !== 'single' && m.kind !== 'batch' && m.kind !== 'duplicate') return [];
  try {
    const body = JSON.parse(m.data.toString('utf8')) as { deviceId?: unknown; seq?: unknown; events?: { seq?: unknown }[] };
    if (typeof body.deviceId !== 'string') return [];
    const seqs = Array.isArray(body.events) ? body.events.map((e) => e.seq) : [body.seq];
    return seqs.filter((s): s is number => typeof s === 'number').map((s) => `${body.deviceId as string}:${s}`);
  } catch {
    return [];
  }
}

export interface FieldCheck {
  deviceId: string;
  /** "metrics.temperature" or "state.door" */
  field: string;
  value: unknown;
  eventId: string;
}

export interface StatePlan {
  checked: FieldCheck[];
  skipped: FieldCheck[];
}

/** Splits the expected fields into checked / skipped, given the index of the first message published after the last Firestore restart. */
export function planStateChecks(messages: readonly MixMessage[], expected: ReadonlyMap<string, ExpectedDeviceState>, firstIndexAfterRestart: number): StatePlan {
  const after = new Set<string>();
  for (let i = Math.max(0, firstIndexAfterRestart); i < messages.length; i++) for (const id of eventIdsOf(messages[i]!)) after.add(id);
  const plan: StatePlan = { checked: [], skipped: [] };
  for (const [deviceId, st] of expected) {
    const fields: FieldCheck[] = [
      ...Object.entries(st.metrics).map(([k, f]) => ({ deviceId, field: `metrics.${k}`, value: f.value as unknown, eventId: f.eventId })),
      ...Object.entries(st.state).map(([k, f]) => ({ deviceId, field: `state.${k}`, value: f.value as unknown, eventId: f.eventId })),
    ];
    for (const f of fields) (after.has(f.eventId) ? plan.checked : plan.skipped).push(f);
  }
  return plan;
}

type Doc = { metrics?: Record<string, { value?: unknown; eventId?: unknown }>; state?: Record<string, { value?: unknown; eventId?: unknown }> };

/** Problems (empty when every checked field holds its newest value and eventId). */
export function compareState(docs: ReadonlyMap<string, unknown>, checks: readonly FieldCheck[]): string[] {
  const problems: string[] = [];
  for (const c of checks) {
    const doc = docs.get(c.deviceId) as Doc | undefined;
    if (!doc) {
      problems.push(`${c.deviceId}: no deviceState document`);
      continue;
    }
    const [group, key] = c.field.split('.', 2) as ['metrics' | 'state', string];
    const got = doc[group]?.[key];
    if (got?.value !== c.value || got?.eventId !== c.eventId) {
      problems.push(`${c.deviceId}.${c.field}: ${JSON.stringify(got ?? null)} != ${JSON.stringify({ value: c.value, eventId: c.eventId })}`);
    }
  }
  return problems;
}
