# C5 (2026-12-02): C4's command (CONTINUE_COMMAND from the (e) file's run C2) with chains of five
# clips (four hand-overs per item) instead of three, 600 iterations: the same number of clips as
# C4's 1,000. Read against C4 at the same clips (300 against 500, 600 against 1,000).
vistool train --preset tiny --out runs/C5 --iters 600 --lr 2e-4 --batch-size 4 \
  --augment flip --augment color --set input_short=128 --set input_max_long=224 \
  --set num_queries=10 --set num_stages=3 --probe-every 250 --probe-data vistool_data/synth --threads 1 \
  --init-weights runs/C2/checkpoint.pt --freeze-backbone --chain 5 \
  --stream-seed 3 --ckpt-every 100 --ema 0.995 --resume
python -c "from efficientvis.engine.bundled import export_bundled; export_bundled('runs/C5/checkpoint.pt', 'runs/C5_ema.pt', ema=True, half=False)"
python benchmarks/split_spread.py runs/C5/checkpoint.pt runs/C5_ema.pt --seeds 0,99,100,101,102 --root vistool_data/splits
