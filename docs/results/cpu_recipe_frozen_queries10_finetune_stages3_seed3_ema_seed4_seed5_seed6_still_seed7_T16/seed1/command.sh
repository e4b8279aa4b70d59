#!/usr/bin/env bash
# C9T16s1: C9 (the C8still file continued 500 its on stream seed 7, tdc=still) with clip_length=16
# (Table 1c's T = 36 row: the switch at training and inference), training seed 1
cd /work/runs
exec vistool train --preset tiny --out /work/runs/C9T16s1 --iters 500 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set num_stages=3 --set tdc=still --set clip_length=16 --probe-every 250 --threads 1 --seed 1 \
  --init-weights /work/runs/C8still_bundled.pt --freeze-backbone --chain 3 \
  --stream-seed 7 --ckpt-every 50 --ema 0.995 --resume >> /work/runs/C9T16s1.log 2>&1
# (s): iterations 1-161 at --threads 1 beside C9T16, 162-177 beside the scoring, then --threads 2 alone; stopped for the session end (resume with --resume)
# (t): resumed from iteration 250 at --threads 1 (a few iterations at --threads 2 alone, 255-262), 263-500 at --threads 1 beside C9T16s2; finished
