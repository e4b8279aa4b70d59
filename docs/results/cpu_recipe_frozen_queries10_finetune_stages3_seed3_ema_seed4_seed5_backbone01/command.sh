#!/usr/bin/env bash
# C7u (2026-12-02 (l)): the bundled file (C6's average) continued 500 iterations on stream seed 5,
# the backbone + FPN trained at 0.1 x the lr (the paper trains them, multiplier 1.0).
# C7f and C7u share seed, stream, start and schedule; split_spread.md: their averages on the ten splits.
# runs/cpu_recipe_continue2/bundled.pt is the C6 file: git show ced420d:models/efficientvis/weights/efficientvis_tiny_synth.pt
vistool train --preset tiny --out runs/C7u --iters 500 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set num_stages=3 --probe-every 250 --probe-data vistool_data/synth --threads 1 \
  --init-weights runs/cpu_recipe_continue2/bundled.pt --backbone-lr-mult 0.1 --chain 3 \
  --stream-seed 5 --ckpt-every 100 --ema 0.995 --resume
