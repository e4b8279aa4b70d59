#!/usr/bin/env bash
# C8ms (seed 0): C8's command (C7f file + 500 its on stream seed 6) with multi-scale training (Table 1g row 3)
cd /work/runs
exec vistool train --preset tiny --out /work/runs/C8ms --iters 500 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set num_stages=3 --set multi_scale=true --probe-every 250 --probe-data /work/vd/synth --threads 1 --seed 0 \
  --init-weights /work/runs/C7f_bundled.pt --freeze-backbone --chain 3 \
  --stream-seed 6 --ckpt-every 100 --ema 0.995 --resume >> /work/runs/C8ms.log 2>&1
