"""Every shell command written in README.md and docs/*.md runs as written, as far as argument parsing goes (issue 19
item 7): a renamed flag, command, make target or script fails here instead of in a reader's terminal.

Commands come from fenced blocks tagged bash/sh/shell/console, and from untagged blocks the lines that start with one
of our programs (untagged blocks also hold program output). Each is dry-run, never executed:
- `oneflow-train CMD ...` (also `.venv/bin/oneflow-train`, `python -m oneflow_train`): parsed by the command's own
  argparse parser (`cli.command_parser`);
- `npx oneflow SUB ...` / `node dist/src/cli.js SUB ...`: the node CLI with `--help` added, which parses every option
  (an unknown one exits 2 with "did you mean") and then prints the usage instead of running (needs `dist/`, which
  `npm test` builds first in `make test`);
- a synopsis (a line with `<placeholder>` or `[optional]` parts) cannot be parsed whole: each `--flag` it names must be
  one the command knows;
- `make T`: T is a target of the Makefile; `bash F`, `node F`, `./F`: F exists (`dist/src/X.js` → `src/X.ts`);
  `python -m oneflow_train.M`: the module exists.
Other programs (ros2, docker, colcon, curl, npm, …) are not ours and are left alone.
"""
from __future__ import annotations

import importlib.util
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from oneflow_train.cli import COMMANDS, command_parser

ROOT = Path(__file__).resolve().parents[2]
NODE_CLI = ROOT / "dist" / "src" / "cli.js"
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.M | re.S)
SHELL_TAGS = {"bash", "sh", "shell", "console"}
OURS = re.compile(r"^(\$ )?((\w+=\S* )*)(nice -n \d+ )?(\.venv/bin/|\./)?(oneflow-train|oneflow|npx|node|make|bash|python3?) ")
PLACEHOLDER = re.compile(r"<[^<>\s][^<>]*>|\[[^\]]*\]|…|\.\.\.")
PREFIX_WORDS = {"sudo", "time", "exec"}


@dataclass(frozen=True)
class Command:
    where: str  # file:line
    words: tuple[str, ...]
    synopsis: bool


def logical_lines(block: str) -> list[tuple[int, str]]:
    """(offset, line) with backslash continuations joined, heredoc bodies dropped."""
    out: list[tuple[int, str]] = []
    lines = block.split("\n")
    i = 0
    while i < len(lines):
        start, line = i, lines[i]
        while line.endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line[:-1] + " " + lines[i].strip()
        heredoc = re.search(r"<<-?\s*'?(\w+)'?", line)
        if heredoc:
            while i + 1 < len(lines) and lines[i + 1].strip() != heredoc.group(1):
                i += 1
            i += 1
            line = line[: heredoc.start()]
        out.append((start, line))
        i += 1
    return out


def split_commands(line: str) -> list[list[str]]:
    """The simple commands of one shell line (split at ; && || | and the loop words), comments dropped."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    lexer.commentors = "#"
    commands, current = [], []
    for tok in lexer:
        if tok in (";", "&&", "||", "|", "&", ";;") or tok in ("do", "then", "else", "done", "fi"):
            commands.append(current)
            current = []
        else:
            current.append(tok)
    commands.append(current)
    return [c for c in commands if c]


def strip_prefix(words: list[str]) -> list[str]:
    """Drop a prompt, VAR=value assignments, `nice -n N`, sudo/time/exec."""
    w = list(words)
    while w:
        if w[0] == "$" or re.fullmatch(r"\w+=.*", w[0]) or w[0] in PREFIX_WORDS:
            w = w[1:]
        elif w[0] == "nice" and len(w) > 2 and w[1] == "-n":
            w = w[3:]
        else:
            break
    return w


def extract(path: Path) -> list[Command]:
    text = path.read_text()
    found: list[Command] = []
    for m in FENCE.finditer(text):
        tag, body = m.group(1), m.group(2)
        if tag and tag not in SHELL_TAGS:
            continue
        first_line = text[: m.start(2)].count("\n") + 1
        # an untagged block with `$ ` prompts: only the prompted lines are commands, the rest is their output
        prompted = not tag and re.search(r"^\s*\$ ", body, re.M) is not None
        for offset, line in logical_lines(body):
            line = line.strip()
            if not line or line.startswith("#") or (not tag and not OURS.match(line)) or (prompted and not line.startswith("$ ")):
                continue
            if line.startswith("for ") and " in " in line and not line.rstrip().endswith(("do", "done")) and "; do" not in line:
                continue  # a Python `for` in a heredoc that was not marked as one
            synopsis = bool(PLACEHOLDER.search(line.split(" #")[0]))
            try:
                parts = split_commands(line)
            except ValueError:  # unbalanced quotes: not a shell line (program output)
                continue
            for words in parts:
                words = strip_prefix(words)
                if words:
                    found.append(Command(f"{path.relative_to(ROOT)}:{first_line + offset}", tuple(words), synopsis))
    return found


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def make_targets() -> set[str]:
    return set(re.findall(r"^([\w.-]+):(?!=)", (ROOT / "Makefile").read_text(), re.M))


def flags_of(words: tuple[str, ...]) -> list[str]:
    """The --options a command line names, bracketed ones of a synopsis included."""
    return [f for w in words for f in re.findall(r"(?<![\w-])--[a-z][\w-]*", w)]


def check_python_cli(c: Command, args: list[str]) -> str | None:
    if not args or args[0] not in COMMANDS:
        return f"oneflow-train has no command {args[:1]}; it has {', '.join(COMMANDS)}"
    _, parser = command_parser(args[0])
    if c.synopsis:
        known = set(parser._option_string_actions)  # noqa: SLF001 — argparse keeps its options only there
        unknown = [f for f in flags_of(tuple(args[1:])) if f not in known]
        return f"oneflow-train {args[0]} has no option {', '.join(unknown)}" if unknown else None
    try:
        parser.parse_args([a for a in args[1:] if a != "--debug"])
    except SystemExit as e:
        return None if e.code in (0, None) else f"oneflow-train {args[0]} refuses these arguments (exit {e.code})"
    return None


def node_cli(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(["node", str(NODE_CLI), *args], capture_output=True, text=True, cwd=ROOT, timeout=60)


def check_node_cli(c: Command, args: list[str]) -> str | None:
    if not args:
        return "oneflow without a command"
    if c.synopsis:
        usage = node_cli([args[0], "--help"])
        if usage.returncode != 0:
            return f"oneflow {args[0]} --help exits {usage.returncode}: {usage.stderr.strip()[:200]}"
        unknown = [f for f in flags_of(tuple(args[1:])) if f not in usage.stdout + usage.stderr]
        return f"oneflow {args[0]}'s usage names no {', '.join(unknown)}" if unknown else None
    ros = args.index("--ros-args") if "--ros-args" in args else len(args)
    r = node_cli([*args[:ros], "--help", *args[ros:]])
    return None if r.returncode == 0 else f"exit {r.returncode}: {(r.stderr or r.stdout).strip()[:300]}"


def check(c: Command) -> tuple[str, str | None]:
    """(kind, problem or None) for one command; kind 'external' for programs that are not ours."""
    w = list(c.words)
    prog = w[0].removeprefix("./").removeprefix(".venv/bin/")
    if prog == "oneflow-train":
        return "oneflow-train", check_python_cli(c, w[1:])
    if prog in ("python", "python3") and len(w) > 2 and w[1] == "-m" and w[2].startswith("oneflow_train"):
        if w[2] == "oneflow_train":
            return "oneflow-train", check_python_cli(c, w[3:])
        return "python -m", None if importlib.util.find_spec(w[2]) else f"no module {w[2]}"
    if prog == "npx" and len(w) > 1 and w[1] == "oneflow":
        return "oneflow", check_node_cli(c, w[2:]) if NODE_CLI.exists() else None
    if prog == "oneflow":
        return "oneflow", check_node_cli(c, w[1:]) if NODE_CLI.exists() else None
    if prog == "node" and len(w) > 1 and w[1] == "dist/src/cli.js":
        return "oneflow", check_node_cli(c, w[2:]) if NODE_CLI.exists() else None
    if prog == "make":
        missing = [t for t in w[1:] if not t.startswith("-") and "=" not in t and t not in make_targets()]
        return "make", f"Makefile has no target {', '.join(missing)}" if missing else None
    if prog in ("bash", "sh", "node") and len(w) > 1 and not w[1].startswith("-"):
        script = w[1]
        if script.startswith("dist/src/") and script.endswith(".js"):
            script = script.replace("dist/src/", "src/", 1)[:-3] + ".ts"
        return "script", None if (ROOT / script).exists() else f"no file {script}"
    if w[0].startswith("./") and "/" in w[0][2:]:
        return "script", None if (ROOT / w[0]).exists() else f"no file {w[0]}"
    return "external", None


def all_commands() -> list[Command]:
    return [c for p in doc_files() for c in extract(p)]


def test_extraction_sees_commands_prompts_continuations_and_loops(tmp_path, monkeypatch):
    doc = tmp_path / "x.md"
    doc.write_text("text\n```bash\nnice -n 10 .venv/bin/oneflow-train eval --policy random \\\n    --seeds val  # c\n"
                   "for s in a b; do OMP_NUM_THREADS=1 make test; done\n"
                   "python - <<'PY'\nfor x in y:\n    pass\nPY\n```\n```\n$ npx oneflow replay <bag> [--json]\nticks 5\n```\n"
                   "```json\n{\"make\": 1}\n```\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    got = [(c.words, c.synopsis) for c in extract(doc)]
    assert got == [
        (("nice", "-n", "10", ".venv/bin/oneflow-train", "eval", "--policy", "random", "--seeds", "val")[3:], False),
        (("for", "s", "in", "a", "b"), False),
        (("make", "test"), False),
        (("python", "-"), False),
        (("npx", "oneflow", "replay", "<bag>", "[--json]"), True),
    ]


def test_a_renamed_flag_command_or_target_is_caught():
    bad = [Command("x", ("oneflow-train", "eval", "--polcy", "random"), False),
           Command("x", ("oneflow-train", "evaluate", "--policy", "random"), False),
           Command("x", ("oneflow-train", "export", "<ckpt>", "--samplr", "onestep"), True),
           Command("x", ("make", "tests"), False),
           Command("x", ("bash", "scripts/no-such.sh"), False),
           Command("x", ("node", "dist/src/fuzz/noSuchFuzz.js"), False)]
    assert all(check(c)[1] is not None for c in bad), [check(c) for c in bad]
    good = [Command("x", ("oneflow-train", "eval", "--policy", "random", "--seeds", "val"), False),
            Command("x", ("make", "test"), False), Command("x", ("node", "dist/src/fuzz/decoderFuzz.js"), False)]
    assert [check(c)[1] for c in good] == [None, None, None]


@pytest.mark.skipif(not NODE_CLI.exists(), reason="dist/src/cli.js not built (npm test builds it; make test runs that first)")
def test_the_node_cli_check_catches_a_renamed_flag():
    assert check(Command("x", ("npx", "oneflow", "replay", "test/fixtures/bags/pusht_ep018", "--modl", "m.onnx"), False))[1] is not None
    assert check(Command("x", ("npx", "oneflow", "inspect", "<model.onnx>", "[--jsn]"), True))[1] is not None
    assert check(Command("x", ("npx", "oneflow", "replay", "test/fixtures/bags/pusht_ep018", "--model", "m.onnx"), False))[1] is None


def test_every_documented_command_parses():
    commands = all_commands()
    kinds: dict[str, int] = {}
    problems = []
    for c in commands:
        kind, problem = check(c)
        kinds[kind] = kinds.get(kind, 0) + 1
        if problem is not None:
            problems.append(f"{c.where}: {shlex.join(c.words)}\n    {problem}")
    assert kinds.get("oneflow-train", 0) >= 40 and kinds.get("make", 0) >= 2, kinds
    if NODE_CLI.exists():
        assert kinds.get("oneflow", 0) >= 15, kinds
    assert problems == [], "\n".join(problems)


if __name__ == "__main__":  # list what is checked: python training/tests/test_doc_commands.py
    for c in all_commands():
        print(c.where, check(c), shlex.join(c.words), "(synopsis)" if c.synopsis else "")
