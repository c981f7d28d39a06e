"""What comes back from a device call: bundles split into parts, a sha256 manifest, batches that fit one call.

A call returns at most 8 files of at most 16 MiB each, 64 MiB together, named in [A-Za-z0-9._-]. `pack` writes each
bundle (a tar of named files, members in the order given) as parts of `limits.part_bytes` into an outbox folder and
assigns them to batches: each batch, with MANIFEST.json, fits one call. Batch 1 goes to $OUT at once; if there are
more, they wait in the outbox (.gpu/outbox on the device's copy, kept while the machine is warm) for a follow-up call
`gpu.py send --batch N`. Put what matters most first: the first bundle is the result (EMA checkpoint, logs,
evaluation), the resume state after it.

`join` (here) checks every part's sha256 against the manifest (a corrupt or truncated part is named, with the
expected and found digests), then each bundle's whole digest, and extracts the bundles whose parts are all present.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path

from gpu_limits import LIMITS, DeviceLimits, LimitError

MANIFEST = "MANIFEST.json"
NAME_OK = re.compile(r"^[A-Za-z0-9._-]+$")


class PartError(ValueError):
    """A part is missing, corrupt or truncated: carries the part name, expected and found digests/sizes."""


@dataclass(frozen=True)
class Bundle:
    name: str  # [A-Za-z0-9_-]: parts are <name>.tar.NNN
    files: tuple[tuple[Path, str], ...]  # (source file, name inside the bundle)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _split(tar_path: Path, outbox: Path, part_bytes: int) -> list[dict]:
    parts = []
    with open(tar_path, "rb") as f:
        for i in range(10**6):
            chunk = f.read(part_bytes)
            if not chunk:
                break
            name = f"{tar_path.name}.{i:03d}"
            (outbox / name).write_bytes(chunk)
            parts.append({"name": name, "bytes": len(chunk), "sha256": hashlib.sha256(chunk).hexdigest()})
    return parts


def assign_batches(parts: list[dict], limits: DeviceLimits) -> list[list[str]]:
    """In order: each batch holds <= return_files - 1 parts (MANIFEST.json travels with every batch) and
    <= return_total_bytes - manifest_reserve_bytes bytes."""
    max_parts = limits.return_files - 1
    max_bytes = limits.return_total_bytes - limits.manifest_reserve_bytes
    batches: list[list[str]] = [[]]
    used = 0
    for p in parts:
        if p["bytes"] > limits.return_file_bytes:
            raise LimitError(f"part {p['name']}", p["bytes"], limits.return_file_bytes)
        if batches[-1] and (len(batches[-1]) >= max_parts or used + p["bytes"] > max_bytes):
            batches.append([])
            used = 0
        batches[-1].append(p["name"])
        used += p["bytes"]
    return batches


def pack(bundles: list[Bundle], outbox: Path, limits: DeviceLimits = LIMITS, info: dict | None = None) -> dict:
    """Write every bundle as parts into `outbox` (emptied first) with MANIFEST.json; returns the manifest."""
    if outbox.exists():
        shutil.rmtree(outbox)
    outbox.mkdir(parents=True)
    manifest: dict = {"bundles": [], "batches": [], "info": info or {}}
    all_parts = []
    for b in bundles:
        if not NAME_OK.match(b.name):
            raise ValueError(f"bundle name {b.name!r} must match {NAME_OK.pattern}")
        tar_path = outbox / f"{b.name}.tar"
        with tarfile.open(tar_path, "w", format=tarfile.PAX_FORMAT) as tar:
            for src, arc in b.files:
                tar.add(src, arcname=arc, recursive=False)
        digest, size = sha256_file(tar_path), tar_path.stat().st_size
        parts = _split(tar_path, outbox, limits.part_bytes)
        tar_path.unlink()
        manifest["bundles"].append({"name": b.name, "bytes": size, "sha256": digest, "parts": parts,
                                    "members": [arc for _src, arc in b.files]})
        all_parts += parts
    manifest["batches"] = assign_batches(all_parts, limits)
    (outbox / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def send(outbox: Path, out_dir: Path, batch: int) -> list[str]:
    """Copy batch `batch` (1-based) and MANIFEST.json from the outbox to the call's $OUT; returns the names."""
    manifest = json.loads((outbox / MANIFEST).read_text())
    n = len(manifest["batches"])
    if not 1 <= batch <= n:
        raise ValueError(f"batch {batch} does not exist: the manifest has batches 1..{n}")
    out_dir.mkdir(parents=True, exist_ok=True)
    names = manifest["batches"][batch - 1]
    for name in [*names, MANIFEST]:
        shutil.copyfile(outbox / name, out_dir / name)
    return names


def _batch_of(manifest: dict, part: str) -> int:
    return next(i + 1 for i, names in enumerate(manifest["batches"]) if part in names)


def join(sources: list[Path], dest: Path) -> dict:
    """Verify and reassemble the bundles found in `sources` (folders holding parts and a MANIFEST.json) into `dest`.

    Returns {"extracted": {bundle: [members]}, "missing": {bundle: [batches still to fetch]}}; raises PartError on
    the first part whose size or sha256 differs from the manifest.
    """
    manifests = [s / MANIFEST for s in sources if (s / MANIFEST).exists()]
    if not manifests:
        raise FileNotFoundError(f"no {MANIFEST} in {[str(s) for s in sources]}")
    manifest = json.loads(manifests[0].read_text())
    found = {p.name: p for s in sources if s.is_dir() for p in s.iterdir() if p.name != MANIFEST}
    result: dict = {"extracted": {}, "missing": {}}
    for b in manifest["bundles"]:
        absent = [p["name"] for p in b["parts"] if p["name"] not in found]
        if absent:
            result["missing"][b["name"]] = sorted({_batch_of(manifest, a) for a in absent})
            continue
        for p in b["parts"]:
            path = found[p["name"]]
            size, digest = path.stat().st_size, sha256_file(path)
            if size != p["bytes"] or digest != p["sha256"]:
                raise PartError(f"part {path}: expected {p['bytes']} B sha256 {p['sha256']}, found {size} B sha256 "
                                f"{digest}; fetch batch {_batch_of(manifest, p['name'])} again")
        dest.mkdir(parents=True, exist_ok=True)
        tar_path = dest / f".{b['name']}.tar.joining"
        with open(tar_path, "wb") as out:
            for p in b["parts"]:
                with open(found[p["name"]], "rb") as f:
                    shutil.copyfileobj(f, out)
        whole = sha256_file(tar_path)
        if whole != b["sha256"]:
            tar_path.unlink()
            raise PartError(f"bundle {b['name']}: parts joined to sha256 {whole}, manifest says {b['sha256']}")
        with tarfile.open(tar_path) as tar:
            for m in tar.getmembers():
                if not m.isfile() or m.name.startswith("/") or ".." in Path(m.name).parts:
                    raise PartError(f"bundle {b['name']}: refusing member {m.name!r} (not a plain relative file)")
            tar.extractall(dest, filter="data")
        tar_path.unlink()
        result["extracted"][b["name"]] = b["members"]
    return result
