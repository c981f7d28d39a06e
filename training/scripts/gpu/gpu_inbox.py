"""A resumable state too large for one call goes to the device over two calls to the same warm machine.

A full state is ~16 bytes per parameter (80 MB for the image teacher), over the 64 MiB a call carries. With
`gpu.py stage ... --calls 2` the state files leave the stage as bundle "statein" (gpu_parts: tar, sha256 manifest):
its first part, as large as the first call has room for, waits in .gpu/stage/inbox/ (carried by call 1, whose
command only lands it); the rest in .gpu/stage-2/inbox/ (carried by call 2, within 30 s, while the machine is
warm: ignored paths from the earlier call stay there). Before training, the runner joins both inboxes into the stage,
checking every part's sha256; a missing part (the machine went cold between the calls) stops the segment before any
training, with the way out.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from gpu_limits import DeviceLimits, LimitError
from gpu_parts import MANIFEST, Bundle, join, pack

INBOX = "inbox"
SECOND_STAGE = "stage-2"  # beside the stage: .gpu/stage-2


def split_state(stage: Path, state_files: list[str], first_budget_bytes: int, second_budget_bytes: int) -> dict:
    """Move `state_files` (stage-relative) into two inboxes; returns the bundle's manifest."""
    if first_budget_bytes <= 0:
        raise LimitError("the first call without the state", -first_budget_bytes, 0,
                         "nothing of the state fits beside the code, data and wheels: stage fewer wheels (--eval-seeds '')")
    inbox, second = stage / INBOX, stage.parent / SECOND_STAGE / INBOX
    if second.parent.exists():
        shutil.rmtree(second.parent)
    part = first_budget_bytes
    limits = DeviceLimits(part_bytes=part, return_file_bytes=part, return_files=1 << 30, return_total_bytes=1 << 62,
                          manifest_reserve_bytes=0)
    manifest = pack([Bundle("statein", tuple((stage / f, f) for f in state_files))], inbox, limits)
    parts = manifest["bundles"][0]["parts"]
    rest = sum(p["bytes"] for p in parts[1:])
    if rest > second_budget_bytes:
        shutil.rmtree(inbox)
        raise LimitError("the state's second call", rest, second_budget_bytes, "more than two calls would be needed")
    second.mkdir(parents=True)
    for p in parts[1:]:
        shutil.move(inbox / p["name"], second / p["name"])
    shutil.copyfile(inbox / MANIFEST, second / MANIFEST)
    for f in state_files:
        (stage / f).unlink()
    return manifest


def receive_state(stage: Path) -> list[str]:
    """On the device: join the two inboxes into the stage (sha256-checked); returns the files restored."""
    inbox = stage / INBOX
    if not inbox.exists():
        return []
    res = join([inbox, stage.parent / SECOND_STAGE / INBOX], stage)
    if res["missing"]:
        raise RuntimeError(f"the state's parts are not all here (.gpu/stage/{INBOX} from call 1, .gpu/{SECOND_STAGE}/"
                           f"{INBOX} from call 2): the machine went cold between the calls; run both calls again, "
                           "the second within 30 s of the first")
    return res["extracted"]["statein"]
