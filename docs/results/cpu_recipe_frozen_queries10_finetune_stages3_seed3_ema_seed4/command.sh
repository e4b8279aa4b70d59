#!/usr/bin/env bash
# C6 (started 2026-12-02 (j), in progress: metrics.csv is the log so far): C4's weight average
# (the bundled (g) file's run, float32 average: runs/C4_ema.pt) continued 1,000 iterations on videos of
# stream seed 4 with a new weight average, C4's schedule (lr 2e-4, x0.1 at iteration 818).
vistool train --preset tiny --out runs/C6 --iters 1000 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set num_stages=3 --probe-every 250 --probe-data vistool_data/synth --threads 1 \
  --init-weights runs/C4_ema.pt --freeze-backbone --chain 3 \
  --stream-seed 4 --ckpt-every 100 --ema 0.995 --resume
python benchmarks/split_spread.py runs/C6/checkpoint.pt runs/C4/checkpoint.pt --seeds 0,99,100,101,102
