#!/usr/bin/env bash
# The wheels run.sh installs on a device machine that lacks them (it reaches no package index): the pinned
# safetensors and tqdm of training/requirements.txt, downloaded here into runs/wheels/ (git-ignored), to be carried
# with the run (`carry: ["runs/wheels", ...]`). safetensors ships a cp310-abi3 manylinux x86_64 wheel: any CPython
# >= 3.10 on x86_64 Linux installs it; tqdm is pure Python.
# Usage (repo root): bash training/scripts/teacher_gpu/fetch_wheels.sh [DIR]
set -euo pipefail
DIR=${1:-runs/wheels}
PIP=${PIP:-.venv/bin/pip}
pins=$(grep -E '^(safetensors|tqdm)==' training/requirements.txt | awk '{print $1}')
[ "$(echo "$pins" | wc -l)" = 2 ] || { echo "fetch_wheels: expected safetensors and tqdm pins in training/requirements.txt, found: $pins" >&2; exit 2; }
mkdir -p "$DIR"
# shellcheck disable=SC2086
$PIP download --quiet --no-deps --only-binary=:all: --platform manylinux2014_x86_64 --python-version 3.10 -d "$DIR" $pins
ls "$DIR"
