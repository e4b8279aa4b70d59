#!/usr/bin/env bash
# C9 (2026-12-02 (n), 500 iterations in 25.8 min): the file bundled 2026-12-02 (m) (C8still,
# git show 38fb3a2:models/efficientvis/weights/efficientvis_tiny_synth.pt) continued on stream seed 7.
# Ten-split mean 18.8 (seed 0) and 18.8 (seed 1, --seed 1, seed1/); against C8still's two seeds
# (17.9 / 18.2): +0.8 [+0.2, +1.4] over the ten splits.
vistool train --preset tiny --out runs/cpu_recipe_continue5 --iters 500 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set num_stages=3 --set tdc=still --probe-every 250 --threads 1 \
  --init-weights runs/cpu_recipe_continue4/bundled.pt --freeze-backbone --chain 3 \
  --stream-seed 7 --ckpt-every 100 --ema 0.995 --resume
