#!/usr/bin/env bash
# S1e_noCL: Table 1e from the beginning: the recipe's step 2 (tracklet stages from scratch on the frozen
# crop-pre-trained backbone + FPN, two stages, ten queries, pairs) without correspondence learning
cd /work/runs
exec vistool train --preset tiny --out /work/runs/S1e_noCL --iters 6000 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set correspondence_learning=false --probe-every 250 --probe-data /work/vd/synth --threads 1 --seed 0 \
  --init-backbone /work/main/docs/results/cpu_recipe_frozen_queries10/checkpoint_2510_fp16.pt --freeze-backbone \
  --ckpt-every 50 --resume >> /work/runs/S1e_noCL.log 2>&1
