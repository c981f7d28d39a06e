#!/usr/bin/env bash
# teacher DDPM-100 on validation (200000-200199) and the wide test (100000-100499), 100-seed chunks, 1 thread each
cd "$(dirname "$0")/../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
for r in 200000:200100 200100:200200 100000:100100 100100:100200 100200:100300 100300:100400 100400:100500; do
  out=runs/protocol/teacher_ddpm100_${r/:/_}.json
  [ -f "$out" ] && continue
  echo "$(date +%T) start $r"
  .venv/bin/oneflow-train eval --policy models/teacher_keypoints_cpu --policy-arg sampler=ddpm100 --seeds $r \
     --train-seeds '' --workers 1 --no-progress --out $out.tmp && mv $out.tmp $out
  echo "$(date +%T) done $r"
done
# merge the chunks (docs/results/teacher_keypoints_cpu_ddpm100_{val,wide}.json were written this way)
.venv/bin/oneflow-train merge runs/protocol/teacher_ddpm100_2000*.json runs/protocol/teacher_ddpm100_2001*.json \
  --out docs/results/teacher_keypoints_cpu_ddpm100_val.json
.venv/bin/oneflow-train merge runs/protocol/teacher_ddpm100_100[0-4]00_*.json \
  --out docs/results/teacher_keypoints_cpu_ddpm100_wide.json
