#!/usr/bin/env bash
# t8.sh NAME CKPT: Table 1d T=18 analogue (T=8) on the five splits
set -e
N=$1; C=$2
for s in 0 99 100 101 102; do
  D=/work/vd/splits/seed$s; O=/work/runs/t8_$N/seed$s; mkdir -p $O
  vistool infer --ckpt $C --data $D --clip-length 8 -o $O/e2e.json --threads 1 >/dev/null 2>&1
  vistool infer --ckpt $C --data $D --clip-length 8 --clips -o $O/clips.jsonl --threads 1 >/dev/null 2>&1
  vistool link $O/clips.jsonl --method handcraft --track-nms-iou 0.5 --sweep --gt $D/valid.json -o $O/hc.json >/dev/null 2>&1
  e=$(vistool eval $D/valid.json $O/e2e.json 2>/dev/null | tail -1 | awk '{print $1}')
  h=$(vistool eval $D/valid.json $O/hc.json 2>/dev/null | tail -1 | awk '{print $1}')
  echo "$N seed$s e2e $e handcraft $h" | tee -a /work/runs/t8_$N.txt
done
