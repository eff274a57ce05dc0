// Runs one of the project's command-line tools (build/tools/<name>/main.js)
// as a child process in its own process group, the way a user or a script
// would, and collects its output and exit code.
import path from 'node:path';
import { startProcess } from '../../tools/lib/process-group.js';

export interface CliRun {
  code: number | string;
  stdout: string;
  stderr: string;
}

const REPO = path.resolve(__dirname, '..', '..', '..');

export async function runCli(tool: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const p = startProcess({
    name: `cli:${tool}`,
    command: process.execPath,
    args: [path.join(REPO, 'build', 'tools', tool, 'main.js'), ...args],
    cwd: REPO,
    // NO_COLOR: assertions see plain text whatever the test runner's terminal.
    env: { ...env, NO_COLOR: '1' },
    onLine: (line, stream) => (stream === 'stdout' ? out : err).push(line),
  });
  // 'close' (not 'exit'): it fires once stdout and stderr have ended, so every line is in.
  const closed = new Promise<number | string>((resolve) => p.child.once('close', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const timer = setTimeout(() => void p.stop(), timeoutMs);
  try {
    const code = await closed;
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    clearTimeout(timer);
    await p.stop();
  }
}
