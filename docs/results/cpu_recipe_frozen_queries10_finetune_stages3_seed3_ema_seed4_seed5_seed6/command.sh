#!/usr/bin/env bash
# C8 (2026-12-02 (l), 500 iterations in 28.5 min; scored 2026-12-02 (m): ten-split mean 17.0,
# seed 1 (seed1/) 17.1, against C7f's 16.9: +0.2 [-0.5, +0.9] for the two seeds, not kept):
# the bundled C7f file continued 500 iterations on stream seed 6, C7f's settings otherwise (the next
# continuation step). runs/cpu_recipe_continue3/bundled.pt is the C7f file:
# git show 2a9c17d:models/efficientvis/weights/efficientvis_tiny_synth.pt
# Seed 1: the same command with --seed 1 (out runs/C8s1).
vistool train --preset tiny --out runs/C8 --iters 500 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set num_stages=3 --probe-every 250 --probe-data vistool_data/synth --threads 1 \
  --init-weights runs/cpu_recipe_continue3/bundled.pt --freeze-backbone --chain 3 \
  --stream-seed 6 --ckpt-every 100 --ema 0.995 --resume
