#!/usr/bin/env bash
# After C11 / C11s1: export C11 (the new start), start worker 1; score C11 and C11s1 (lineage rule), then worker 2.
cd /work/runs
while pgrep -f "out /work/runs/C11 " >/dev/null; do sleep 30; done
python -c "from efficientvis.engine.bundled import BUNDLED_INT8, export_bundled; export_bundled('C11/checkpoint.pt', 'C11/C11_ema_int8.pt', int8=BUNDLED_INT8, ema=True)"
nohup ./worker.sh >> worker1.log 2>&1 &
while pgrep -f "out /work/runs/C11s1 " >/dev/null; do sleep 30; done
D=/work/main/docs/results/cpu_recipe_frozen_queries10_finetune_stages3_seed3_ema_seed4_seed5_seed6_still_seed7_seed8_seed9
./land_lineage.sh C11 0 $D > land_C11.out 2>&1
./land_lineage.sh C11s1 1 $D > land_C11s1.out 2>&1
exec ./worker.sh >> worker2.log 2>&1
