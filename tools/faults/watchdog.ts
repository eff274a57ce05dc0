// Watches the stack's function processes while faults are injected: every
// two seconds each function's port must still accept a connection (a TCP
// connect, not an HTTP request: the framework logs a stack trace for every
// request that is not an event). A process that stops accepting outside a
// planned restart or freeze is logged with the cause and counted in the
// report (no function may crash).
import net from 'node:net';
import { LOOPBACK } from '../lib/ports.js';
import type { Stack } from '../emulate/stack.js';
import { FUNCTION_NAMES, type FunctionName } from '../../functions/lib/names.js';

export interface Watchdog {
  /** Components under a planned fault are not counted while it lasts. */
  planned<T>(component: string, work: () => Promise<T>): Promise<T>;
  /** Unplanned failures so far, by function: "validate: ECONNREFUSED at 05:15:16". */
  failures(): string[];
  stop(): void;
}

function accepts(port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: LOOPBACK, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no connection within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve();
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(err.code ?? err.message));
    });
  });
}

export function startWatchdog(stack: Stack, log: (component: string, line: string) => void): Watchdog {
  const busy = new Map<string, number>();
  const out: string[] = [];
  let running = true;
  const probe = async (fn: FunctionName): Promise<void> => {
    if (busy.get(fn)) return;
    try {
      await accepts(stack.ports.functionPorts[fn], 10_000);
    } catch (err) {
      if (busy.get(fn) || !running) return;
      const line = `${fn}: ${(err as Error).message} at ${new Date().toISOString().slice(11, 19)} (pid ${stack.pids()[fn]})`;
      out.push(line);
      log('watchdog', line);
    }
  };
  const timer = setInterval(() => {
    for (const fn of FUNCTION_NAMES) void probe(fn);
  }, 2000);
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
