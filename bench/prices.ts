// Google Cloud list prices the cost section uses: the ONE place they live.
//
// KEEP CURRENT: these machines are offline, so the prices below were written
// down from the public pricing pages as last known, not re-read on the date
// given. Before quoting a number, open each source page and update `usd`,
// `takenOn` and, if the billing rule changed, `note`. Free tiers are ignored
// on purpose (they do not scale with message volume); sustained-use and
// committed-use discounts too. Region: us-central1 (Tier 1) for Cloud Run and
// BigQuery US multi-region, Firestore nam5 multi-region.

export interface Price {
  /** US dollars for `per` units. */
  usd: number;
  per: number;
  unit: string;
  /** What is billed, in the pricing page's words. */
  what: string;
  /** The pricing page this comes from. */
  source: string;
  /** When it was written down (see KEEP CURRENT above). */
  takenOn: string;
  note?: string;
}

const TAKEN_ON = '2026-11-25 (offline: last known list price, re-check the source page)';
const GIB = 1024 ** 3;
const TIB = 1024 ** 4;

export const PRICES = {
  pubsubThroughput: {
    usd: 40,
    per: TIB,
    unit: 'byte',
    what: 'Pub/Sub message delivery: publish throughput and subscribe (push/pull) throughput, each billed',
    source: 'Pub/Sub pricing (cloud.google.com/pubsub/pricing)',
    takenOn: TAKEN_ON,
    note: 'at least 1,000 bytes are billed per publish request and per push request',
  },
  cloudRunRequests: {
    usd: 0.4,
    per: 1_000_000,
    unit: 'request',
    what: 'Cloud Run functions (gen2 = Cloud Run) requests, request-based billing',
    source: 'Cloud Run pricing (cloud.google.com/run/pricing), Tier 1',
    takenOn: TAKEN_ON,
  },
  cloudRunCpu: {
    usd: 0.000024,
    per: 1,
    unit: 'vCPU-second',
    what: 'Cloud Run CPU, request-based billing (billed while an instance handles requests)',
    source: 'Cloud Run pricing (cloud.google.com/run/pricing), Tier 1',
    takenOn: TAKEN_ON,
  },
  cloudRunMemory: {
    usd: 0.0000025,
    per: 1,
    unit: 'GiB-second',
    what: 'Cloud Run memory, request-based billing',
    source: 'Cloud Run pricing (cloud.google.com/run/pricing), Tier 1',
    takenOn: TAKEN_ON,
  },
  bigqueryStreamingInsert: {
    usd: 0.01,
    per: 200 * 1024 ** 2,
    unit: 'byte',
    what: 'BigQuery streaming inserts (tabledata.insertAll)',
    source: 'BigQuery pricing (cloud.google.com/bigquery/pricing), data ingestion',
    takenOn: TAKEN_ON,
    note: 'each row is billed as at least 1 KB',
  },
  bigqueryActiveStorage: {
    usd: 0.02,
    per: GIB,
    unit: 'byte-month',
    what: 'BigQuery active logical storage, per GiB per month',
    source: 'BigQuery pricing (cloud.google.com/bigquery/pricing), storage',
    takenOn: TAKEN_ON,
    note: 'halves after 90 days unmodified (long-term storage)',
  },
  firestoreWrites: {
    usd: 0.18,
    per: 100_000,
    unit: 'document write',
    what: 'Firestore (native mode) document writes',
    source: 'Firestore pricing (cloud.google.com/firestore/pricing), nam5',
    takenOn: TAKEN_ON,
  },
  firestoreReads: {
    usd: 0.06,
    per: 100_000,
    unit: 'document read',
    what: 'Firestore (native mode) document reads',
    source: 'Firestore pricing (cloud.google.com/firestore/pricing), nam5',
    takenOn: TAKEN_ON,
  },
} as const satisfies Record<string, Price>;

export type PriceTable = { readonly [K in keyof typeof PRICES]: Price };

/** Billing rules that go with the prices (same pages, same caveat). */
export const BILLING_RULES = {
  /** Pub/Sub: minimum billable bytes per publish request and per push delivery. */
  pubsubMinBytesPerRequest: 1000,
  /** Pub/Sub: bytes a message carries beyond data and attributes (publish time, message id), approximately. */
  pubsubMessageOverheadBytes: 44,
  /** BigQuery streaming: minimum billable size of one row. */
  bigqueryMinRowBytes: 1024,
  /** Cloud Run instance memory of every function (infra/ sets 256 MiB). */
  functionMemoryGiB: 0.25,
} as const;

export type BillingRules = { readonly [K in keyof typeof BILLING_RULES]: number };

/** Dollars for `quantity` units at `price`. */
export function costOf(price: Price, quantity: number): number {
  return (price.usd * quantity) / price.per;
}

/** Bytes in a Tebibyte, for tests and notes. */
export const BYTES = { GIB, TIB } as const;
