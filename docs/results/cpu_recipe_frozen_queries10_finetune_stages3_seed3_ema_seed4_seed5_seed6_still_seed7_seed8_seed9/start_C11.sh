#!/usr/bin/env bash
# C11: C10 seed 0 (the bundled C9 file + 500 its on stream seed 8; ten-split 19.5) continued 500 its on stream seed 9, tdc=still:
# the lineage step whose seed-0 file starts the new set of Table 1 fine-tunes (C12 = its reference row).
cd /work/runs
exec vistool train --preset tiny --out /work/runs/C11 --iters 500 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set num_stages=3 --set tdc=still --probe-every 250 --threads 1 --seed 0 \
  --init-weights /work/runs/C10/C10_ema_int8.pt --freeze-backbone --chain 3 \
  --stream-seed 9 --ckpt-every 50 --ema 0.995 --resume >> /work/runs/C11.log 2>&1
