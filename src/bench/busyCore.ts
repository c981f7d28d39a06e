// Keeps one other core busy during the deadline bench: a child process spinning `for (;;) {}`.
// It always runs as an ordinary process (SCHED_OTHER, nice 0) even when the bench itself runs with a raised priority
// or under `chrt -f` (children would inherit a real-time policy and starve the core): via `chrt -o 0` when present.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setPriority } from 'node:os';

const CHRT = '/usr/bin/chrt';

export function startBusyCore(): { stop(): Promise<void>; child: ChildProcess } {
  const spin = [process.execPath, '-e', 'for (;;) {}'];
  const [cmd, ...args] = existsSync(CHRT) ? [CHRT, '-o', '0', ...spin] : spin;
  const child = spawn(cmd!, args, { stdio: 'ignore' });
  if (child.pid !== undefined) setPriority(child.pid, 0);
  return {
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
