#!/usr/bin/env bash
# C7f (2026-12-02 (l)), bundled since: the C6 file (its average, bundled 2026-12-02 (k)) continued 500 iterations on stream seed 5,
# the backbone + FPN fixed, as in every step since the crop pre-training (the control).
# C7f and C7u share seed, stream, start and schedule; split_spread.md: their averages on the ten splits.
# runs/cpu_recipe_continue2/bundled.pt is the C6 file: git show ced420d:models/efficientvis/weights/efficientvis_tiny_synth.pt
# seed1/: the same command with --seed 1.
vistool train --preset tiny --out runs/C7f --iters 500 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set num_stages=3 --probe-every 250 --probe-data vistool_data/synth --threads 1 \
  --init-weights runs/cpu_recipe_continue2/bundled.pt --freeze-backbone --chain 3 \
  --stream-seed 5 --ckpt-every 100 --ema 0.995 --resume
