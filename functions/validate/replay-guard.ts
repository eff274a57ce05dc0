// Replay protection for signed devices: a seq far below the newest one seen
// is a replayed (captured and re-sent) message. Best effort: the newest seq
// lives in this instance's memory only, so another instance, or this one
// after a restart, does not know it. The real guard against state rolling
// back is sinkFirestore's last-writer-wins by event time; this one only keeps
// obvious replays out of the history tables.
//
// Reboots: a device that starts seq again at 0 after a reboot sends a new
// boot id (schemas/device-message.v1.ts), and the window is per (device,
// boot): the first message of a boot not seen before starts a fresh window,
// so a reboot is never taken for a replay. The newest seq of the last few
// boots of each device is kept, so a replay of a recent earlier boot's old
// message is still refused. Without a boot id a device is one boot for ever
// (its seq must then keep growing across reboots).
import { PermanentError } from '../lib/errors.js';

/** Boots remembered per device (a replay from an older, forgotten boot is accepted: best effort). */
export const BOOTS_PER_DEVICE = 8;
const NO_BOOT = '';

export class ReplayGuard {
  /** deviceId -> (boot -> newest seq), boots in the order last used. */
  private readonly newest = new Map<string, Map<string, number>>();

  constructor(
    /** A seq lower than newest - window is refused (config replayWindow). */
    private readonly window: number,
    private readonly maxDevices: number,
  ) {}

  /** Throws replayed-seq (with the event index) if any seq is below the window of its boot. */
  check(deviceId: string, seqs: readonly (number | null)[], boot: string | null = null): void {
    const newest = this.newest.get(deviceId)?.get(boot ?? NO_BOOT);
    if (newest === undefined) return;
    seqs.forEach((s, i) => {
      if (s !== null && s < newest - this.window) throw new PermanentError('replayed-seq', `event ${i}: seq more than ${this.window} below the newest seen${boot !== null ? ' in this boot' : ''}`).withIds({ deviceId });
    });
  }

  /** Remembers the newest seq of an accepted message. */
  record(deviceId: string, seqs: readonly (number | null)[], boot: string | null = null): void {
    const key = boot ?? NO_BOOT;
    const boots = this.newest.get(deviceId) ?? new Map<string, number>();
    let max = boots.get(key) ?? -1;
    for (const s of seqs) if (s !== null && s > max) max = s;
    if (max < 0) return;
    boots.delete(key);
    boots.set(key, max);
    if (boots.size > BOOTS_PER_DEVICE) boots.delete(boots.keys().next().value as string);
    this.newest.delete(deviceId);
    this.newest.set(deviceId, boots);
    if (this.newest.size > this.maxDevices) this.newest.delete(this.newest.keys().next().value as string);
  }

  newestSeq(deviceId: string, boot: string | null = null): number | undefined {
    return this.newest.get(deviceId)?.get(boot ?? NO_BOOT);
  }
}
