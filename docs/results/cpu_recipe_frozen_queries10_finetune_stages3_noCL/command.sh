#!/usr/bin/env bash
# Table 1e on the CPU (2026-12-02 (h)-(i)): C2's command (FINETUNE_COMMAND from the (d) file:
# three stages grown, stream seed 2, chains of three clips, 1,000 iterations) with correspondence
# learning off (each clip from q*, matched on its own), then scored on the five splits against C2.
# runs/bundled_20261201.pt: C2's start, the file bundled from 2026-12-01 to (d) (CHAIN_COMMAND's run).
vistool train --preset tiny --out runs/C2noCL --iters 1000 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set num_stages=3 --set correspondence_learning=false \
  --probe-every 250 --probe-data vistool_data/synth --threads 1 --init-weights runs/bundled_20261201.pt --grow-stages \
  --freeze-backbone --chain 3 --stream-seed 2 --ckpt-every 100 --resume
python benchmarks/split_spread.py runs/C2noCL/checkpoint.pt runs/C2/checkpoint.pt \
  --seeds 0,99,100,101,102 --root vistool_data/splits
