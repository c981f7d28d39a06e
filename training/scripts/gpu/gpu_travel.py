"""What a device call sends, and keeping the large tracked files under models/ from travelling.

A call sends the working tree: tracked files, untracked files git does not ignore, shared/ if the checkout has one,
and the ignored paths named in `carry`; a symbolic link travels as a link only (device README, "Notes"). models/
holds ~190 MB of tracked weights against the 64 MiB limit, and no shrinking of what is tracked gets under it (the
four checkpoints alone are 76 MB, the six ONNX files 115 MB). So, for the duration of a call, `hide` moves each
tracked file under models/ into <git-dir>/oneflow-gpu/hidden/ (same file system: a rename, no copy; .git never
travels) and leaves a symbolic link to it in its place, marked skip-worktree:

- everyone else on this working tree still reads models/ through the links (tests, evaluations, the node);
- `git status` stays clean (skip-worktree), so nobody commits the links by accident;
- only the links travel; the device's copy of models/ holds dangling links, which the staged run never reads.

`restore` puts every file back, clears skip-worktree and checks each file against the index blob. It is safe to run
twice or after a crash half-way through `hide` (the journal is written first). A file that someone replaced while it
was hidden (a new file where the link was) is kept; the hidden original moves to <git-dir>/oneflow-gpu/displaced/.
"""
from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from gpu_limits import LIMITS, MIB, DeviceLimits, LimitError, fmt_bytes

HIDE_DEFAULT = ("models",)


@dataclass(frozen=True)
class TravelItem:
    path: str  # relative to the repository root
    size_bytes: int  # lstat size: a link counts as its own length
    is_link: bool


def git(repo: Path, *args: str, input_bytes: bytes | None = None) -> bytes:
    """Run git in `repo`; retries while another engineer's git holds index.lock."""
    import time

    for attempt in range(20):
        r = subprocess.run(["git", *args], cwd=repo, input=input_bytes, capture_output=True)
        if r.returncode == 0:
            return r.stdout
        if b"index.lock" in r.stderr and attempt < 19:
            time.sleep(0.5)
            continue
        raise RuntimeError(f"git {' '.join(args)} failed ({r.returncode}): {r.stderr.decode(errors='replace').strip()}")
    raise AssertionError("unreachable")


def git_dir(repo: Path) -> Path:
    return (repo / git(repo, "rev-parse", "--git-dir").decode().strip()).resolve()


def _walk(repo: Path, rel: str) -> list[str]:
    root = repo / rel
    if root.is_symlink() or root.is_file():
        return [rel]
    out = []
    for dirpath, _dirs, files in os.walk(root):
        out += [str(Path(dirpath, f).relative_to(repo)) for f in files]
    return out


def travel_set(repo: Path, carry: tuple[str, ...] = ()) -> list[TravelItem]:
    """Every path a call would send, with its size (missing tracked files are skipped: they cannot travel)."""
    listed = git(repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split(b"\0")
    paths = {p.decode() for p in listed if p}
    if (repo / "shared").is_dir():
        paths.update(_walk(repo, "shared"))
    for c in carry:
        paths.update(_walk(repo, c))
    items = []
    for p in sorted(paths):
        try:
            st = os.lstat(repo / p)
        except FileNotFoundError:
            continue
        items.append(TravelItem(p, st.st_size, os.path.islink(repo / p)))
    return items


def as_if_hidden(items: list[TravelItem], prefixes: tuple[str, ...]) -> list[TravelItem]:
    """The travel set after `hide(prefixes)`: those files become links (counted at 100 bytes each)."""
    return [TravelItem(i.path, 100, True) if _under(i.path, prefixes) and not i.is_link else i for i in items]


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)


def report(items: list[TravelItem], limits: DeviceLimits = LIMITS, top: int = 12) -> str:
    total = sum(i.size_bytes for i in items)
    by_dir: dict[str, int] = {}
    for i in items:
        key = i.path.split("/", 1)[0] if "/" in i.path else "."
        by_dir[key] = by_dir.get(key, 0) + i.size_bytes
    lines = [f"would travel: {len(items)} paths, {fmt_bytes(total)} of {fmt_bytes(limits.travel_bytes)}"
             f" ({'fits' if total <= limits.travel_bytes else 'OVER THE LIMIT'})",
             "by top-level folder: " + ", ".join(f"{k} {v / MIB:.1f}" for k, v in
                                                 sorted(by_dir.items(), key=lambda kv: -kv[1])[:10]) + " (MiB)",
             f"largest {top}:"]
    lines += [f"  {i.size_bytes / MIB:8.2f} MiB  {i.path}{' (link)' if i.is_link else ''}"
              for i in sorted(items, key=lambda i: -i.size_bytes)[:top]]
    return "\n".join(lines)


def check_fits(items: list[TravelItem], limits: DeviceLimits = LIMITS) -> int:
    total = sum(i.size_bytes for i in items)
    if total > limits.travel_bytes:
        big = ", ".join(f"{i.path} {i.size_bytes / MIB:.1f} MiB" for i in sorted(items, key=lambda i: -i.size_bytes)[:5])
        raise LimitError("the working tree a call sends", total, limits.travel_bytes, f"largest: {big}")
    return total


def _state_dir(repo: Path) -> Path:
    return git_dir(repo) / "oneflow-gpu"


def _journal(repo: Path) -> Path:
    return _state_dir(repo) / "hidden.json"


def hidden_paths(repo: Path) -> list[str]:
    j = _journal(repo)
    if not j.exists():
        return []
    d = json.loads(j.read_text())
    return d["paths"] + d.get("untracked", [])


def hide(repo: Path, prefixes: tuple[str, ...] = HIDE_DEFAULT) -> list[str]:
    """Replace every tracked file under `prefixes` by a link to its hidden copy (untracked, not ignored files there
    too: they would travel as well); returns the paths hidden."""
    repo = repo.resolve()
    if hidden_paths(repo):
        raise RuntimeError(f"{_journal(repo)} exists: files are already hidden; run `gpu.py restore` first")
    dirty = git(repo, "status", "--porcelain", "-z", "--untracked-files=no", "--", *prefixes).split(b"\0")
    dirty = [d.decode() for d in dirty if d]
    if dirty:
        raise RuntimeError(f"refusing to hide {', '.join(prefixes)}: not clean against the index/HEAD "
                           f"({len(dirty)} entries, first: {dirty[:3]}); commit or move them first")
    paths = [p.decode() for p in git(repo, "ls-files", "-z", "--", *prefixes).split(b"\0") if p]
    untracked = [p.decode() for p in git(repo, "ls-files", "-z", "--others", "--exclude-standard", "--",
                                          *prefixes).split(b"\0") if p]
    state = _state_dir(repo)
    (state / "hidden").mkdir(parents=True, exist_ok=True)
    _journal(repo).write_text(json.dumps({"prefixes": list(prefixes), "paths": paths, "untracked": untracked},
                                         indent=1) + "\n")
    for p in paths + untracked:
        src, dst = repo / p, state / "hidden" / p
        if src.is_symlink():  # a tracked link: it travels as a link anyway
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)
        os.symlink(dst, src)
    if paths:
        git(repo, "update-index", "--skip-worktree", "-z", "--stdin", input_bytes=b"\0".join(p.encode() for p in paths))
    return paths + untracked


def restore(repo: Path) -> dict[str, list[str]]:
    """Undo `hide`: files back in place, skip-worktree cleared, contents checked against the index."""
    repo = repo.resolve()
    everything = hidden_paths(repo)
    paths = json.loads(_journal(repo).read_text())["paths"] if everything else []  # tracked ones
    state = _state_dir(repo)
    out: dict[str, list[str]] = {"restored": [], "replaced_while_hidden": [], "differs_from_index": []}
    for p in everything:
        here, hidden = repo / p, state / "hidden" / p
        if not hidden.exists():
            continue  # restored before, or never moved
        if here.is_symlink() or not here.exists():
            if here.is_symlink():
                here.unlink()
            here.parent.mkdir(parents=True, exist_ok=True)
            os.replace(hidden, here)
            out["restored"].append(p)
        else:  # someone wrote a new file where the link was: keep theirs, park the original
            parked = state / "displaced" / p
            parked.parent.mkdir(parents=True, exist_ok=True)
            os.replace(hidden, parked)
            out["replaced_while_hidden"].append(p)
    if paths:
        git(repo, "update-index", "--no-skip-worktree", "-z", "--stdin", input_bytes=b"\0".join(x.encode() for x in paths))
        staged = {}
        for line in git(repo, "ls-files", "-s", "-z", "--", *paths).split(b"\0"):
            if line:
                meta, name = line.split(b"\t", 1)
                staged[name.decode()] = meta.split()[1].decode()
        present = [p for p in paths if (repo / p).is_file()]
        hashes = git(repo, "hash-object", "--stdin-paths", input_bytes="\n".join(present).encode()).decode().split()
        out["differs_from_index"] = [p for p, h in zip(present, hashes) if staged.get(p) != h]
    _journal(repo).unlink(missing_ok=True)
    return out
