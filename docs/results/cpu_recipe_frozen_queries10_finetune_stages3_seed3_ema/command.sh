#!/usr/bin/env bash
# C4: the bundled file's run (C2, three stages) continued 1,000 iterations on videos of stream seed 3, with a weight average.
cd /work/runs
exec vistool train --preset tiny --out /work/runs/C4 --iters 1000 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set num_stages=3 --probe-every 250 --probe-data /work/vd/synth --threads 1 \
  --init-weights /work/runs/C2/checkpoint.pt --freeze-backbone --chain 3 \
  --stream-seed 3 --ckpt-every 100 --ema 0.995 --resume >> /work/runs/C4.log 2>&1
