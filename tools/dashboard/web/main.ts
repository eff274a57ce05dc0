/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The dashboard page: loads the tenants and registry from the server, then
// keeps every device card current from Firestore listeners (one per tenant),
// refreshes sparklines from BigQuery every 30 s and the dead-letter panel
// every 10 s.
import { listenTenant, type DeviceStateDoc } from './live.js';
import { applyStateDoc, deviceCard, summaryStrip, tenantSection, tick, updateCard, type DeadLetterView, type DeviceModel, type RegistryDevice } from './view.js';
import { liveness } from './format.js';

interface Config {
  projectId: string;
  firestoreHost: string;
  firestorePort: number;
  tenants: { tenantId: string; devices: RegistryDevice[] }[];
}

interface Card {
  el: HTMLElement;
  model: DeviceModel;
}

const cards = new Map<string, Card>();
const grids = new Map<string, { grid: HTMLElement; counts: HTMLElement }>();
const tenantStatus = new Map<string, string>();
let updates = 0;
let lastUpdate: number | null = null;
let dead: DeadLetterView | null = null;
let deadError: string | null = null;

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { cache: 'no-store' });
  const body = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `${res.status}`);
  return body;
}

function ensureTenant(tenantId: string): { grid: HTMLElement; counts: HTMLElement } {
  let t = grids.get(tenantId);
  if (!t) {
    const s = tenantSection(tenantId);
    const main = document.getElementById('tenants') as HTMLElement;
    // Keep sections in tenant order.
    const after = [...main.querySelectorAll<HTMLElement>('section.tenant')].find((el) => (el.dataset.tenant ?? '') > tenantId);
    main.insertBefore(s.section, after ?? null);
    t = { grid: s.grid, counts: s.counts };
    grids.set(tenantId, t);
  }
  return t;
}

function ensureCard(tenantId: string, deviceId: string, registry: RegistryDevice | null): Card {
  let c = cards.get(deviceId);
  if (!c) {
    const model: DeviceModel = { deviceId, tenantId, registry, lastSeen: null, metrics: {}, state: {}, series: {} };
    const el = deviceCard(model, Date.now());
    const { grid } = ensureTenant(tenantId);
    const after = [...grid.querySelectorAll<HTMLElement>('article.card')].find((x) => (x.dataset.device ?? '') > deviceId);
    grid.insertBefore(el, after ?? null);
    c = { el, model };
    cards.set(deviceId, c);
  }
  return c;
}

function renderSummary(): void {
  const now = Date.now();
  const all = [...cards.values()];
  const live = all.filter((c) => liveness(c.model.lastSeen, now, c.model.registry?.status ?? 'active') === 'live').length;
  (document.getElementById('summary') as HTMLElement).replaceChildren(
    ...summaryStrip({ devices: all.length, live, tenants: grids.size, updates, lastUpdate, dead, deadError, now }),
  );
  for (const [tenantId, t] of grids) {
    const mine = all.filter((c) => c.model.tenantId === tenantId);
    const liveHere = mine.filter((c) => liveness(c.model.lastSeen, now, c.model.registry?.status ?? 'active') === 'live').length;
    t.counts.textContent = `${mine.length} devices · ${liveHere} live`;
  }
}

let tenantsExpected = 0;

function renderConn(): void {
  const el = document.getElementById('conn') as HTMLElement;
  const text = document.getElementById('conn-text') as HTMLElement;
  const errors = [...tenantStatus.entries()].filter(([, s]) => s !== 'live');
  if (tenantStatus.size === 0) return;
  if (errors.length === 0 && tenantStatus.size < tenantsExpected) {
    text.textContent = `connecting… (${tenantStatus.size} of ${tenantsExpected} tenants)`;
  } else if (errors.length === 0) {
    el.dataset.state = 'live';
    text.textContent = `live · ${tenantStatus.size} tenant listener${tenantStatus.size === 1 ? '' : 's'}`;
  } else {
    el.dataset.state = 'error';
    text.textContent = `${errors.map(([t, s]) => `${t}: ${s}`).join('; ')}`;
  }
}

function onState(tenantId: string, docs: DeviceStateDoc[], removed: string[]): void {
  const now = Date.now();
  for (const d of docs) {
    const c = ensureCard(tenantId, d.deviceId, cards.get(d.deviceId)?.model.registry ?? null);
    const changed = applyStateDoc(c.model, d.data);
    updateCard(c.el, c.model, now, changed);
    updates++;
    lastUpdate = now;
  }
  for (const id of removed) {
    const c = cards.get(id);
    if (c && !c.model.registry) {
      c.el.remove();
      cards.delete(id);
    }
  }
  renderSummary();
}

async function refreshSparklines(tenantId: string): Promise<void> {
  const ids = [...cards.values()].filter((c) => c.model.tenantId === tenantId).map((c) => c.model.deviceId);
  if (ids.length === 0) return;
  try {
    const res = await getJson<{ series: Record<string, Record<string, [number, number][]>> }>(`/api/sparklines?window=hour&device=${encodeURIComponent(ids.join(','))}`);
    const now = Date.now();
    for (const id of ids) {
      const c = cards.get(id);
      if (!c) continue;
      c.model.series = res.series[id] ?? {};
      updateCard(c.el, c.model, now, []);
    }
  } catch {
    // BigQuery down: the live values keep working; sparklines come back on the next refresh.
  }
}

async function refreshDeadLetters(): Promise<void> {
  try {
    dead = await getJson<DeadLetterView>('/api/deadletters');
    deadError = null;
  } catch (err) {
    deadError = err instanceof Error ? err.message : String(err);
  }
  renderSummary();
}

async function boot(): Promise<void> {
  const cfg = await getJson<Config>('/api/config');
  for (const t of cfg.tenants) {
    ensureTenant(t.tenantId);
    for (const d of t.devices) ensureCard(t.tenantId, d.deviceId, d);
  }
  renderSummary();
  tenantsExpected = cfg.tenants.length;
  for (const t of cfg.tenants) {
    listenTenant(cfg, t.tenantId, {
      onState,
      onStatus: (tenantId, status, detail) => {
        tenantStatus.set(tenantId, status === 'live' ? 'live' : `error (${detail ?? 'unknown'})`);
        renderConn();
      },
    });
  }
  if (cfg.tenants.length === 0) {
    (document.getElementById('tenants') as HTMLElement).append(Object.assign(document.createElement('p'), { className: 'empty-page', textContent: 'No devices registered yet (npm run emulate seeds the registry).' }));
  }
  const sparkAll = () => Promise.all(cfg.tenants.map((t) => refreshSparklines(t.tenantId)));
  void sparkAll();
  void refreshDeadLetters();
  setInterval(() => void sparkAll(), 30_000);
  setInterval(() => void refreshDeadLetters(), 10_000);
  setInterval(() => {
    tick(cards, Date.now());
    renderSummary();
  }, 5_000);
}

boot().catch((err: unknown) => {
  const el = document.getElementById('conn') as HTMLElement;
  el.dataset.state = 'error';
  (document.getElementById('conn-text') as HTMLElement).textContent = `failed to start: ${err instanceof Error ? err.message : String(err)}`;
});
