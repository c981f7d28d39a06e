"""Focused repro of the "SIGINT twice → one hold, exit 0" check (docs/deploy.md, shutdown): one node, inputs flowing,
stopped with SIGINT then a second SIGINT after each delay in --delays-ms, repeated --rounds times; prints each exit
code and fails on any that is not 0. Run with scripts/ros-env.sh sourced: test/ros/live/sigint_repro.sh."""

import argparse
import os
import shutil
import signal
import sys
import tempfile
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
sys.argv[1:1] = [REPO]  # live_test reads the repository root from argv[1]
import live_test as lt  # noqa: E402

del sys.argv[1]


def trace_sigint(proc, t0, trace):
    """Records (ms since t0, whether SIGINT has a handler) at every change, from /proc/<pid>/status SigCgt."""
    last = None
    while proc.poll() is None:
        try:
            with open(f'/proc/{proc.pid}/status') as f:
                cgt = next(int(line.split()[1], 16) for line in f if line.startswith('SigCgt'))
        except (OSError, StopIteration):
            return
        caught = bool(cgt & (1 << (signal.SIGINT - 1)))
        if caught != last:
            trace.append(((time.monotonic() - t0) * 1000, caught))
            last = caught
        time.sleep(0.0002)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--delays-ms', default='0,10,20,50,100,200,500')
    parser.add_argument('--rounds', type=int, default=1)
    parser.add_argument('--dist', help='a dist/src to run instead of the built one (e.g. an instrumented copy)')
    parser.add_argument('--trace', action='store_true', help='print when SIGINT is caught or not (/proc SigCgt)')
    args = parser.parse_args(sys.argv[1:])
    delays_s = [int(d) / 1000 for d in args.delays_ms.split(',')]
    tmp = tempfile.mkdtemp(prefix='oneflow-sigint-')
    executable = lt.install_prefix(os.path.join(tmp, 'prefix'))
    if args.dist:
        share_src = os.path.join(tmp, 'prefix', 'share', 'oneflow', 'dist', 'src')
        shutil.rmtree(share_src)
        shutil.copytree(args.dist, share_src)
    lt.rclpy.init()
    node = lt.rclpy.create_node('oneflow_sigint_probe')
    probe = lt.Probe(node, lt.bag_messages())
    executor = lt.SingleThreadedExecutor()
    executor.add_node(node)
    threading.Thread(target=executor.spin, daemon=True).start()
    results = []
    for r in range(args.rounds):
        for i, delay_s in enumerate(delays_s):
            name = f'node_{r}_{i}'
            proc, log = lt.start_node(executable, tmp, lt.free_port(), name)
            ok = lt.wait_matched(probe, proc)
            probe.play(2.0)  # warm-up: RUNNING, ticks inferring
            t0 = time.monotonic()
            trace = []
            if args.trace:
                threading.Thread(target=trace_sigint, args=(proc, t0, trace), daemon=True).start()
            proc.send_signal(signal.SIGINT)
            time.sleep(delay_s)
            proc.send_signal(signal.SIGINT)
            try:
                code = proc.wait(timeout=10)
            except lt.subprocess.TimeoutExpired:
                proc.kill()
                code = None
            log.close()
            results.append((delay_s, code))
            print(f'round {r} delay {delay_s * 1000:.0f} ms: matched {ok}, exit {code}', flush=True)
            if args.trace:
                print('  SIGINT caught (ms after the first signal): ' + ' '.join(f'{t:.1f}:{c}' for t, c in trace))
            if code != 0:
                print(''.join(open(os.path.join(tmp, f'{name}.log')).readlines()[-24:]), flush=True)
            time.sleep(0.3)
    executor.shutdown()
    lt.rclpy.try_shutdown()
    bad = [(d, c) for d, c in results if c != 0]
    print(f'sigint repro: {len(results) - len(bad)}/{len(results)} exit 0; failures {bad}')
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
