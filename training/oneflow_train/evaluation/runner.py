"""Spread episodes over worker processes (each runs its share in lockstep), with one progress bar and GIFs."""
from __future__ import annotations

import multiprocessing as mp
import os
import traceback
from pathlib import Path
from typing import Any, Sequence

from .protocol import EpisodeResult, EvalProtocol, run_episodes


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


def _run_local(policy, seeds, protocol, gif_dir, on_episode) -> list[EpisodeResult]:
    frames = {} if gif_dir else None
    gif = _gif_writer(gif_dir, frames)

    def done(res):
        gif(res)
        on_episode(res)

    return run_episodes(policy, seeds, protocol, on_done=done, frames_out=frames)


def _worker(spec, policy_args, zarr_path, seeds, protocol, gif_dir, threads, queue) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    try:
        import sys

        from .factory import make_policy

        if str(spec).endswith(".onnx"):
            policy_args = {"intra_op_threads": threads, **(policy_args or {})}
        policy = make_policy(spec, policy_args, zarr_path)
        if "torch" in sys.modules:  # share the cores between workers (torch is imported only by torch policies)
            sys.modules["torch"].set_num_threads(threads)
        results = _run_local(policy, seeds, protocol, gif_dir, lambda r: queue.put(("episode", r.to_dict())))
        queue.put(("end", [r.to_dict(with_rewards=True) for r in results]))
    except BaseException:  # report to the parent instead of dying silently
        queue.put(("error", traceback.format_exc()))


def evaluate(
    policy: Any,
    seeds: Sequence[int],
    protocol: EvalProtocol = EvalProtocol(),
    workers: int = 2,
    policy_args: dict | None = None,
    zarr_path: str | None = None,
    gif_dir: str | None = None,
    progress: bool = True,
) -> list[dict]:
    """Evaluate a policy spec (str, rebuilt in each worker) or an EvalPolicy object (run in this process) on seeds.

    Returns per-episode dicts (seed, score, success, n_steps, n_policy_calls, final_coverage, rewards), seed order.
    """
    from tqdm import tqdm

    seeds = [int(s) for s in seeds]
    bar = tqdm(total=len(seeds), desc="eval", unit="ep", disable=not progress, dynamic_ncols=True)
    if not isinstance(policy, str) or workers <= 1 or len(seeds) == 1:
        if isinstance(policy, str):
            from .factory import make_policy

            policy = make_policy(policy, policy_args, zarr_path)
        check = getattr(policy, "check_seeds", None)
        if check:
            check(seeds)
        results = _run_local(policy, seeds, protocol, gif_dir, lambda r: bar.update(1))
        bar.close()
        return [r.to_dict(with_rewards=True) for r in results]
    if policy == "demo-replay":
        bad = [s for s in seeds if s < 0 or s > 205]
        if bad:
            raise ValueError(f"demo-replay plays recorded episode == seed; seeds must lie in [0, 206), got {bad[:5]}")
    workers = min(workers, len(seeds))
    threads = max(1, (os.cpu_count() or 1) // workers)
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    shares = [seeds[w::workers] for w in range(workers)]
    procs = [ctx.Process(target=_worker, args=(policy, policy_args, zarr_path, share, protocol, gif_dir, threads, queue),
                         daemon=True) for share in shares]
    for p in procs:
        p.start()
    results: list[dict] = []
    ended, error = 0, None
    try:
        while ended < workers and error is None:
            kind, payload = queue.get()
            if kind == "episode":
                bar.update(1)
                bar.set_postfix(last=f"{payload['seed']}:{payload['score']:.3f}")
            elif kind == "end":
                results.extend(payload)
                ended += 1
            else:
                error = payload
    finally:
        bar.close()
        for p in procs:
            if error is not None and p.is_alive():
                p.terminate()
            p.join()
    if error is not None:
        raise RuntimeError(f"evaluation worker failed:\n{error}")
    order = {s: i for i, s in enumerate(seeds)}
    results.sort(key=lambda r: order[r["seed"]])
    return results
