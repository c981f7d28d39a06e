#!/usr/bin/env bash
# One prepared device run: environment probe, CUDA per-step benches of the 4 teacher configs, then the CPU-scale
# image teacher trained from the npz copy on CUDA for TRAIN_S seconds (steps chosen from the measured rate).
# Usage (repo root): bash training/scripts/teacher_gpu/fetch_wheels.sh here, then on the device (carrying runs/wheels
# and runs/pusht_full.npz): OUT=... TRAIN_S=240 DEVICE=cuda bash training/scripts/teacher_gpu/run.sh
set -u
PY=${PY:-python3}
DEVICE=${DEVICE:-cuda}
TRAIN_S=${TRAIN_S:-240}
BENCH_STEPS=${BENCH_STEPS:-20}
NPZ=${NPZ:-runs/pusht_full.npz}
export PYTHONPATH=training
# The device machine reaches no package index: the real wheels come carried in $WHEELS (fetch_wheels.sh makes them).
WHEELS=${WHEELS:-runs/wheels}
if ! $PY -c "import safetensors, tqdm" 2>/dev/null; then
  $PY -m pip install --quiet --no-index --find-links "$WHEELS" safetensors tqdm || {
    echo "run.sh: safetensors/tqdm missing and not installable from $WHEELS; run training/scripts/teacher_gpu/fetch_wheels.sh here and carry $WHEELS" >&2
    exit 2
  }
fi
echo "== probe"; date -u; which $PY; nvidia-smi --query-gpu=name,memory.total --format=csv 2>&1 | tail -1
$PY - <<'PYEOF'
import importlib, sys, torch
print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.cuda.is_available())
for m in ("numpy", "safetensors", "tqdm", "matplotlib", "zarr", "pymunk", "shapely", "cv2", "onnx", "onnxruntime"):
    try:
        mod = importlib.import_module(m); print(f"  {m} {getattr(mod, '__version__', '?')} {mod.__file__}")
    except Exception as e:
        print(f"  {m} MISSING ({type(e).__name__})")
PYEOF
echo "== bench ($DEVICE)"
for c in ${CONFIGS:-teacher_keypoints_cpu:256 teacher_keypoints_paper:256 teacher_image_cpu:64 teacher_image_paper:64}; do
  name=${c%%:*}; bs=${c##*:}
  $PY -m oneflow_train train-teacher --config training/configs/$name.json --bench --bench-steps $BENCH_STEPS \
      --batch-size $bs --device $DEVICE | tee -a $OUT/bench_$DEVICE.jsonl
done
ms=$($PY -c "import json;[print(json.loads(l)['ms_per_step_median']) for l in open('$OUT/bench_$DEVICE.jsonl') if 'teacher_image_cpu' in l]" | tail -1)
steps=$($PY -c "print(max(10, int($TRAIN_S * 1000 / ($ms * 1.15 + 2)) // 100 * 100))")
echo "== train teacher_image_cpu on $DEVICE: $steps steps (bench $ms ms/step, budget $TRAIN_S s)"
date -u
RUN=${RUN:-runs/teacher_image_cpu_gpu}   # in the repo copy (kept on a warm machine), not in $OUT
$PY -m oneflow_train train-teacher --config training/configs/teacher_image_cpu.json --data-npz $NPZ \
    --device $DEVICE --total-steps $steps --run-dir $RUN 2>&1 | tr '\r' '\n' | grep -v "it/s\]$" | tail -20
date -u
# $OUT returns a limited number of files, each under a size limit (~20 MB is too big): ship the weights in parts.
# Reassemble here with: cat model.safetensors.part_* > model.safetensors
mkdir -p $OUT/final
split -b 7000000 $RUN/final/model.safetensors $OUT/final/model.safetensors.part_
cp $RUN/final/config.json $RUN/final/normalizer.json $RUN/log.jsonl $OUT/final/
sha256sum $RUN/final/model.safetensors
tail -2 $RUN/log.jsonl
