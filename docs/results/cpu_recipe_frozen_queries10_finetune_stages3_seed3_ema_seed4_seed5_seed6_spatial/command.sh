#!/usr/bin/env bash
# C8att_spatial (2026-12-02 (m)): Table 1a by fine-tune, C8 with --set attention=spatial (the removed
# attention's tensors of the C7f file left out by --drop-unused-weights); same start
# (git show 2a9c17d:models/efficientvis/weights/efficientvis_tiny_synth.pt), seed 0, stream, iterations.
vistool train --preset tiny --out runs/C8att_spatial --iters 500 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set num_stages=3 --set attention=spatial --drop-unused-weights \
  --probe-every 250 --threads 1 --init-weights runs/cpu_recipe_continue3/bundled.pt \
  --freeze-backbone --chain 3 --stream-seed 6 --ckpt-every 100 --ema 0.995 --resume
