#!/usr/bin/env bash
# Table 1g on the CPU (2026-12-02 (i)-(j)): the dense baseline (--set architecture=dense, tiny's two
# encoder layers) at the CPU recipe with ten queries, from the backbone + FPN of EfficientVIS's run of
# the same recipe (docs/results/cpu_recipe_frozen_queries10/, kept fixed), same seed and data stream;
# stopped at iteration 2,532 (Ctrl-C), past that run's 2,510. Then both probe curves side by side.
vistool train --preset tiny --out runs/D1g --iters 6000 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set architecture=dense --probe-every 250 --threads 1 \
  --init-backbone docs/results/cpu_recipe_frozen_queries10/checkpoint_2510_fp16.pt \
  --freeze-backbone --ckpt-every 100 --resume
vistool curves EfficientVIS=docs/results/cpu_recipe_frozen_queries10 dense=runs/D1g \
  --key probe_class_acc --key probe_box_iou --key probe_AP --key probe_handover_iou \
  --out table1g_curves.png
