#!/usr/bin/env bash
# C9T16s2: C9 (the C8still file continued 500 its on stream seed 7, tdc=still) with clip_length=16
# (Table 1c's T = 36 row: the switch at training and inference), training seed 2
cd /work/runs
exec vistool train --preset tiny --out /work/runs/C9T16s2 --iters 500 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set num_stages=3 --set tdc=still --set clip_length=16 --probe-every 250 --threads 1 --seed 2 \
  --init-weights /work/runs/C8still_bundled.pt --freeze-backbone --chain 3 \
  --stream-seed 7 --ckpt-every 50 --ema 0.995 --resume >> /work/runs/C9T16s2.log 2>&1
# (t): iterations 1-3, then (after a restart) 4-293 at --threads 1 beside C9T16s1 and its scoring, then 294-500 --threads 2 alone (start_C9T16s2_t2.sh: the same command with --threads 2); finished, scored at --threads 2
