// Watches the stack's function processes while faults are injected: every
// second each function must still answer HTTP, and its pid must be alive. A
// process that stops answering outside a planned restart or freeze is logged
// with the cause, and counted in the report (no function may crash).
import type { Stack } from '../emulate/stack.js';
import { FUNCTION_NAMES, type FunctionName } from '../../functions/lib/names.js';

export interface Watchdog {
  /** Components under a planned fault are not counted while it lasts. */
  planned<T>(component: string, work: () => Promise<T>): Promise<T>;
  /** Unplanned failures so far, by function: "validate: ECONNREFUSED at 05:15:16". */
  failures(): string[];
  stop(): void;
}

function cause(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.name ?? e.message ?? 'unknown';
}

export function startWatchdog(stack: Stack, log: (component: string, line: string) => void): Watchdog {
  const busy = new Map<string, number>();
  const out: string[] = [];
  let running = true;
  const probe = async (fn: FunctionName): Promise<void> => {
    if (busy.get(fn)) return;
    try {
      const res = await fetch(stack.urls.functions[fn], { signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
    } catch (err) {
      if (busy.get(fn) || !running) return;
      const line = `${fn}: ${cause(err)} at ${new Date().toISOString().slice(11, 19)} (pid ${stack.pids()[fn]})`;
      out.push(line);
      log('watchdog', line);
    }
  };
  const timer = setInterval(() => {
    for (const fn of FUNCTION_NAMES) void probe(fn);
  }, 1000);
  return {
    async planned(component, work) {
      busy.set(component, (busy.get(component) ?? 0) + 1);
      try {
        return await work();
      } finally {
        // Give the probe in flight time to settle before counting again.
        setTimeout(() => busy.set(component, (busy.get(component) ?? 1) - 1), 2000);
      }
    },
    failures: () => [...out],
    stop() {
      running = false;
      clearInterval(timer);
    },
  };
}
