// A registry document (devices/{id}, deviceKeys/{id}) parsed once when it is
// read, not once per message: the cache keeps the parsed value, or why the
// document is malformed. A malformed document is still reported on every
// message that needs it (each gets a fresh PermanentError carrying its own
// ids), and is re-read when the cache entry expires, so a fix is picked up.
import { PermanentError, type Reason } from './errors.js';

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: Reason; detail: string };

/** Runs `parse`; a PermanentError becomes the stored "malformed" outcome, anything else is thrown. */
export function checkDocument<T>(doc: Record<string, unknown>, parse: (doc: Record<string, unknown>) => T): Checked<T> {
  try {
    return { ok: true, value: parse(doc) };
  } catch (err) {
    if (err instanceof PermanentError) return { ok: false, reason: err.reason, detail: err.detail };
    throw err;
  }
}

/** The parsed value (null: no document), or a fresh PermanentError for a malformed one. */
export function unwrapChecked<T>(c: Checked<T> | null): T | null {
  if (c === null) return null;
  if (c.ok) return c.value;
  throw new PermanentError(c.reason, c.detail);
}

/** A value now, or later: the caches answer hits synchronously. */
export type MaybePromise<T> = T | Promise<T>;

/** Applies `fn` now when `v` is a value, after it settles when a promise. */
export function thenMaybe<T, U>(v: MaybePromise<T>, fn: (value: T) => U): MaybePromise<U> {
  return v instanceof Promise ? v.then(fn) : fn(v);
}
