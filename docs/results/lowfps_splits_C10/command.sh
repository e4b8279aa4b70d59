#!/usr/bin/env bash
# lowfps_seed.sh NAME CKPT: Table 1d (T = 4 and T = 8) and 1h for one training seed's file on the five splits 0, 99-102.
set -euo pipefail
N=$1; C=$2
cd /work/runs
for s in 0 99 100 101 102; do
  vistool study lowfps --fps 6,3,1.5 --ckpt $C --data /work/runs/vistool_data/splits/seed$s --out /work/runs/lowfps_$N/seed$s --threads 1 > /work/runs/lowfps_$N.seed$s.log 2>&1
done
python /work/main/benchmarks/lowfps_evidence.py /work/runs/lowfps_$N/seed{0,99,100,101,102} --out /work/runs/lowfps_$N/evidence.json > /work/runs/lowfps_$N/evidence.out 2>&1
for s in 0 99 100 101 102; do
  D=/work/runs/vistool_data/splits/seed$s; O=/work/runs/t8_$N/seed$s; mkdir -p $O
  vistool infer --ckpt $C --data $D --clip-length 8 -o $O/e2e.json --threads 1 >/dev/null 2>&1
  vistool infer --ckpt $C --data $D --clip-length 8 --clips -o $O/clips.jsonl --threads 1 >/dev/null 2>&1
  vistool link $O/clips.jsonl --method handcraft --track-nms-iou 0.5 --sweep --gt $D/valid.json -o $O/hc.json >/dev/null 2>&1
  e=$(vistool eval $D/valid.json $O/e2e.json 2>/dev/null | tail -1 | awk '{print $1}')
  h=$(vistool eval $D/valid.json $O/hc.json 2>/dev/null | tail -1 | awk '{print $1}')
  echo "$N seed$s e2e $e handcraft $h" | tee -a /work/runs/t8_$N.txt
done
echo "done $N"
