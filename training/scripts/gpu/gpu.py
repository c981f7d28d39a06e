"""GPU staging for the device machine (docs: DEVELOPERS.md, "A GPU segment").

Here (repo root, .venv/bin/python):
    gpu.py travel [--carry .gpu/stage]     dry run: what a call would send now, and with models/ hidden
    gpu.py wheels                          download the device's missing evaluation wheels into .gpu/wheels
    gpu.py stage teacher|distill|eval ...  build .gpu/stage for one segment (refused over 64 MiB)
    gpu.py hide / gpu.py restore           models/ out of the travelling tree for the call, and back
    gpu.py join DIR... [--into DEST]       verify the parts' sha256 and reassemble what came back
On the device (in .gpu/stage, python3):
    gpu.py segment --out "$OUT"            train (hard budget), evaluate, pack; batch 1 into $OUT
    gpu.py send --batch N --out "$OUT"     a later batch, on the still-warm machine
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gpu_limits import LimitError  # noqa: E402
from gpu_parts import PartError  # noqa: E402


def _repo() -> Path:
    return Path(subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True,
                               check=True).stdout.strip())


def cmd_travel(a) -> int:
    from gpu_travel import as_if_hidden, hidden_paths, report, travel_set

    repo = _repo()
    items = travel_set(repo, tuple(a.carry))
    print("== now" + (f" ({len(hidden_paths(repo))} files hidden)" if hidden_paths(repo) else ""))
    print(report(items))
    print(f"== with {', '.join(a.hide)} hidden (gpu.py hide)")
    print(report(as_if_hidden(items, tuple(a.hide))))
    return 0


def cmd_wheels(a) -> int:
    from gpu_stage import WHEEL_PINS

    dest = _repo() / ".gpu" / "wheels"
    argv = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--python-version", "3.12",
            "--implementation", "cp", *[x for p in ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64",
                                                    "manylinux_2_17_x86_64", "manylinux2014_x86_64")
                                        for x in ("--platform", p)],
            "-d", str(dest), *[f"{k}=={v}" for k, v in WHEEL_PINS.items()]]
    return subprocess.run(argv).returncode


def cmd_stage(a) -> int:
    from gpu_stage import stage

    fields = {k: v for k, v in dict(device=a.device, call_budget_s=a.call_budget_s, eval_seeds=a.eval_seeds or None,
                                    stop_after_steps=a.stop_after_steps, episodes=a.episodes,
                                    train_args=tuple(a.train_arg)).items() if v is not None}
    fields["eval_seeds"] = a.eval_seeds or None
    if a.eval_arg:
        fields["eval_args"] = tuple(a.eval_arg)
    run_dir = Path(a.run_dir or f"runs/eval_{Path(a.policy or 'x').stem}")
    m = stage(_repo(), a.kind, run_dir, config=a.config, teacher=a.teacher, policy=a.policy, code=a.code,
              npz=Path(a.npz) if a.npz else None, calls=a.calls, **fields)
    seg = "cd .gpu/stage && python3 gpu/gpu.py segment --out \"$OUT\""
    if m["calls"] == 2:
        print("next: gpu.py hide; then two run calls, the second within 30 s of the first:\n"
              "  carry [\".gpu/stage\"], command: ls -l .gpu/stage/inbox\n"
              f"  carry [\".gpu/stage-2\"], timeout_s 600, command: {seg}\nthen: gpu.py restore; gpu.py join <files_at>")
    else:
        print(f"next: gpu.py hide; then the run tool with carry [\".gpu/stage\"], timeout_s 600, command:\n  {seg}\n"
              "then: gpu.py restore; gpu.py join <files_at>")
    return 0


def cmd_hide(a) -> int:
    from gpu_travel import hide

    paths = hide(_repo(), tuple(a.hide))
    print(f"hid {len(paths)} tracked files under {', '.join(a.hide)} (links in place, skip-worktree); "
          f"undo with gpu.py restore")
    return 0


def cmd_restore(a) -> int:
    from gpu_travel import restore

    out = restore(_repo())
    print(json.dumps({k: v if k != "restored" else len(v) for k, v in out.items()}))
    return 1 if out["differs_from_index"] else 0


def cmd_join(a) -> int:
    from gpu_parts import join

    res = join([Path(s) for s in a.sources], Path(a.into))
    for name, members in res["extracted"].items():
        print(f"{name}: {len(members)} files verified and extracted into {a.into}")
    for name, batches in res["missing"].items():
        print(f"{name}: parts missing; fetch batch(es) {batches} (gpu.py send --batch N on the warm machine)")
    return 0 if not res["missing"] else 3


def cmd_segment(a) -> int:
    from gpu_segment import segment

    report = segment(Path(a.stage), Path(a.out), Path(a.outbox))
    return 0 if all(s["rc"] == 0 for s in report["steps"]) else 1


def cmd_send(a) -> int:
    from gpu_parts import send

    print("sent", ", ".join(send(Path(a.outbox), Path(a.out), a.batch)))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="gpu.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("travel", help="dry run: what a call would send, and its size")
    s.add_argument("--carry", action="append", default=[], help="a carried (ignored) path, e.g. .gpu/stage")
    s.add_argument("--hide", action="append", default=None, help="folders hide would cover (default models)")
    sub.add_parser("wheels", help="download the device's missing evaluation wheels into .gpu/wheels")
    s = sub.add_parser("stage", help="build .gpu/stage for one segment")
    s.add_argument("kind", choices=("teacher", "distill", "eval"))
    s.add_argument("--run-dir", help="the local run directory (continued if it holds a state); eval: runs/eval_<policy>")
    s.add_argument("--policy", help="eval: the .onnx file or checkpoint directory to evaluate")
    s.add_argument("--eval-arg", action="append", default=[], help="one more eval argument (repeatable)")
    s.add_argument("--config", help="training/configs/<x>.json (teacher; fresh distillation)")
    s.add_argument("--teacher", help="fresh distillation: the teacher checkpoint directory (repo-relative)")
    s.add_argument("--code", default="head", choices=("head", "worktree"))
    s.add_argument("--npz", help="use this npz instead of .gpu/cache/pusht_*.npz")
    s.add_argument("--device", default=None, help="torch device on the machine (default cuda)")
    s.add_argument("--call-budget-s", type=float, default=None, help="the runner ends within this (default 540)")
    s.add_argument("--eval-seeds", default="val", help="evaluation seeds after training ('' for none)")
    s.add_argument("--stop-after-steps", type=int, default=None)
    s.add_argument("--episodes", default=None)
    s.add_argument("--train-arg", action="append", default=[], help="one more training argument (repeatable)")
    s.add_argument("--calls", type=int, default=1, choices=(1, 2),
                   help="2: a state too large for one call goes over two calls to the warm machine")
    for name in ("hide", "restore"):
        s = sub.add_parser(name, help=f"{name} models/ for a device call")
        s.add_argument("--hide", action="append", default=None, help="folders to hide (default models)")
    s = sub.add_parser("join", help="verify and reassemble parts that came back")
    s.add_argument("sources", nargs="+")
    s.add_argument("--into", default=".gpu/back", help="extract here (. updates runs/<name> in place)")
    s = sub.add_parser("segment", help="device side: train, evaluate, pack")
    s.add_argument("--stage", default=".")
    s.add_argument("--out", required=True)
    s.add_argument("--outbox", default="../outbox")
    s = sub.add_parser("send", help="device side: copy batch N of the outbox to --out")
    s.add_argument("--batch", type=int, required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--outbox", default="../outbox")
    a = p.parse_args(argv)
    if getattr(a, "hide", "x") is None:
        a.hide = ["models"]
    try:
        return globals()[f"cmd_{a.cmd}"](a)
    except (LimitError, PartError, FileNotFoundError, ValueError, RuntimeError) as e:
        print(f"gpu.py {a.cmd}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
