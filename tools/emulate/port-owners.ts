// Who holds a port: `ss -ltnp` parsed, so a busy port is reported with the
// process holding it (a leftover emulator, another stack) instead of a bare
// EADDRINUSE.
import { execFileSync } from 'node:child_process';
import { portInUse } from '../lib/ports.js';

export interface PortOwner {
  port: number;
  pid: number | null;
  command: string | null;
}

/** Parses `ss -ltnpH` output into port -> owner (the first process named for each port). */
export function parseSs(output: string): Map<number, PortOwner> {
  const out = new Map<number, PortOwner>();
  for (const line of output.split('\n')) {
    const cols = line.trim().split(/\s+/);
    // State Recv-Q Send-Q Local:Port Peer:Port [users:(("cmd",pid=N,fd=M))]
    const local = cols[3];
    if (!local) continue;
    const port = Number(local.slice(local.lastIndexOf(':') + 1));
    if (!Number.isInteger(port) || out.has(port)) continue;
    const users = /users:\(\("([^"]*)",pid=(\d+)/.exec(line);
    out.set(port, { port, pid: users ? Number(users[2]) : null, command: users ? (users[1] ?? null) : null });
  }
  return out;
}

function listening(): Map<number, PortOwner> {
  try {
    return parseSs(execFileSync('ss', ['-ltnpH'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return new Map(); // no ss: the ports are still checked by connecting
  }
}

/** The ports among `ports` that something already listens on, with who holds them when ss can tell. */
export async function busyPorts(ports: Record<string, number>): Promise<{ component: string; owner: PortOwner }[]> {
  const table = listening();
  const busy: { component: string; owner: PortOwner }[] = [];
  for (const [component, port] of Object.entries(ports)) {
    const owner = table.get(port);
    if (owner || (await portInUse(port))) busy.push({ component, owner: owner ?? { port, pid: null, command: null } });
  }
  return busy;
}

export function describeOwner(o: PortOwner): string {
  if (o.pid === null) return `port ${o.port} is in use (owner not visible: try sudo ss -ltnp 'sport = :${o.port}')`;
  return `port ${o.port} is held by pid ${o.pid} (${o.command ?? '?'})`;
}
