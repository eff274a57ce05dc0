// One interleaved log for every component: each line tagged with its
// component (padded; coloured only on a TTY). Functions log JSON lines
// (functions/lib/logger.ts): on a TTY they are shown as severity, message and
// ids; otherwise passed through untouched so they stay machine-readable.

const COLOURS = [36, 35, 33, 32, 34, 96, 95, 93, 92, 94] as const;
const SEVERITY_COLOUR: Record<string, number> = { DEBUG: 90, INFO: 0, NOTICE: 36, WARNING: 33, ERROR: 31, CRITICAL: 41 };
/** Fields shown after the message, in this order; others are dropped on a TTY. */
const ID_FIELDS = ['eventId', 'deviceId', 'stage', 'reason', 'messageId', 'count', 'rows', 'ms'] as const;

export const TAG_WIDTH = 14;

export interface LogFormatOptions {
  tty: boolean;
}

const colourOf = new Map<string, number>();
function componentColour(component: string): number {
  let c = colourOf.get(component);
  if (c === undefined) {
    c = COLOURS[colourOf.size % COLOURS.length] ?? 36;
    colourOf.set(component, c);
  }
  return c;
}

function paint(code: number, text: string): string {
  return code === 0 ? text : `\u001b[${code}m${text}\u001b[0m`;
}

/** A JSON log line made readable, or null when the line is not a structured log. */
export function prettyJsonLog(line: string, tty: boolean): string | null {
  if (!line.startsWith('{')) return null;
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return null;
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return null;
  const rec = obj as Record<string, unknown>;
  if (typeof rec.severity !== 'string' && typeof rec.message !== 'string') return null;
  const severity = typeof rec.severity === 'string' ? rec.severity : 'DEFAULT';
  const sev = severity.padEnd(7);
  const ids = ID_FIELDS.filter((k) => rec[k] !== undefined && rec[k] !== null).map((k) => `${k}=${String(rec[k])}`);
  const text = [tty ? paint(SEVERITY_COLOUR[severity] ?? 0, sev) : sev, String(rec.message ?? ''), ...ids].join(' ');
  return text;
}

export function formatLine(component: string, line: string, opts: LogFormatOptions): string {
  const tag = component.padEnd(TAG_WIDTH);
  if (!opts.tty) return `${tag} | ${line}`;
  const body = prettyJsonLog(line, true) ?? line;
  return `${paint(componentColour(component), tag)} | ${body}`;
}
