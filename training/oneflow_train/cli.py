"""`oneflow-train <command>`: one entry point; each command lives in `oneflow_train/commands/<name>.py`.

A command module exposes `add_arguments(parser)` and `run(args) -> int`. Modules are imported only when their
command runs, so a heavy dependency of one command (torch, onnxruntime, pymunk) never slows the others down.

Known errors — a value the user gave that cannot work: a bad seed range, a missing checkpoint or dataset, an unknown
sampler, a model that breaks the contract — are raised as ValueError or OSError (ContractError, DatasetError and
FileNotFoundError are among them) with a message naming the value and what was expected. `main` prints that message
as one line on stderr and exits 2; `--debug` (anywhere on the line) or ONEFLOW_DEBUG=1 shows the traceback instead.
Anything else is a bug and keeps its traceback (exit 1).
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from types import ModuleType

EXIT_USAGE = 2
# What a command raises for a mistake in its input (subclasses included): printed as one line, exit EXIT_USAGE.
KNOWN_ERRORS: tuple[type[BaseException], ...] = (ValueError, OSError)

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
    debug = "--debug" in argv or os.environ.get("ONEFLOW_DEBUG") == "1"
    argv = [a for a in argv if a != "--debug"]
    top = argparse.ArgumentParser(prog="oneflow-train", description=__doc__.splitlines()[0],
                                  epilog="--debug (anywhere) or ONEFLOW_DEBUG=1: show the traceback of an error")
    sub = top.add_subparsers(dest="command", metavar="<command>")
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        top.print_help()
        if argv and argv[0] not in ("-h", "--help"):
            print(f"\nunknown command {argv[0]!r}; expected one of {', '.join(COMMANDS)}", file=sys.stderr)
            return EXIT_USAGE
        return 0
    name = argv[0]
    module, parser = command_parser(name)
    args = parser.parse_args(argv[1:])
    try:
        return int(module.run(args) or 0)
    except KNOWN_ERRORS as err:
        if debug:
            raise
        print(f"oneflow-train {name}: {one_line(err)}", file=sys.stderr)
        return EXIT_USAGE


def command_parser(name: str) -> tuple[ModuleType, argparse.ArgumentParser]:
    """The command's module and its argument parser (what `main` parses with; the docs test parses with it too)."""
    module = importlib.import_module(f"oneflow_train.commands.{COMMANDS[name][0]}")
    parser = argparse.ArgumentParser(prog=f"oneflow-train {name}", description=COMMANDS[name][1])
    module.add_arguments(parser)
    return module, parser


def one_line(err: BaseException) -> str:
    """The error's message on one line (an OSError without one: its errno text and file name)."""
    text = str(err) or type(err).__name__
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


if __name__ == "__main__":
    raise SystemExit(main())
