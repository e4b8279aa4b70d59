#!/usr/bin/env bash
# C8still (2026-12-02 (m), 500 iterations in 28.4 min; bundled): C8 with the still-image dynamic
# conv (Table 1b's switch, --set tdc=still), same start (the C7f file,
# git show 2a9c17d:models/efficientvis/weights/efficientvis_tiny_synth.pt), seed, stream and
# iterations. Ten-split mean 17.9; seed 1 (--seed 1, seed1/) 18.2; against C8 (tdc=temporal)
# 17.0 / 17.1: +0.9 [+0.3, +1.6] for the two seeds. = CONTINUE_SEED6_STILL_COMMAND.
vistool train --preset tiny --out runs/cpu_recipe_continue4 --iters 500 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set num_stages=3 --set tdc=still --probe-every 250 --threads 1 \
  --init-weights runs/cpu_recipe_continue3/bundled.pt --freeze-backbone --chain 3 \
  --stream-seed 6 --ckpt-every 100 --ema 0.995 --resume
