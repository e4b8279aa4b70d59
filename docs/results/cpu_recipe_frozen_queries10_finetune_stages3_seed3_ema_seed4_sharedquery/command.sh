#!/usr/bin/env bash
# C6q (2026-12-02 (k)-(l), 1,000 iterations): C6's command with the
# time-shared query (Table 1f's "time shared" row, by fine-tuning: the start, the (g) file, was
# trained with disentangled queries), training seed 0, same start, stream and schedule as C6.
# runs/cpu_recipe_continue/bundled.pt is the (g) file: git show 0efcad2:models/efficientvis/weights/efficientvis_tiny_synth.pt
# Its average, as bundled (int8 layer4), on the ten splits (split_spread.md): 15.8 against C6 seed 0's 15.9,
# paired over the splits -0.0 [-0.7, +0.6] (within noise; the paper's 1f: -1.5). docs/reproduction.md, row 1f.
vistool train --preset tiny --out runs/C6q --iters 1000 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set num_stages=3 --set query=shared --probe-every 250 \
  --probe-data vistool_data/synth --threads 1 \
  --init-weights runs/cpu_recipe_continue/bundled.pt --freeze-backbone --chain 3 \
  --stream-seed 4 --ckpt-every 100 --ema 0.995 --resume
