#!/usr/bin/env bash
# C10: the bundled file (C9, 8,010 iterations, ten-split 18.8) continued 500 its on stream seed 8, tdc=still,
# training seed 0: the lineage's next step toward a shared start at 20+ AP (Table 1's reference rows).
cd /work/runs
exec vistool train --preset tiny --out /work/runs/C10 --iters 500 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set num_stages=3 --set tdc=still --probe-every 250 --threads 1 --seed 0 \
  --init-weights /work/runs/C9_bundled.pt --freeze-backbone --chain 3 \
  --stream-seed 8 --ckpt-every 50 --ema 0.995 --resume >> /work/runs/C10.log 2>&1
