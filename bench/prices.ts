// Google Cloud list prices the cost model uses: the ONE place they live.
//
// KEEP CURRENT: these machines are offline, so the prices below were written
// down from the public pricing pages as last known, not re-read on the date
// given. Before quoting a number, open each source page and update `usd`,
// `takenOn` and, if the billing rule changed, `note`. Region: us-central1
// (Tier 1) for Cloud Run and Dataflow, BigQuery US multi-region, Firestore
// nam5 multi-region. Committed-use and sustained-use discounts are left out.
// Free tiers are kept apart (`freePerMonth`) so the model can show a bill
// with and without them (they are per billing account, shared by projects).

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
  /** Units free every month (per billing account or project, see note). */
  freePerMonth?: number;
  note?: string;
}

const TAKEN_ON = '2026-12-02 (offline: last known list price, re-check the source page)';
const GIB = 1024 ** 3;
const TIB = 1024 ** 4;
const CLOUD_RUN = 'https://cloud.google.com/run/pricing (Tier 1)';

export const PRICES = {
  pubsubThroughput: {
    usd: 40,
    per: TIB,
    unit: 'byte',
    what: 'Pub/Sub message delivery basic: publish throughput and subscribe (pull, streaming pull, push) throughput, each billed',
    source: 'https://cloud.google.com/pubsub/pricing',
    takenOn: TAKEN_ON,
    freePerMonth: 10 * GIB,
    note: 'a minimum of 1,000 bytes per publish, push or pull request; a message counts data + attributes + 20 bytes timestamp + message id',
  },
  pubsubBigQuerySubscription: {
    usd: 50,
    per: TIB,
    unit: 'byte',
    what: 'Pub/Sub BigQuery subscription throughput (replaces the subscribe throughput; BigQuery ingestion included)',
    source: 'https://cloud.google.com/pubsub/pricing',
    takenOn: TAKEN_ON,
  },
  cloudRunRequests: {
    usd: 0.4,
    per: 1_000_000,
    unit: 'request',
    what: 'Cloud Run (functions gen2) requests, request-based billing',
    source: CLOUD_RUN,
    takenOn: TAKEN_ON,
    freePerMonth: 2_000_000,
  },
  cloudRunCpuRequestBased: {
    usd: 0.000024,
    per: 1,
    unit: 'vCPU-second',
    what: 'Cloud Run CPU, request-based billing: allocated vCPU while the instance handles at least one request, rounded up to 100 ms',
    source: CLOUD_RUN,
    takenOn: TAKEN_ON,
    freePerMonth: 180_000,
  },
  cloudRunMemoryRequestBased: {
    usd: 0.0000025,
    per: 1,
    unit: 'GiB-second',
    what: 'Cloud Run memory, request-based billing',
    source: CLOUD_RUN,
    takenOn: TAKEN_ON,
    freePerMonth: 360_000,
  },
  cloudRunCpuInstanceBased: {
    usd: 0.000018,
    per: 1,
    unit: 'vCPU-second',
    what: 'Cloud Run CPU, instance-based billing: allocated vCPU for the whole life of every instance, no request fee',
    source: CLOUD_RUN,
    takenOn: TAKEN_ON,
    freePerMonth: 240_000,
  },
  cloudRunMemoryInstanceBased: {
    usd: 0.000002,
    per: 1,
    unit: 'GiB-second',
    what: 'Cloud Run memory, instance-based billing',
    source: CLOUD_RUN,
    takenOn: TAKEN_ON,
    freePerMonth: 450_000,
  },
  bigqueryStreamingInsert: {
    usd: 0.01,
    per: 200 * 1024 ** 2,
    unit: 'byte',
    what: 'BigQuery legacy streaming inserts (tabledata.insertAll)',
    source: 'https://cloud.google.com/bigquery/pricing#data_ingestion_pricing',
    takenOn: TAKEN_ON,
    note: 'each row is billed as at least 1 KB',
  },
  bigqueryStorageWrite: {
    usd: 0.025,
    per: GIB,
    unit: 'byte',
    what: 'BigQuery Storage Write API ingestion (bytes as written)',
    source: 'https://cloud.google.com/bigquery/pricing#data_ingestion_pricing',
    takenOn: TAKEN_ON,
    freePerMonth: 2 * TIB,
    note: 'the first 2 TiB per month are free (per billing account)',
  },
  firestoreWrites: {
    usd: 0.18,
    per: 100_000,
    unit: 'document write',
    what: 'Firestore (native mode) document writes',
    source: 'https://cloud.google.com/firestore/pricing (nam5)',
    takenOn: TAKEN_ON,
    freePerMonth: 20_000 * 30,
    note: 'free quota is 20,000 writes per day per project',
  },
  firestoreReads: {
    usd: 0.06,
    per: 100_000,
    unit: 'document read',
    what: 'Firestore (native mode) document reads',
    source: 'https://cloud.google.com/firestore/pricing (nam5)',
    takenOn: TAKEN_ON,
    freePerMonth: 50_000 * 30,
    note: 'free quota is 50,000 reads per day per project',
  },
  loggingIngestion: {
    usd: 0.5,
    per: GIB,
    unit: 'byte',
    what: 'Cloud Logging ingestion (log entries stored in a log bucket, _Default included)',
    source: 'https://cloud.google.com/stackdriver/pricing#logging-costs',
    takenOn: TAKEN_ON,
    freePerMonth: 50 * GIB,
    note: 'first 50 GiB per project per month free; excluded entries are not billed',
  },
  dataflowStreamingVcpu: {
    usd: 0.069,
    per: 3600,
    unit: 'vCPU-second',
    what: 'Dataflow streaming worker vCPU',
    source: 'https://cloud.google.com/dataflow/pricing (us-central1)',
    takenOn: TAKEN_ON,
  },
  dataflowStreamingMemory: {
    usd: 0.003557,
    per: 3600,
    unit: 'GB-second',
    what: 'Dataflow streaming worker memory',
    source: 'https://cloud.google.com/dataflow/pricing (us-central1)',
    takenOn: TAKEN_ON,
  },
  dataflowStreamingEngine: {
    usd: 0.018,
    per: 1024 ** 3,
    unit: 'byte',
    what: 'Dataflow Streaming Engine data processed',
    source: 'https://cloud.google.com/dataflow/pricing (us-central1)',
    takenOn: TAKEN_ON,
  },
  persistentDisk: {
    usd: 0.000054,
    per: 3600,
    unit: 'GB-second',
    what: 'Dataflow worker standard persistent disk (30 GB boot disk with Streaming Engine)',
    source: 'https://cloud.google.com/dataflow/pricing (us-central1)',
    takenOn: TAKEN_ON,
  },
} as const satisfies Record<string, Price>;

export type PriceName = keyof typeof PRICES;
export type PriceTable = { readonly [K in PriceName]: Price };

/** Billing rules that go with the prices (same pages, same caveat). */
export const BILLING_RULES = {
  /** Pub/Sub: minimum billable bytes per publish, push or pull request. */
  pubsubMinBytesPerRequest: 1000,
  /** Pub/Sub: bytes a message carries beyond data and attributes (20-byte timestamp + message id of about 16). */
  pubsubMessageOverheadBytes: 36,
  /** BigQuery streaming (insertAll): minimum billable size of one row. */
  bigqueryMinRowBytes: 1024,
  /** Cloud Run request-based billing: each busy span is rounded up to this. */
  cloudRunBillingGranularitySeconds: 0.1,
  /** Bytes of one Cloud Run request log entry (run.googleapis.com/requests, httpRequest + resource + labels), about. */
  cloudRunRequestLogBytes: 1000,
  /** Cloud Run instance memory of every function (infra/ sets 256 MiB). */
  functionMemoryGiB: 0.25,
} as const;

export type BillingRules = { readonly [K in keyof typeof BILLING_RULES]: number };

/** Dollars for `quantity` units at `price`. */
export function costOf(price: Price, quantity: number): number {
  return (price.usd * quantity) / price.per;
}

/** Dollars for a month's `quantity`, after the price's monthly free units when `freeTier` is on. */
export function monthlyCostOf(price: Price, quantity: number, freeTier: boolean): number {
  const billable = freeTier ? Math.max(0, quantity - (price.freePerMonth ?? 0)) : quantity;
  return costOf(price, billable);
}

/** Bytes in a Gibibyte and a Tebibyte, for tests and notes. */
export const BYTES = { GIB, TIB } as const;

/** Seconds in the month the model bills (30 days, as the pricing pages' examples). */
export const SECONDS_PER_MONTH = 30 * 86400;
