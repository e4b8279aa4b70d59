#!/usr/bin/env bash
# C9box (2026-12-02 (n)-(o)): C9 with the box position embedding of the tracklet queries
# (--set box_embed=true; off in the paper), same start, seed, stream and iterations. Seed 0: ten-split
# mean 19.1 against C9's 18.8.
vistool train --preset tiny --out runs/cpu_recipe_continue5_box --iters 500 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set num_stages=3 --set tdc=still --set box_embed=true --probe-every 250 --threads 1 \
  --init-weights runs/cpu_recipe_continue4/bundled.pt --freeze-backbone --chain 3 \
  --stream-seed 7 --ckpt-every 100 --ema 0.995 --resume
