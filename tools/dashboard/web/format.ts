// Small display helpers for the dashboard (pure, no DOM).

/** Firestore Timestamp (Web SDK), RFC 3339 text or epoch ms -> epoch ms (null when absent or unreadable). */
export function toMillis(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : null;
  }
  if (typeof v === 'object' && typeof (v as { toMillis?: unknown }).toMillis === 'function') return (v as { toMillis(): number }).toMillis();
  return null;
}

export function ago(ms: number | null, now: number): string {
  if (ms === null) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h}h ago`;
  return `${Math.round(h / 24)}d ago`;
}

const UNIT_LABELS: Record<string, string> = { celsius: '°C', fahrenheit: '°F', percent: '%', volt: 'V', ppm: 'ppm', hPa: 'hPa' };

export function unitLabel(unit: string | null | undefined): string {
  if (!unit) return '';
  return UNIT_LABELS[unit] ?? unit;
}

export function formatValue(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 1000) return v.toFixed(0);
  if (abs >= 100) return v.toFixed(1);
  return v.toFixed(2);
}

/** Live when heard from in the last 2 minutes, stale up to 15, then silent. */
export function liveness(lastSeen: number | null, now: number, status: string): 'live' | 'stale' | 'silent' | 'disabled' {
  if (status === 'disabled') return 'disabled';
  if (lastSeen === null) return 'silent';
  const age = now - lastSeen;
  if (age < 120_000) return 'live';
  if (age < 900_000) return 'stale';
  return 'silent';
}
