#!/usr/bin/env bash
# One GPU check (about 7 minutes on one GPU), run from the repo root:
#   1. train `tiny` from scratch on the fresh synthetic stream with AMP, batch 16, native
#      128 x 224 input, flip + colour for TRAIN_S seconds (default 90): throughput and loss;
#   2. accuracy: Table 1's reference cell C10 (the bundled file continued 500 iterations with
#      the cpu budget's recipe, benchmarks/gpu_accuracy.py) trained with AMP on the GPU and
#      scored on the ten synthetic valid splits, beside its three CPU seeds (ACCURACY=0 skips it);
#   3. frames per second of the `paper` preset (R-50, short side 360, T = 36) on the GPU;
#   4. the CUDA tests (tests/test_cuda.py: inference agrees with the CPU, AMP training resumes).
# Results go to $OUT: gpu.txt, train.log, metrics.csv, accuracy.log, accuracy.json,
# summary.txt, pytest.txt.
# Offline machines: wheels for missing packages (pycocotools, msgspec) in .whl/ are installed to
# /tmp/site; the project runs from this checkout (PYTHONPATH), so no build or index is needed.
# Dry run without a GPU:
#   DEVICE=cpu TRAIN_S=20 ACC_ITERS=2 ACC_SPLITS=1 OUT=/tmp/gpu_out bash benchmarks/gpu_check.sh
set -euo pipefail
OUT=${OUT:-gpu_out}
DEVICE=${DEVICE:-cuda}
TRAIN_S=${TRAIN_S:-90}
ACCURACY=${ACCURACY:-1}
ACC_ITERS=${ACC_ITERS:-500}
ACC_SPLITS=${ACC_SPLITS:-10}
PY=$(command -v python3 || command -v python)
mkdir -p "$OUT"
if ! "$PY" -c "import pycocotools, msgspec" 2>/dev/null && ls .whl/*.whl >/dev/null 2>&1; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl
    export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
if ! "$PY" -c "import vistoolkit, efficientvis" 2>/dev/null; then
    export PYTHONPATH=$PWD:$PWD/models${PYTHONPATH:+:$PYTHONPATH}
fi
BIN=$(mktemp -d)
printf '#!/bin/sh\nexec %s -m vistoolkit.cli "$@"\n' "$PY" > "$BIN/vistool"
chmod +x "$BIN/vistool"
export PATH=$BIN:$PATH PYTHONUNBUFFERED=1
{ nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || echo "no GPU";
  "$PY" -c "import torch, torchvision; print('torch', torch.__version__, 'torchvision',
torchvision.__version__, 'cuda', torch.cuda.is_available())"; } | tee "$OUT/gpu.txt"
start=$(date +%s)
vistool data synth vistool_data/synth --no-progress > /dev/null
echo "synthetic data: $(( $(date +%s) - start )) s" | tee -a "$OUT/summary.txt"
# 1. train: SIGTERM after TRAIN_S seconds saves the checkpoint (the run stops cleanly, exit 143)
timeout -s TERM "$TRAIN_S" vistool train --preset tiny --device "$DEVICE" --batch-size 16 \
    --iters 3000 --lr 4e-4 --augment flip --augment color --set input_short=128 \
    --set input_max_long=224 --workers 6 --threads 4 --probe-every 500 \
    --probe-data vistool_data/synth --out "$OUT/tiny_gpu" 2> "$OUT/train.log" \
    || echo "train stopped after ${TRAIN_S} s: exit $?" | tee -a "$OUT/summary.txt"
cp "$OUT/tiny_gpu/metrics.csv" "$OUT/"
tail -n 1 "$OUT/metrics.csv" | tee -a "$OUT/summary.txt"
# 2. accuracy: C10's cell on the GPU, scored on the ten splits
if [ "$ACCURACY" = 1 ]; then
    start=$(date +%s)
    "$PY" benchmarks/gpu_accuracy.py --device "$DEVICE" --out "$OUT/accuracy" \
        --iters "$ACC_ITERS" --splits "$ACC_SPLITS" 2> "$OUT/accuracy.log" | tee -a "$OUT/summary.txt"
    cp "$OUT/accuracy/accuracy.json" "$OUT/"
    echo "accuracy step: $(( $(date +%s) - start )) s" | tee -a "$OUT/summary.txt"
    rm -rf "$OUT/accuracy"
fi
# 3. paper-preset inference speed (random weights; speed does not depend on them)
"$PY" benchmarks/bench_infer.py --repeat 2 --threads 4 | tee -a "$OUT/summary.txt"
rm -rf "$OUT/tiny_gpu"
# 4. CUDA tests (skipped where there is no GPU)
"$PY" -m pytest -q -p no:cacheprovider tests/test_cuda.py 2>&1 | tee "$OUT/pytest.txt" | tail -n 1 \
    | tee -a "$OUT/summary.txt"
rm -rf "$BIN"
