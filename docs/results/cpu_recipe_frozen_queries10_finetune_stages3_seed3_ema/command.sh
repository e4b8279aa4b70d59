# C4 (2026-12-01 (f)-(g)): the (e) bundled file's run (C2, three stages) continued 1,000 iterations
# on videos of stream seed 3 with a weight average; CONTINUE_COMMAND in efficientvis.engine.bundled
# with these paths. The bundled file since (g) is its average: EXPORT_COMMAND (ema=True).
vistool train --preset tiny --out runs/C4 --iters 1000 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set num_stages=3 --probe-every 250 --probe-data vistool_data/synth --threads 1 \
  --init-weights runs/C2/checkpoint.pt --freeze-backbone --chain 3 \
  --stream-seed 3 --ckpt-every 100 --ema 0.995 --resume
