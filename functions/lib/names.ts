// The names everything shares (shared/DESIGN.md): functions, tools, tests and
// infra/ all read them from here, and a test checks infra/ against them.

export const TOPICS = {
  deviceEvents: 'device-events',
  valid: 'events-valid',
  enriched: 'events-enriched',
  deadLetter: 'events-deadletter',
  /** Device events from the gateway (gateway/): only its service account may publish here. */
  gatewayEvents: 'gateway-events',
} as const;

/**
 * The gateway's events reach validate through a second push subscription.
 * validate trusts the device id only on this path (functions/validate/gateway-path.ts),
 * decided by the topic in the push URL, never by the message.
 */
export const GATEWAY_ROUTE = { topic: TOPICS.gatewayEvents, subscription: 'validate-gateway-events', target: 'validate' } as const;

/** Function entry points (one build, one entry point each) and the topic each is pushed from. */
/**
 * `concurrency`: requests one instance takes at once (Cloud Run's
 * max_instance_request_concurrency; the local push bridge keeps as many in
 * flight). validate and enrich hold a request until the batch message
 * carrying its events is published (up to EVENT_BATCH_WINDOW_MS), so validate,
 * which sees every device message, takes 250. The
 * sinks hold every delivery until its group commit or coalescing window is
 * durable (up to BQ_BATCH_MAX_WAIT_MS, FIRESTORE_COALESCE_MS), so by Little's
 * law one instance serves at most concurrency / window messages per second:
 * with 80 and a 1 s window, sinkFirestore would cap at 80 msg/s and Cloud Run
 * would scale out, splitting each device's writes over instances that cannot
 * merge them. A held request costs a few kilobytes, so the sinks take more.
 */
export const FUNCTIONS = {
  validate: { topic: TOPICS.deviceEvents, subscription: 'validate-device-events', concurrency: 250 },
  enrich: { topic: TOPICS.valid, subscription: 'enrich-events-valid', concurrency: 80 },
  sinkBigquery: { topic: TOPICS.enriched, subscription: 'sink-bigquery-events-enriched', concurrency: 250 },
  sinkFirestore: { topic: TOPICS.enriched, subscription: 'sink-firestore-events-enriched', concurrency: 500 },
  sinkDeadletter: { topic: TOPICS.deadLetter, subscription: 'sink-deadletter-events-deadletter', concurrency: 80 },
} as const;

export type FunctionName = keyof typeof FUNCTIONS;

/**
 * V8's old-space limit for a function process (NODE_OPTIONS in infra/, the
 * same flag in the local stack). On a machine without a memory limit V8 lets
 * the heap grow long before it collects: under the e2e benchmark the sinks
 * peaked at 220 and 248 MiB, too close to a 256 MiB instance. Capped at
 * 128 MiB they collect earlier and peaked at 163 and 181 MiB at the same
 * throughput; the live data of 500 held requests is a few MiB.
 */
export const FUNCTION_HEAP_MIB = 128;

/**
 * Memory of one function instance (Cloud Run available_memory in infra/,
 * checked by test/unit/infra.test.ts): what peak RSS is reported against,
 * in the bench and the memory-bounds test.
 */
export const INSTANCE_MEMORY_MIB = 256;
export const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];

export const DATASET = 'telemetry';
export const TABLES = { readings: 'readings', events: 'events', deadLetter: 'deadletter' } as const;

export const COLLECTIONS = { devices: 'devices', deviceState: 'deviceState', registries: 'registries' } as const;

export const LOCAL_PROJECT_ID = 'demo-iot';
