#!/usr/bin/env bash
# C6: the bundled (g) file (C4's weight average as bundled: float16, layer4 int8) continued 1,000
# iterations on videos of stream seed 4 with a new weight average, C4's schedule (lr 2e-4, x0.1 at
# iteration 818). Run 2026-12-02 (k), 55.6 min at about 3 s per iteration (--threads 1, the other
# core running evaluations). metrics.csv is this run.
# A first attempt (2026-12-02 (j)) started from C4's float32 average (runs/C4_ema.pt) and was lost
# with its machine at iteration 612: metrics_first_attempt_to_612.csv.
# runs/g_file.pt, the (g) file: git show 0efcad2:models/efficientvis/weights/efficientvis_tiny_synth.pt > runs/g_file.pt
# Training seed 1 (C6s1): the same command with --seed 1 (seed1/).
vistool train --preset tiny --out runs/C6 --iters 1000 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set num_stages=3 --probe-every 250 --probe-data vistool_data/synth --threads 1 \
  --init-weights runs/g_file.pt --freeze-backbone --chain 3 \
  --stream-seed 4 --ckpt-every 100 --ema 0.995 --resume
python -c "from efficientvis.engine.bundled import BUNDLED_INT8, export_bundled; \
export_bundled('runs/C6/checkpoint.pt', 'runs/C6_ema_int8.pt', int8=BUNDLED_INT8, ema=True)"
python benchmarks/split_spread.py runs/C6_ema_int8.pt runs/C6/checkpoint.pt --seeds 0,99,100,101,102   # split_spread.md
for s in 0 99 100 101 102; do
  vistool study lowfps --fps 6,3,1.5 --ckpt runs/C6_ema_int8.pt --data vistool_data/splits/seed$s \
    --out runs/lowfps_C6/seed$s --threads 1
done
python benchmarks/lowfps_evidence.py runs/lowfps_C6/seed{0,99,100,101,102} --out runs/lowfps_C6/evidence.json   # docs/results/lowfps_splits_C6/
