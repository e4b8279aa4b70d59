#!/usr/bin/env bash
# C8g (2026-12-02 (m), 500 iterations in 43.2 min): C8 with a fourth stage grown as a copy of
# the third (--set num_stages=4 --grow-stages); same start, seed, stream and iterations as C8.
vistool train --preset tiny --out runs/C8g --iters 500 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set num_stages=4 --grow-stages --probe-every 250 \
  --probe-data vistool_data/synth --threads 1 \
  --init-weights runs/cpu_recipe_continue3/bundled.pt --freeze-backbone --chain 3 \
  --stream-seed 6 --ckpt-every 100 --ema 0.995 --resume
