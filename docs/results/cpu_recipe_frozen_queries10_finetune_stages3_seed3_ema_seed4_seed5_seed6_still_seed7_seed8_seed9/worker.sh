#!/usr/bin/env bash
# One worker of the new Table 1 fine-tune set: takes the next unclaimed cell of queue.txt (claims/<name>)
# and runs it with benchmarks/table1_cell.py (resumable; a scored cell is skipped). Two workers share the queue.
# Next session: rm -r claims, then start two workers again; unfinished cells resume from their checkpoints.
# On a new machine: copy C11_ema_int8.pt (beside this file) to $START and drop the scored cells from the queue.
# A queue line's optional fourth field '-' keeps the cell's results out of docs (a rerun for its predictions).
cd /work/runs
START=/work/runs/C11/C11_ema_int8.pt
BASE=/work/main/docs/results/cpu_recipe_frozen_queries10_finetune_stages3_seed3_ema_seed4_seed5_seed6_still_seed7_seed8_seed9_seed10
mkdir -p claims
while read -r row seed name nodocs; do
  [ -z "$row" ] && continue
  mkdir claims/$name 2>/dev/null || continue
  [ -f STOP ] && { rmdir claims/$name; break; }
  docs=$BASE; [ "$row" = reference ] || docs=${BASE}_$row
  docsarg=(--docs "$docs"); [ "$nodocs" = - ] && docsarg=()
  echo "$(date -u +%H:%M) start $name ($row, seed $seed)"
  python /work/main/benchmarks/table1_cell.py $row --seed $seed --start $START --stream-seed 10 \
    --runs /work/runs --name $name --splits /work/runs/vistool_data/splits "${docsarg[@]}" > /dev/null \
    && echo "$(date -u +%H:%M) scored $name" || { echo "$(date -u +%H:%M) FAILED $name"; break; }
done < queue.txt
