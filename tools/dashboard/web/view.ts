/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Drawing the dashboard: tenant sections of device cards with live values,
// sparklines and state, the summary strip, and in-place updates (a changed
// value flashes briefly so a live update is visible).
import { h, setText, svg } from './dom.js';
import { ago, formatValue, liveness, toMillis, unitLabel } from './format.js';
import { sparkGeometry } from './sparkline.js';

export interface RegistryDevice {
  deviceId: string;
  site: string | null;
  model: string | null;
  status: string;
  units: Record<string, string>;
}

export interface MetricLive {
  value: number;
  unit: string | null;
  eventTime: number | null;
}

export interface DeviceModel {
  deviceId: string;
  tenantId: string;
  registry: RegistryDevice | null;
  lastSeen: number | null;
  metrics: Record<string, MetricLive>;
  state: Record<string, unknown>;
  /** BigQuery series per metric: [bucket ms, average]. */
  series: Record<string, [number, number][]>;
}

const METRIC_ORDER = ['temperature', 'humidity', 'pressure', 'co2', 'battery'];
const SPARK_W = 96;
const SPARK_H = 26;

export function metricOrder(names: Iterable<string>): string[] {
  return [...new Set(names)].sort((a, b) => {
    const ia = METRIC_ORDER.indexOf(a);
    const ib = METRIC_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
}

/** Reads a deviceState document (Timestamps or text times) into the model; returns the metrics whose value changed. */
export function applyStateDoc(m: DeviceModel, data: Record<string, unknown>): string[] {
  const changed: string[] = [];
  m.lastSeen = toMillis(data.lastSeen) ?? m.lastSeen;
  const metrics = (data.metrics ?? {}) as Record<string, { value?: unknown; unit?: unknown; eventTime?: unknown }>;
  for (const [name, f] of Object.entries(metrics)) {
    if (typeof f?.value !== 'number') continue;
    const prev = m.metrics[name];
    const next: MetricLive = { value: f.value, unit: typeof f.unit === 'string' ? f.unit : null, eventTime: toMillis(f.eventTime) };
    if (!prev || prev.value !== next.value || prev.eventTime !== next.eventTime) changed.push(name);
    m.metrics[name] = next;
  }
  const state = (data.state ?? {}) as Record<string, { value?: unknown }>;
  m.state = {};
  for (const [k, v] of Object.entries(state)) m.state[k] = v && typeof v === 'object' && 'value' in v ? v.value : v;
  return changed;
}

function sparkSvg(points: [number, number][], live: MetricLive | undefined): SVGElement {
  // The live value extends the BigQuery series when it is newer than the last bucket.
  const pts = [...points];
  const last = pts[pts.length - 1];
  if (live && live.eventTime !== null && (!last || live.eventTime > last[0])) pts.push([live.eventTime, live.value]);
  const g = sparkGeometry(pts, SPARK_W, SPARK_H);
  const el = svg('svg', { class: 'spark', width: String(SPARK_W), height: String(SPARK_H), viewBox: `0 0 ${SPARK_W} ${SPARK_H}`, 'aria-hidden': 'true' });
  if (pts.length >= 2) el.append(svg('path', { d: g.path, class: 'spark-line' }));
  else el.append(svg('line', { x1: '2', x2: String(SPARK_W - 2), y1: String(SPARK_H / 2), y2: String(SPARK_H / 2), class: 'spark-empty' }));
  if (g.last) el.append(svg('circle', { cx: g.last.x.toFixed(1), cy: g.last.y.toFixed(1), r: '2.2', class: 'spark-dot' }));
  return el;
}

function metricRow(m: DeviceModel, name: string): HTMLLIElement {
  const live = m.metrics[name];
  const unit = live?.unit ?? m.registry?.units[name] ?? null;
  return h(
    'li',
    { 'data-metric': name },
    h('span', { class: 'm-name' }, name),
    sparkSvg(m.series[name] ?? [], live),
    h('span', { class: 'm-value' }, h('span', { class: 'value' }, live ? formatValue(live.value) : '–'), h('span', { class: 'unit' }, unitLabel(unit))),
  );
}

function stateChips(state: Record<string, unknown>): HTMLElement {
  const chips = Object.keys(state)
    .sort()
    .map((k) => {
      const v = state[k];
      const bad = v === false || v === 'open' || v === 'fault';
      return h('span', { class: `chip${bad ? ' warn' : ''}`, 'data-state': k }, `${k.replace(/_/g, ' ')}: ${String(v)}`);
    });
  return h('div', { class: 'chips' }, ...chips);
}

export function deviceCard(m: DeviceModel, now: number): HTMLElement {
  const status = m.registry?.status ?? 'active';
  const names = metricOrder([...Object.keys(m.metrics), ...Object.keys(m.series)]);
  const meta = [m.registry?.site, m.registry?.model].filter(Boolean).join(' · ') || (m.registry ? '' : 'not in registry');
  return h(
    'article',
    { class: 'card', 'data-device': m.deviceId, 'data-liveness': liveness(m.lastSeen, now, status) },
    h('header', {}, h('span', { class: 'dot', title: liveness(m.lastSeen, now, status) }), h('h3', {}, m.deviceId), h('span', { class: 'seen' }, ago(m.lastSeen, now))),
    h('div', { class: 'meta' }, meta),
    names.length ? h('ul', { class: 'metrics' }, ...names.map((n) => metricRow(m, n))) : h('p', { class: 'empty' }, status === 'disabled' ? 'disabled' : 'no readings yet'),
    stateChips(m.state),
  );
}

/** Redraws one card in place; metrics in `flash` get a short highlight. */
export function updateCard(card: HTMLElement, m: DeviceModel, now: number, flash: readonly string[]): void {
  const fresh = deviceCard(m, now);
  card.replaceChildren(...fresh.childNodes);
  card.dataset.liveness = fresh.dataset.liveness ?? '';
  for (const name of flash) {
    const row = card.querySelector(`li[data-metric="${CSS.escape(name)}"]`);
    row?.classList.remove('flash');
    // Restart the animation on repeated updates.
    void (row as HTMLElement | null)?.offsetWidth;
    row?.classList.add('flash');
  }
}

/** Refreshes the relative times and liveness of every card (called every few seconds). */
export function tick(cards: Map<string, { el: HTMLElement; model: DeviceModel }>, now: number): void {
  for (const { el, model } of cards.values()) {
    setText(el.querySelector('.seen'), ago(model.lastSeen, now));
    const l = liveness(model.lastSeen, now, model.registry?.status ?? 'active');
    if (el.dataset.liveness !== l) el.dataset.liveness = l;
  }
}

export function tenantSection(tenantId: string): { section: HTMLElement; grid: HTMLElement; counts: HTMLElement } {
  const counts = h('span', { class: 'counts' });
  const grid = h('div', { class: 'grid' });
  const section = h('section', { class: 'tenant', 'data-tenant': tenantId }, h('div', { class: 'tenant-head' }, h('h2', {}, tenantId), counts), grid);
  return { section, grid, counts };
}

export interface DeadLetterView {
  last24h: number;
  top: { stage: string; reason: string; count: number }[];
}

export function summaryStrip(opts: { devices: number; live: number; tenants: number; updates: number; lastUpdate: number | null; dead: DeadLetterView | null; deadError: string | null; now: number }): HTMLElement[] {
  const dl = opts.dead;
  const deadBody = opts.deadError
    ? h('p', { class: 'muted' }, `BigQuery unavailable: ${opts.deadError}`)
    : dl && dl.top.length
      ? h(
          'ol',
          { class: 'reasons' },
          ...dl.top.slice(0, 4).map((r) => h('li', {}, h('span', { class: 'reason' }, r.reason), h('span', { class: 'muted' }, ` ${r.stage}`), h('span', { class: 'count' }, String(r.count)))),
          dl.top.length > 4 && h('li', { class: 'muted' }, `+ ${dl.top.length - 4} more (npm run replay)`),
        )
      : h('p', { class: 'muted' }, dl ? 'none in the last 24 hours' : 'loading…');
  return [
    h('div', { class: 'stat' }, h('div', { class: 'label' }, 'Devices live'), h('div', { class: 'big', id: 'stat-live' }, `${opts.live}`, h('small', {}, ` / ${opts.devices}`)), h('div', { class: 'muted' }, `${opts.tenants} tenant${opts.tenants === 1 ? '' : 's'} · heard from in the last 2 min`)),
    h('div', { class: 'stat' }, h('div', { class: 'label' }, 'Live updates'), h('div', { class: 'big', id: 'stat-updates' }, String(opts.updates)), h('div', { class: 'muted' }, `last ${ago(opts.lastUpdate, opts.now)}`)),
    h('div', { class: `stat dead${dl && dl.last24h > 0 ? ' has' : ''}` }, h('div', { class: 'label' }, 'Dead letters · 24 h'), h('div', { class: 'big', id: 'stat-dead' }, dl ? String(dl.last24h) : '–'), deadBody),
  ];
}
