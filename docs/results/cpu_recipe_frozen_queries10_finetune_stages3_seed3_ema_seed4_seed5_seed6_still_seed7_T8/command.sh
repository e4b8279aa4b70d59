#!/usr/bin/env bash
# C9T8 (2026-12-02 (n)): C9 with clip_length=8 (training and inference; Table 1c's switch), same
# start, seed, stream and iterations. Seed 0: ten-split mean 18.1 against C9's 18.8.
vistool train --preset tiny --out runs/cpu_recipe_continue5_T8 --iters 500 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set num_stages=3 --set tdc=still --set clip_length=8 --probe-every 250 --threads 1 \
  --init-weights runs/cpu_recipe_continue4/bundled.pt --freeze-backbone --chain 3 \
  --stream-seed 7 --ckpt-every 100 --ema 0.995 --resume
