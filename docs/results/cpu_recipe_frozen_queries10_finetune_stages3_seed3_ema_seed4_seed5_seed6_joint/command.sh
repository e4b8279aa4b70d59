#!/usr/bin/env bash
# C8att_joint (2026-12-03 (q)): Table 1a by fine-tune, C8 with --set attention=joint (one MSA over all
# N*T embeddings), started from the C7f file's spatial attention (--rename-weights), its temporal
# attention left out (--drop-unused-weights); same start
# (git show 2a9c17d:models/efficientvis/weights/efficientvis_tiny_synth.pt), stream and iterations
# as C8; seeds 0, 1, 2 (seed1/, seed2/: --seed 1 / 2) against C8, C8s1, C8s2.
vistool train --preset tiny --out runs/C8att_joint --iters 500 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set num_stages=3 --set attention=joint \
  --rename-weights .attn_s.=.attn_j. --rename-weights .norm_s.=.norm_j. --drop-unused-weights \
  --probe-every 250 --threads 1 --init-weights runs/cpu_recipe_continue3/bundled.pt \
  --freeze-backbone --chain 3 --stream-seed 6 --ckpt-every 100 --ema 0.995 --resume --seed 0
# scored as every Table 1 cell: the weight average exported as bundled (int8 layer4), ten splits
python -c "from efficientvis.engine.bundled import BUNDLED_INT8, export_bundled; export_bundled('runs/C8att_joint/checkpoint.pt', 'runs/C8att_joint_ema_int8.pt', int8=BUNDLED_INT8, ema=True)"
python benchmarks/split_spread.py runs/C8att_joint_ema_int8.pt --seeds 0,99,100,101,102,103,104,105,106,107 --keep runs/preds
