"""Run one spawned process per share of the work and collect what they report, failing fast if one dies.

A worker target is called as `target(*args, report)`; `report(kind, payload)` sends a message to the parent.
It must end by reporting ("end", payload) or ("error", traceback text). The parent polls the message queue with a
timeout and checks each worker's liveness in between: a worker that exited (killed by the OOM killer, a segfault in
a native library, `os._exit`) without reporting "end" fails the run with its exit code instead of hanging it.
"""
from __future__ import annotations

import multiprocessing as mp
import queue as queue_mod
from collections.abc import Callable, Sequence
from typing import Any

POLL_S = 1.0  # how often the parent checks liveness while no message arrives


class WorkerDied(RuntimeError):
    """A worker process exited without reporting its results (exit code in the message, and as `.exitcode`)."""

    def __init__(self, index: int, pid: int | None, exitcode: int | None, done: int):
        self.index, self.pid, self.exitcode = index, pid, exitcode
        signal = f" (killed by signal {-exitcode})" if exitcode is not None and exitcode < 0 else ""
        super().__init__(f"worker {index} (pid {pid}) exited with code {exitcode}{signal} before reporting its results "
                         f"({done} messages received from it)")


class _Reporter:
    """Picklable `report(kind, payload)` bound to one worker's index."""

    def __init__(self, queue, index: int):
        self.queue, self.index = queue, index

    def __call__(self, kind: str, payload: Any) -> None:
        self.queue.put((self.index, kind, payload))


def run_workers(target: Callable, shares: Sequence[tuple], on_message: Callable[[int, str, Any], None]) -> list[Any]:
    """Start `target(*share, report)` for each share in its own spawned process; returns the "end" payloads in
    share order. on_message(worker_index, kind, payload) sees every other message. A worker's ("error", text)
    raises RuntimeError with that text; a worker that dies silently raises `WorkerDied`. Every still-running
    worker is terminated before an error propagates."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*share, _Reporter(queue, w)), daemon=True) for w, share in enumerate(shares)]
    for p in procs:
        p.start()
    ends: dict[int, Any] = {}
    received = [0] * len(procs)
    failed = True
    try:
        while len(ends) < len(procs):
            try:
                w, kind, payload = queue.get(timeout=POLL_S)
            except queue_mod.Empty:
                _check_alive(procs, ends, received, queue)
                continue
            received[w] += 1
            if kind == "end":
                ends[w] = payload
            elif kind == "error":
                raise RuntimeError(f"worker {w} failed:\n{payload}")
            else:
                on_message(w, kind, payload)
        failed = False
    finally:
        for p in procs:
            if failed and p.is_alive():
                p.terminate()
            p.join()
    return [ends[w] for w in range(len(procs))]


def _check_alive(procs, ends, received, queue) -> None:
    for w, p in enumerate(procs):
        if w in ends or p.is_alive():
            continue
        # it may have reported just before exiting: the queue's feeder thread flushes before the process ends
        if p.exitcode == 0 and not queue.empty():
            return
        raise WorkerDied(w, p.pid, p.exitcode, received[w])
