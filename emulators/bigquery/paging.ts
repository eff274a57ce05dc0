// List paging: maxResults + an opaque pageToken (the next offset, base64).
import { invalid } from './errors.js';

export function decodePageToken(token: string | null | undefined): number {
  if (!token) return 0;
  const text = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url').toString('utf8') : '';
  if (!/^\d+$/.test(text)) throw invalid(`Invalid page token: ${token}`);
  return Number(text);
}

export function encodePageToken(offset: number): string {
  return Buffer.from(String(offset), 'utf8').toString('base64url');
}

export function maxResultsOf(q: URLSearchParams | number | undefined, fallback: number): number {
  const raw = typeof q === 'number' ? q : q?.get('maxResults');
  if (raw === undefined || raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw invalid(`Invalid value for maxResults: ${raw}`);
  return n === 0 ? fallback : n;
}

export function pageOf<T>(all: T[], q: URLSearchParams): { items: T[]; nextPageToken?: string } {
  const start = decodePageToken(q.get('pageToken'));
  const max = maxResultsOf(q, 1000);
  const items = all.slice(start, start + max);
  const end = start + items.length;
  return end < all.length ? { items, nextPageToken: encodePageToken(end) } : { items };
}
