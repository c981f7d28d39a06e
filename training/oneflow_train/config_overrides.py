"""`--set KEY=VALUE` overrides on a JSON config dict (dotted keys reach into nested objects; values parse as JSON,
else stay strings). Shared by `distill` and the baselines' distill branches."""
from __future__ import annotations

import json


def apply_overrides(d: dict, overrides: list[str]) -> dict:
    d = json.loads(json.dumps(d))
    for item in overrides:
        if "=" not in item:
            raise ValueError(f"--set expects KEY=VALUE, got {item!r}")
        key, raw = item.split("=", 1)
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        target = d
        parts = key.split(".")
        for p in parts[:-1]:
            target = target.setdefault(p, {})
        target[parts[-1]] = value
    return d


def baseline_distill_config(args, method: str) -> tuple[dict, str]:
    """For `oneflow-train distill --method <baseline>`: the --config file with --set applied, and the command line to
    record. The OneFlow-only flags are refused (ValueError: one line, exit 2)."""
    import shlex
    import sys
    from pathlib import Path

    if args.resume or args.ablations or args.bench_trajectories:
        raise ValueError(f"--method {method} takes --teacher, --config, --out (and --set, --threads, --device); "
                         "--resume, --ablations and --bench-trajectories are OneFlow-only")
    config = apply_overrides(json.loads(Path(args.config).read_text()), args.set)
    return config, "oneflow-train distill " + " ".join(shlex.quote(a) for a in sys.argv[2:])
