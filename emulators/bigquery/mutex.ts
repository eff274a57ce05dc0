// A FIFO async lock: DuckDB allows one writer at a time per table without
// conflicts, so catalog changes, insertAll appends and DML take this lock in
// arrival order; reads run beside it on their own connections (MVCC).
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
