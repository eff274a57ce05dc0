// Replay protection for signed devices: a seq far below the newest one seen
// is a replayed (captured and re-sent) message. Best effort: the newest seq
// lives in this instance's memory only, so another instance, or this one
// after a restart, does not know it. The real guard against state rolling
// back is sinkFirestore's last-writer-wins by event time; this one only keeps
// obvious replays out of the history tables.
import { PermanentError } from '../lib/errors.js';

export class ReplayGuard {
  private readonly newest = new Map<string, number>();

  constructor(
    /** A seq lower than newest - window is refused (config replayWindow). */
    private readonly window: number,
    private readonly maxDevices: number,
  ) {}

  /** Throws replayed-seq (with the event index) if any seq is below the window. */
  check(deviceId: string, seqs: readonly (number | null)[]): void {
    const newest = this.newest.get(deviceId);
    if (newest === undefined) return;
    seqs.forEach((s, i) => {
      if (s !== null && s < newest - this.window) throw new PermanentError('replayed-seq', `event ${i}: seq more than ${this.window} below the newest seen`).withIds({ deviceId });
    });
  }

  /** Remembers the newest seq of an accepted message. */
  record(deviceId: string, seqs: readonly (number | null)[]): void {
    let max = this.newest.get(deviceId) ?? -1;
    for (const s of seqs) if (s !== null && s > max) max = s;
    if (max < 0) return;
    this.newest.delete(deviceId);
    this.newest.set(deviceId, max);
    if (this.newest.size > this.maxDevices) this.newest.delete(this.newest.keys().next().value as string);
  }

  newestSeq(deviceId: string): number | undefined {
    return this.newest.get(deviceId);
  }
}
