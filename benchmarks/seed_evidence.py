"""Table 1d / 1h verdicts over training seeds, from one ``lowfps_evidence.py`` output per seed.

Usage: python benchmarks/seed_evidence.py SEED_EVIDENCE.json [SEED_EVIDENCE.json ...]
           [--out FILE.json]

Each file is ``benchmarks/lowfps_evidence.py --out`` for the checkpoint of one training seed on
the same splits. A seed's AP of a tracker is the mean of its splits' own AP; the verdict rule of
``vistoolkit.studies.verdict`` then pairs the seeds (Student-t interval over seeds), as Table 1
asks. Prints one Markdown table: per comparison, each seed's ΔAP, the mean, the interval over
seeds and the verdict.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from statistics import mean

from vistoolkit.atomic import write_json_atomic
from vistoolkit.studies.table1 import LOWFPS_ROWS, paper_delta
from vistoolkit.studies.verdict import verdict


def seed_means(evidence: list[dict], comparison: str) -> tuple[dict[int, float], dict[int, float]]:
    """Reference (A) and row (B) AP per seed: the mean of each seed's splits."""
    ref, row = {}, {}
    for seed, ev in enumerate(evidence):
        comp = next(c for c in ev["comparisons"] if c["comparison"] == comparison)
        ref[seed], row[seed] = mean(comp["split_ap"]["A"]), mean(comp["split_ap"]["B"])
    return ref, row


def table_row(evidence: dict, comparison: str) -> tuple[str, float] | None:
    """(Table 1 row, the paper's ΔAP) of a comparison the evidence file gives a verdict, or None."""
    comp = next(c for c in evidence["comparisons"] if c["comparison"] == comparison)
    label = comp["verdict"]          # "Table 1d: reproduced (paper -1.6)" or ""
    if not label:
        return None
    name = label.split(":")[0]       # "Table 1d"
    return name, paper_delta(*LOWFPS_ROWS[name.removeprefix("Table ")])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("evidence", nargs="+", type=Path)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    try:
        evidence = [json.loads(p.read_text()) for p in args.evidence]
    except (OSError, ValueError) as err:
        ap.exit(2, f"error: {err}\n")
    names = [c["comparison"] for c in evidence[0]["comparisons"]]
    for path, ev in zip(args.evidence, evidence):
        missing = set(names) - {c["comparison"] for c in ev["comparisons"]}
        if missing:
            ap.exit(2, f"error: {path}: no comparison {sorted(missing)[0]!r} "
                       f"(all files must come from lowfps_evidence.py on the same rates)\n")
    seeds = len(evidence)
    print(f"{seeds} training seeds; AP per seed = mean of its splits' AP (points)")
    print("| B - A | " + " | ".join(f"seed {s}" for s in range(seeds)) +
          " | mean | 95 % interval (seeds) | reference AP | verdict |")
    print("|---|" + "---:|" * seeds + "---:|---|---:|---|")
    rows = []
    for name in names:
        ref, row = seed_means(evidence, name)
        keyed = table_row(evidence[0], name)
        v = verdict(row, ref, keyed[1] if keyed else 0.0)
        label = f"{keyed[0]}: {v.label} (paper {keyed[1]:+.1f})" if keyed else ""
        deltas = [row[s] - ref[s] for s in range(seeds)]
        rows.append({"comparison": name, "seed_delta_ap": deltas, "delta_ap": v.delta,
                     "low": v.low, "high": v.high, "reference_ap": mean(ref.values()),
                     "verdict": label})
        print(f"| {name} | " + " | ".join(f"{d:+.1f}" for d in deltas) +
              f" | {v.delta:+.1f} | [{v.low:+.1f}, {v.high:+.1f}] | {mean(ref.values()):.1f} | "
              f"{label} |")
    if args.out:
        write_json_atomic(args.out, {"evidence": [str(p) for p in args.evidence],
                                     "seeds": seeds, "comparisons": rows})


if __name__ == "__main__":
    main()
