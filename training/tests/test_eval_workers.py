"""Worker processes: a worker that dies fails the evaluation with its exit code instead of hanging it; threads and
lockstep batches are passed through; results match the in-process run."""
import os
import threading

import pytest

from oneflow_train.evaluation.runner import default_threads_per_worker, evaluate
from oneflow_train.evaluation.worker_pool import WorkerDied, run_workers

HANG_GUARD_S = 120  # not a timing assertion: only stops a hanging parent from blocking the suite forever


def _well_behaved(n, report):
    for i in range(n):
        report("tick", i)
    report("end", n * 10)


def _dies(code, report):
    report("tick", 0)
    if code is None:  # the one that reports properly
        report("end", "ok")
        return
    os._exit(code)


def _raises(report):
    raise KeyError("boom")


def _run_guarded(fn):
    """Run fn in a thread; fail (rather than hang) if it does not return within HANG_GUARD_S."""
    box = {}

    def call():
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 — handed to the test
            box["error"] = exc

    t = threading.Thread(target=call, daemon=True)
    t.start()
    t.join(HANG_GUARD_S)
    assert not t.is_alive(), "the parent is still waiting for a dead worker"
    return box


def _error_reporter(w, report):
    try:
        _raises(report)
    except BaseException:  # noqa: BLE001 — handed to the parent as text
        import traceback

        report("error", traceback.format_exc())


def test_run_workers_collects_end_payloads_in_share_order():
    seen = []
    ends = run_workers(_well_behaved, [(2,), (3,)], lambda w, kind, p: seen.append((w, kind, p)))
    assert ends == [20, 30]
    assert sorted(seen) == [(0, "tick", 0), (0, "tick", 1), (1, "tick", 0), (1, "tick", 1), (1, "tick", 2)]


def test_dead_worker_fails_with_its_exit_code():
    box = _run_guarded(lambda: run_workers(_dies, [(None,), (7,)], lambda *a: None))
    err = box.get("error")
    assert isinstance(err, WorkerDied), box
    assert err.exitcode == 7 and err.index == 1
    assert "worker 1" in str(err) and "exited with code 7" in str(err)


def test_worker_error_is_raised_with_its_traceback():
    with pytest.raises(RuntimeError, match=r"worker 0 failed:(.|\n)*KeyError: 'boom'"):
        run_workers(_error_reporter, [(0,)], lambda *a: None)


def test_default_threads_per_worker_divides_the_affinity_set():
    cpus = len(os.sched_getaffinity(0))
    assert default_threads_per_worker(1) == cpus
    assert default_threads_per_worker(10 * cpus) == 1


def test_two_workers_match_the_in_process_run():
    from oneflow_train.evaluation.protocol import EvalProtocol

    seeds = [100000, 100001, 100002]
    protocol = EvalProtocol(max_steps=16)
    local = evaluate("stand-still", seeds, protocol, workers=1, progress=False)
    pooled = evaluate("stand-still", seeds, protocol, workers=2, progress=False, threads_per_worker=1,
                      lockstep_batch=1)
    assert [e["seed"] for e in pooled] == seeds
    assert pooled == local
    with pytest.raises(ValueError, match="threads_per_worker must be >= 1, got 0"):
        evaluate("stand-still", seeds, protocol, workers=2, progress=False, threads_per_worker=0)
