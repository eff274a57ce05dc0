// The names everything shares (shared/DESIGN.md): functions, tools, tests and
// infra/ all read them from here, and a test checks infra/ against them.

export const TOPICS = {
  deviceEvents: 'device-events',
  valid: 'events-valid',
  enriched: 'events-enriched',
  deadLetter: 'events-deadletter',
} as const;

/** Function entry points (one build, one entry point each) and the topic each is pushed from. */
export const FUNCTIONS = {
  validate: { topic: TOPICS.deviceEvents, subscription: 'validate-device-events' },
  enrich: { topic: TOPICS.valid, subscription: 'enrich-events-valid' },
  sinkBigquery: { topic: TOPICS.enriched, subscription: 'sink-bigquery-events-enriched' },
  sinkFirestore: { topic: TOPICS.enriched, subscription: 'sink-firestore-events-enriched' },
  sinkDeadletter: { topic: TOPICS.deadLetter, subscription: 'sink-deadletter-events-deadletter' },
} as const;

export type FunctionName = keyof typeof FUNCTIONS;
export const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];

export const DATASET = 'telemetry';
export const TABLES = { readings: 'readings', events: 'events', deadLetter: 'deadletter' } as const;

export const COLLECTIONS = { devices: 'devices', deviceState: 'deviceState' } as const;

export const LOCAL_PROJECT_ID = 'demo-iot';
