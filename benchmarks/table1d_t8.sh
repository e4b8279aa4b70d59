#!/usr/bin/env bash
# table1d_t8.sh NAME CKPT SPLITS OUT: Table 1d's T = 18 analogue (T = 8 at inference) of one checkpoint on
# the five splits SPLITS/seed{0,99,100,101,102}: end to end and hand-crafted linking (best theta), duplicate
# tracks suppressed; predictions under OUT/t8_NAME/seed<S>/, one line per split appended to OUT/t8_NAME.txt
# (read by benchmarks/table1d_t8.py).
set -euo pipefail
if [ $# -ne 4 ]; then echo "usage: table1d_t8.sh NAME CKPT SPLITS OUT" >&2; exit 2; fi
N=$1; C=$2; S=$3; OUT=$4
[ -f "$C" ] || { echo "error: $C: no such checkpoint" >&2; exit 2; }
for s in 0 99 100 101 102; do
  D=$S/seed$s; O=$OUT/t8_$N/seed$s
  [ -f "$D/valid.json" ] || { echo "error: $D/valid.json: no such split" >&2; exit 2; }
  mkdir -p "$O"
  vistool infer --ckpt "$C" --data "$D" --clip-length 8 -o "$O/e2e.json" --threads 1 >/dev/null 2>&1
  vistool infer --ckpt "$C" --data "$D" --clip-length 8 --clips -o "$O/clips.jsonl" --threads 1 >/dev/null 2>&1
  vistool link "$O/clips.jsonl" --method handcraft --track-nms-iou 0.5 --sweep --gt "$D/valid.json" -o "$O/hc.json" >/dev/null 2>&1
  e=$(vistool eval "$D/valid.json" "$O/e2e.json" 2>/dev/null | tail -1 | awk '{print $1}')
  h=$(vistool eval "$D/valid.json" "$O/hc.json" 2>/dev/null | tail -1 | awk '{print $1}')
  echo "$N seed$s e2e $e handcraft $h" | tee -a "$OUT/t8_$N.txt"
done
