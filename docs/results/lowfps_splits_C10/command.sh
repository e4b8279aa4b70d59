#!/usr/bin/env bash
# NAME CKPT: Table 1d (T = 4 and T = 8) and 1h for one training seed's file (C10, C10s1, C10s2 of 2026-12-03 (u),
# each exported as the bundled file is) on the five splits 0, 99-102; run from /work/runs, the repository in /work/main.
# (Run that day as one script with the T = 8 loop inline; the loop is now benchmarks/table1d_t8.sh, same commands.)
set -euo pipefail
N=$1; C=$2
B=/work/main/benchmarks; SPLITS=/work/runs/vistool_data/splits
for s in 0 99 100 101 102; do
  vistool study lowfps --fps 6,3,1.5 --ckpt $C --data $SPLITS/seed$s --out /work/runs/lowfps_$N/seed$s --threads 1
done
python $B/lowfps_evidence.py /work/runs/lowfps_$N/seed{0,99,100,101,102} --out /work/runs/lowfps_$N/evidence.json
bash $B/table1d_t8.sh $N $C $SPLITS /work/runs
# after the three seeds: python $B/seed_evidence.py /work/runs/lowfps_C10{,s1,s2}/evidence.json
#                        python $B/table1d_t8.py /work/runs C10 C10s1 C10s2   # the rows of table1d_T8.md
