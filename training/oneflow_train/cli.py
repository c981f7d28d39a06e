"""`oneflow-train <command>`: one entry point; each command lives in `oneflow_train/commands/<name>.py`.

A command module exposes `add_arguments(parser)` and `run(args) -> int`. Modules are imported only when their
command runs, so a heavy dependency of one command (torch, onnxruntime, pymunk) never slows the others down.
"""
from __future__ import annotations

import argparse
import importlib
import sys

# command name -> (module under oneflow_train.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "data": ("data", "check the Push-T dataset (fingerprints, episodes, statistics)"),
    "fidelity": ("fidelity", "measure the environment against the recorded demonstrations"),
    "eval": ("eval", "evaluate a policy under the Diffusion Policy Push-T protocol"),
    "train-teacher": ("train_teacher", "train a Diffusion Policy (DDPM) teacher"),
    "distill": ("distill", "distill a teacher into a one-step OneFlow-DP student"),
    "match": ("match", "student vs teacher: coverage, coherence and distribution match"),
    "compare": ("compare", "paired difference B - A of two evaluations on their common seeds"),
    "merge": ("merge", "merge result JSONs evaluated on disjoint seed chunks"),
    "export": ("export", "export a checkpoint as one self-contained ONNX policy"),
    "bags": ("bags", "convert dataset episodes into rosbag2 MCAP bags"),
    "flops": ("flops", "count FLOPs per inference of a checkpoint with forward hooks"),
    "table": ("table", "collect result JSON files into the results table"),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    top = argparse.ArgumentParser(prog="oneflow-train", description=__doc__.splitlines()[0])
    sub = top.add_subparsers(dest="command", metavar="<command>")
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        top.print_help()
        if argv and argv[0] not in ("-h", "--help"):
            print(f"\nunknown command {argv[0]!r}; expected one of {', '.join(COMMANDS)}", file=sys.stderr)
            return 2
        return 0
    name = argv[0]
    module = importlib.import_module(f"oneflow_train.commands.{COMMANDS[name][0]}")
    parser = argparse.ArgumentParser(prog=f"oneflow-train {name}", description=COMMANDS[name][1])
    module.add_arguments(parser)
    args = parser.parse_args(argv[1:])
    return int(module.run(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
