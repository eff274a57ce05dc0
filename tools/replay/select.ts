// The GoogleSQL the replay tool runs against telemetry.deadletter: the
// filtered rows themselves (with the raw payload, for --dry-run/--publish)
// and a grouped overview (for listing). Filters become query parameters,
// never spliced text.
import { DATASET, TABLES } from '../../functions/lib/names.js';

export interface DeadLetterFilters {
  reason?: string;
  stage?: string;
  device?: string;
  messageId?: string;
  since: Date;
  until?: Date;
  limit: number;
}

export interface SqlWithParams {
  sql: string;
  params: Record<string, unknown>;
  types: Record<string, string>;
}

function where(f: DeadLetterFilters): { clause: string; params: Record<string, unknown>; types: Record<string, string> } {
  const conds = ['received_at >= @since'];
  // Typed TIMESTAMP parameters: a STRING one does not compare with a TIMESTAMP column.
  const params: Record<string, unknown> = { since: f.since };
  const types: Record<string, string> = { since: 'TIMESTAMP' };
  if (f.until) {
    conds.push('received_at < @until');
    params.until = f.until;
    types.until = 'TIMESTAMP';
  }
  if (f.reason !== undefined) {
    conds.push('reason = @reason');
    params.reason = f.reason;
  }
  if (f.stage !== undefined) {
    conds.push('stage = @stage');
    params.stage = f.stage;
  }
  if (f.device !== undefined) {
    conds.push('device_id = @device');
    params.device = f.device;
  }
  if (f.messageId !== undefined) {
    conds.push('message_id = @messageId');
    params.messageId = f.messageId;
  }
  for (const k of Object.keys(params)) types[k] ??= 'STRING';
  return { clause: conds.join('\n  AND '), params, types };
}

const table = (projectId: string): string => `\`${projectId}.${DATASET}.${TABLES.deadLetter}\``;

/** The dead-letter rows to replay, oldest first (replays keep the original order). */
export function selectRows(projectId: string, f: DeadLetterFilters): SqlWithParams {
  const w = where(f);
  return {
    sql: `SELECT received_at, stage, reason, detail, device_id, event_id, message_id, attributes,
  payload, payload_size, payload_sha256, payload_truncated
FROM ${table(projectId)}
WHERE ${w.clause}
ORDER BY received_at, message_id
LIMIT ${Math.floor(f.limit)}`,
    params: w.params,
    types: w.types,
  };
}

/** Counts per (stage, reason, device, hour): the listing rolls these up several ways. */
export function selectGroups(projectId: string, f: Omit<DeadLetterFilters, 'limit'>): SqlWithParams {
  const w = where({ ...f, limit: 0 });
  return {
    sql: `SELECT stage, reason, device_id, TIMESTAMP_TRUNC(received_at, HOUR) AS hour,
  COUNT(*) AS messages,
  COUNTIF(payload_truncated) AS truncated,
  MIN(received_at) AS first_seen,
  MAX(received_at) AS last_seen
FROM ${table(projectId)}
WHERE ${w.clause}
GROUP BY stage, reason, device_id, hour
ORDER BY hour, stage, reason, device_id
LIMIT 100000`,
    params: w.params,
    types: w.types,
  };
}
