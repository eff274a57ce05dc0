// Structured logs: one JSON object per line, which Cloud Logging parses as is
// (severity, message, plus ids). Never log message payloads: ids only.
export type Severity = 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR' | 'CRITICAL';

export interface LogFields {
  eventId?: string;
  deviceId?: string;
  stage?: string;
  reason?: string;
  messageId?: string;
  [key: string]: string | number | boolean | undefined;
}

const ORDER: Record<Severity, number> = { DEBUG: 0, INFO: 1, NOTICE: 2, WARNING: 3, ERROR: 4, CRITICAL: 5 };
const minLevel = ORDER[(process.env.LOG_LEVEL?.toUpperCase() as Severity) ?? 'INFO'] ?? ORDER.INFO;

export function log(severity: Severity, message: string, fields: LogFields = {}): void {
  if (ORDER[severity] < minLevel) return;
  const line = JSON.stringify({ severity, message, ...fields, time: new Date().toISOString() });
  if (ORDER[severity] >= ORDER.ERROR) process.stderr.write(line + '\n');
  else process.stdout.write(line + '\n');
}

export const logger = {
  debug: (m: string, f?: LogFields) => log('DEBUG', m, f),
  info: (m: string, f?: LogFields) => log('INFO', m, f),
  warn: (m: string, f?: LogFields) => log('WARNING', m, f),
  error: (m: string, f?: LogFields) => log('ERROR', m, f),
};
