// Keeps one other core busy during the deadline bench: a child process spinning `for (;;) {}`.
import { spawn, type ChildProcess } from 'node:child_process';

export function startBusyCore(): { stop(): Promise<void>; child: ChildProcess } {
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
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
