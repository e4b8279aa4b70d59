#!/usr/bin/env bash
# One GPU check (at most ~8 minutes on one GPU), run through the device tool from the repo root:
#   1. train `tiny` on the fresh synthetic stream with AMP, batch 16, native 128 x 224 input,
#      flip + colour (the CPU recipe's model at GPU batch size) for at most 4 minutes;
#   2. evaluate it on the synthetic valid split with full-video query hand-over;
#   3. frames per second of the `paper` preset (R-50, short side 360, T = 36) on the GPU.
# Results go to $OUT (the device tool brings them back): train log, metrics, eval JSON, summary.
set -euo pipefail
OUT=${OUT:-gpu_out}
mkdir -p "$OUT"
python -c "import torch" 2>/dev/null || pip install -q "torch>=2.2" "torchvision>=0.17"
pip install -q -e ".[model]" >/dev/null
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | tee "$OUT/gpu.txt"
vistool data synth vistool_data/synth --no-progress >/dev/null 2>&1 || true
# 1. train: SIGTERM after 240 s saves the checkpoint (the run stops cleanly, exit 143)
timeout -s TERM 240 vistool train --preset tiny --device cuda --batch-size 16 --iters 3000 \
    --lr 4e-4 --augment flip --augment color --set input_short=128 --set input_max_long=224 \
    --workers 6 --threads 4 --probe-every 500 --probe-data vistool_data/synth \
    --out "$OUT/tiny_gpu" 2> "$OUT/train.log" || echo "train stopped: $?" | tee -a "$OUT/summary.txt"
cp "$OUT/tiny_gpu/metrics.csv" "$OUT/" 2>/dev/null || true
# 2. evaluate
vistool infer --ckpt "$OUT/tiny_gpu/checkpoint.pt" --data vistool_data/synth --device cuda \
    -o "$OUT/results.json" 2>/dev/null
vistool eval vistool_data/synth/valid.json "$OUT/results.json" --json "$OUT/eval.json" \
    | tee -a "$OUT/summary.txt"
# 3. paper-preset inference speed (random weights; speed does not depend on them)
python benchmarks/bench_infer.py --repeat 2 --threads 4 | tee -a "$OUT/summary.txt"
rm -f "$OUT/tiny_gpu/checkpoint.pt"
