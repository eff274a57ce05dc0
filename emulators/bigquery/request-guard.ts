// Who may talk to the emulator. It has no authentication (clients send dummy
// tokens), so what keeps a web page in the developer's browser away from it
// is the browser's own rules, enforced here:
// - a Host header that is not an IP address, localhost or a name given with
//   --allow-host is refused: a DNS-rebinding page (evil.example resolving to
//   127.0.0.1) arrives with its own name as Host;
// - a request carrying an Origin other than the emulator's own, or a
//   Sec-Fetch-Site other than same-origin/none, is refused: that is a page of
//   another site;
// - CORS preflights (OPTIONS) are refused, so no cross-origin request with a
//   JSON body or custom headers is ever let through;
// - bodies must be JSON (application/json), except the media-upload paths,
//   which take the upload's own types: a form or text/plain POST (what a page
//   can send without a preflight) never reaches a handler.
// The Node client, bq and curl send no Origin and a JSON content type.
import type http from 'node:http';
import { isIP } from 'node:net';
import { BqError } from './errors.js';

export interface GuardOptions {
  /** Host names accepted besides IP addresses and localhost (e.g. a docker-compose service name). */
  allowedHosts: readonly string[];
}

function forbidden(message: string): BqError {
  return new BqError(403, 'accessDenied', message);
}

/** The host name of a Host header, without port or IPv6 brackets, lower-cased. */
export function hostNameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') < 0 ? undefined : h.indexOf(']'));
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

function hostAllowed(host: string, opts: GuardOptions): boolean {
  const name = hostNameOf(host);
  if (isIP(name) !== 0) return true;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  return opts.allowedHosts.some((a) => a.toLowerCase() === name);
}

/** Throws 403 for requests a browser page could have sent, or that name a host the emulator does not answer to. */
export function checkRequestSource(req: http.IncomingMessage, method: string, opts: GuardOptions): void {
  const host = req.headers.host;
  if (host !== undefined && !hostAllowed(host, opts)) {
    throw forbidden(`Host "${host.slice(0, 200)}" is not allowed: the BigQuery emulator answers IP addresses and localhost only (add a name with --allow-host); this blocks DNS rebinding from web pages`);
  }
  if (method === 'OPTIONS') throw forbidden('CORS preflight refused: the BigQuery emulator does not answer browsers from other origins');
  const origin = req.headers.origin;
  if (origin !== undefined && (host === undefined || origin.toLowerCase() !== `http://${host.toLowerCase()}`)) {
    throw forbidden(`Origin "${origin.slice(0, 200)}" is not allowed: the BigQuery emulator only answers requests from its own origin or from non-browser clients`);
  }
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw forbidden(`Sec-Fetch-Site "${String(site).slice(0, 50)}" is not allowed: the BigQuery emulator does not answer cross-site browser requests`);
  }
}

/** True for application/json (any parameters, e.g. charset). */
export function isJsonType(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/json\s*(;|$)/i.test(contentType.trim());
}
