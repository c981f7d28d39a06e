"""Spread episodes over worker processes (each runs its share in lockstep), with one progress bar and GIFs."""
from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Any, Sequence

from .protocol import EpisodeResult, EvalProtocol, run_episodes
from .worker_pool import run_workers


def _gif_writer(gif_dir: str | None, frames: dict[int, list] | None):
    """on_done callback that writes (and frees) an episode's frames as gif_dir/seed_<seed>.gif."""

    def write(res: EpisodeResult) -> None:
        if gif_dir is None or frames is None:
            return
        from PIL import Image

        Path(gif_dir).mkdir(parents=True, exist_ok=True)
        images = [Image.fromarray(f) for f in frames.pop(res.seed)]
        images[0].save(Path(gif_dir) / f"seed_{res.seed}.gif", save_all=True, append_images=images[1:],
                       duration=100, loop=0)  # 10 Hz, ms per frame

    return write


def _run_local(policy, seeds, protocol, gif_dir, on_episode, lockstep_batch=None) -> list[EpisodeResult]:
    frames = {} if gif_dir else None
    gif = _gif_writer(gif_dir, frames)

    def done(res):
        gif(res)
        on_episode(res)

    return run_episodes(policy, seeds, protocol, on_done=done, frames_out=frames, lockstep_batch=lockstep_batch)


def default_threads_per_worker(workers: int) -> int:
    """CPUs this process may run on (sched_getaffinity, else cpu_count), divided between the workers, at least 1.

    `nproc` and affinity can under-report inside containers (the 16-core GPU machine's `nproc` prints 1); pass
    `--threads-per-worker` explicitly there."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, cpus // max(1, workers))


def _worker(spec, policy_args, zarr_path, seeds, protocol, gif_dir, threads, lockstep_batch, report) -> None:
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # before torch/onnxruntime are imported in this process
        os.environ[var] = str(threads)
    try:
        from .factory import make_policy

        if str(spec).endswith(".onnx"):
            policy_args = {"intra_op_threads": threads, **(policy_args or {})}
        policy = make_policy(spec, policy_args, zarr_path)
        if "torch" in sys.modules:  # torch is imported only by torch policies
            sys.modules["torch"].set_num_threads(threads)
        results = _run_local(policy, seeds, protocol, gif_dir, lambda r: report("episode", r.to_dict()),
                             lockstep_batch)
        report("end", [r.to_dict(with_rewards=True) for r in results])
    except BaseException:  # noqa: BLE001 — report to the parent instead of dying silently
        report("error", traceback.format_exc())


def evaluate(
    policy: Any,
    seeds: Sequence[int],
    protocol: EvalProtocol = EvalProtocol(),
    workers: int = 2,
    policy_args: dict | None = None,
    zarr_path: str | None = None,
    gif_dir: str | None = None,
    progress: bool = True,
    threads_per_worker: int | None = None,
    lockstep_batch: int | None = None,
) -> list[dict]:
    """Evaluate a policy spec (str, rebuilt in each worker) or an EvalPolicy object (run in this process) on seeds.

    threads_per_worker: torch / onnxruntime / OpenMP threads in each worker (default `default_threads_per_worker`).
    lockstep_batch: episodes per lockstep batch in each worker (None = the worker's whole share at once).
    Returns per-episode dicts (seed, score, success, n_steps, n_policy_calls, final_coverage, rewards), seed order.
    Raises RuntimeError if a worker reports an error, `WorkerDied` if one exits without reporting.
    """
    from tqdm import tqdm

    seeds = [int(s) for s in seeds]
    if threads_per_worker is not None and threads_per_worker < 1:
        raise ValueError(f"threads_per_worker must be >= 1, got {threads_per_worker}")
    bar = tqdm(total=len(seeds), desc="eval", unit="ep", disable=not progress, dynamic_ncols=True)
    if not isinstance(policy, str) or workers <= 1 or len(seeds) == 1:
        if isinstance(policy, str):
            from .factory import make_policy

            policy = make_policy(policy, policy_args, zarr_path)
        if threads_per_worker is not None and "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(threads_per_worker)
        check = getattr(policy, "check_seeds", None)
        if check:
            check(seeds)
        results = _run_local(policy, seeds, protocol, gif_dir, lambda r: bar.update(1), lockstep_batch)
        bar.close()
        return [r.to_dict(with_rewards=True) for r in results]
    if policy == "demo-replay":
        bad = [s for s in seeds if s < 0 or s > 205]
        if bad:
            raise ValueError(f"demo-replay plays recorded episode == seed; seeds must lie in [0, 206), got {bad[:5]}")
    workers = min(workers, len(seeds))
    threads = threads_per_worker or default_threads_per_worker(workers)
    shares = [(policy, policy_args, zarr_path, seeds[w::workers], protocol, gif_dir, threads, lockstep_batch)
              for w in range(workers)]

    def on_message(_w, kind, payload):
        if kind == "episode":
            bar.update(1)
            bar.set_postfix(last=f"{payload['seed']}:{payload['score']:.3f}")

    try:
        ends = run_workers(_worker, shares, on_message)
    finally:
        bar.close()
    results = [r for end in ends for r in end]
    order = {s: i for i, s in enumerate(seeds)}
    results.sort(key=lambda r: order[r["seed"]])
    return results
