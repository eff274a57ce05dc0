// Resumable upload sessions (uploadType=resumable): the job resource from the
// initiating POST and the bytes received so far. Bounded: at most MAX_SESSIONS
// open (the oldest dropped), each expiring an hour after it was opened.
import { randomUUID } from 'node:crypto';

export interface UploadSession {
  project: string;
  job: Record<string, unknown>;
  chunks: Buffer[];
  received: number;
  openedAt: number;
}

const MAX_SESSIONS = 64;
const TTL_MS = 60 * 60 * 1000;

export class UploadSessions {
  private readonly sessions = new Map<string, UploadSession>();

  open(project: string, job: Record<string, unknown>): string {
    this.expire();
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const id = randomUUID().replace(/-/g, '');
    this.sessions.set(id, { project, job, chunks: [], received: 0, openedAt: Date.now() });
    return id;
  }

  get(id: string): UploadSession | undefined {
    this.expire();
    return this.sessions.get(id);
  }

  close(id: string): void {
    this.sessions.delete(id);
  }

  clear(): void {
    this.sessions.clear();
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) if (now - s.openedAt > TTL_MS) this.sessions.delete(id);
  }
}
