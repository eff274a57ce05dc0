// Counters for GET /emulator/v1/stats.
export class Stats {
  readonly startedAt = new Date().toISOString();
  requests: Record<string, number> = {};
  insertAllRequests = 0;
  rowsInserted = 0;
  rowsDeduplicated = 0;
  rowsRejected = 0;
  queries = 0;
  queryErrors = 0;
  dmlStatements = 0;
  storageAppendRequests = 0;
  storageRowsAppended = 0;
  storageRowErrors = 0;

  count(method: string): void {
    this.requests[method] = (this.requests[method] ?? 0) + 1;
  }

  toJSON(): Record<string, unknown> {
    return {
      startedAt: this.startedAt,
      requests: this.requests,
      insertAll: { requests: this.insertAllRequests, rowsInserted: this.rowsInserted, rowsDeduplicated: this.rowsDeduplicated, rowsRejected: this.rowsRejected },
      queries: { total: this.queries, errors: this.queryErrors, dml: this.dmlStatements },
      storageWrite: { appendRequests: this.storageAppendRequests, rowsAppended: this.storageRowsAppended, rowErrors: this.storageRowErrors },
    };
  }

  reset(): void {
    this.requests = {};
    this.insertAllRequests = this.rowsInserted = this.rowsDeduplicated = this.rowsRejected = 0;
    this.queries = this.queryErrors = this.dmlStatements = 0;
    this.storageAppendRequests = this.storageRowsAppended = this.storageRowErrors = 0;
  }
}
