#!/usr/bin/env bash
# C6q (started 2026-12-02 (k), in progress: metrics.csv is the log so far): C6's command with the
# time-shared query (Table 1f's "time shared" row, by fine-tuning: the start, the (g) file, was
# trained with disentangled queries), training seed 0, same start, stream and schedule as C6.
# runs/cpu_recipe_continue/bundled.pt is the (g) file: git show 0efcad2:models/efficientvis/weights/efficientvis_tiny_synth.pt
# Compare its average on the ten splits with C6's two seeds (../cpu_recipe_frozen_queries10_finetune_stages3_seed3_ema_seed4/).
vistool train --preset tiny --out runs/C6q --iters 1000 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set num_stages=3 --set query=shared --probe-every 250 \
  --probe-data vistool_data/synth --threads 1 \
  --init-weights runs/cpu_recipe_continue/bundled.pt --freeze-backbone --chain 3 \
  --stream-seed 4 --ckpt-every 100 --ema 0.995 --resume
