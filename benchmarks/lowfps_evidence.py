"""Table 1d / 1h and the low-FPS claim from one checkpoint, pooled over several synthetic splits,
with per-video paired bootstrap intervals and the Table 1 verdict rule.

Usage: python benchmarks/lowfps_evidence.py STUDY_DIR [STUDY_DIR ...] [--out FILE.json]
           [--resamples 2000]

Each STUDY_DIR is the output of ``vistool study lowfps --data SPLIT --out STUDY_DIR`` (its
``provenance.json`` names the split; it reads ``fpsF/e2e.json``, ``handcraft.json`` (best theta) and
``motion.json``). The
splits' videos are pooled into one evaluation (video ids offset per split), and the trackers are
compared on the same videos (``vistoolkit.eval.compare.compare_results``): hand-crafted linking
(best theta per split, as the study reports it) and motion linking against query hand-over at
every rate, and hand-over at every rate against hand-over at the source rate (Table 1h). One
checkpoint: the intervals cover the videos drawn, not the training seed.

Two readings of each Table 1 comparison: the splits as paired replicates (each split's own AP,
as Table 1 averages seeds that each score one split; Student-t interval over the splits, the
verdict's reference AP the mean over splits), and the pooled per-video bootstrap (reference AP
the pooled AP, where a category's false positives in a split without it count as well).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from statistics import mean

from vistoolkit.atomic import write_json_atomic
from vistoolkit.data.records import Dataset, PredTrack
from vistoolkit.data.ytvis_io import load_predictions
from vistoolkit.eval import evaluate
from vistoolkit.eval.compare import compare_results, evaluate_pooled
from vistoolkit.studies.cells import valid_gt
from vistoolkit.studies.table1 import LOWFPS_ROWS, paper_delta
from vistoolkit.studies.verdict import verdict


def split_trackers(study: Path, fps: float) -> tuple[Dataset, dict[str, list[PredTrack]]]:
    """Ground truth at ``fps`` and the three trackers' predictions the study saved."""
    data = Path(json.loads((study / "provenance.json").read_text())["data"])
    work = study / f"fps{fps:g}"
    gt = valid_gt(data, fps)
    return gt, {name: load_predictions(work / f"{name}.json")
                for name in ("e2e", "handcraft", "motion")}


TRACKERS = ("e2e", "handcraft", "motion")


def pooled(studies: list[Path], fps: float) -> tuple[dict, dict[str, dict[int, float]]]:
    """Each tracker's evaluation (with the per-video breakdowns) on all splits' videos, and
    its AP (points) on each split alone, keyed by the split's position."""
    splits = [split_trackers(study, fps) for study in studies]
    out, per_split = {}, {}
    for name in TRACKERS:
        out[name] = evaluate_pooled([(gt, trackers[name]) for gt, trackers in splits])
        per_split[name] = {i: 100 * evaluate(gt, trackers[name], allow_empty=True).stats["AP"]
                           for i, (gt, trackers) in enumerate(splits)}
    return out, per_split


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("studies", nargs="+", type=Path)
    ap.add_argument("--fps", default="6,3,1.5")
    ap.add_argument("--resamples", type=int, default=2000)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    rates = [float(f) for f in args.fps.split(",")]
    results = {f: pooled(args.studies, f) for f in rates}
    evals = {f: r[0] for f, r in results.items()}
    split_ap = {(f, m): r[1][m] for f, r in results.items() for m in TRACKERS}
    source = rates[0]
    pairs = [(f"hand-craft - e2e at {f:g} FPS", (f, "e2e"), (f, "handcraft")) for f in rates]
    pairs += [(f"motion - e2e at {f:g} FPS", (f, "e2e"), (f, "motion")) for f in rates]
    pairs += [(f"e2e at {f:g} - at {source:g} FPS", (source, "e2e"), (f, "e2e"))
              for f in rates[1:]]
    paper = {name: paper_delta(*row) for name, row in LOWFPS_ROWS.items()}
    n_videos = len(evals[source]["e2e"].breakdowns["video-ap"])
    print(f"{len(args.studies)} splits, {n_videos} videos pooled; AP (percent) per tracker, "
          "pooled / mean of the splits' own AP:")
    print("| FPS | e2e | hand-craft | motion |\n|---:|---:|---:|---:|")
    for f in rates:
        print(f"| {f:g} | " + " | ".join(
            f"{100 * evals[f][m].stats['AP']:.1f} / {mean(split_ap[f, m].values()):.1f}"
            for m in TRACKERS) + " |")
    print("\n| B - A | ΔAP pooled | 95 % interval (videos) | ΔAP mean of splits | 95 % interval "
          "(splits) | verdict (splits) | verdict (pooled) |\n|---|---:|---|---:|---|---|---|")
    rows = []
    for name, (fa, ma), (fb, mb) in pairs:
        a, b = evals[fa][ma], evals[fb][mb]
        comp = compare_results([a], [b], resamples=args.resamples)
        delta, (low, high) = 100 * comp.delta["AP"], comp.bootstrap_interval["AP"]
        key = "1d" if name.startswith(f"hand-craft - e2e at {source:g}") else \
            "1h" if name.startswith("e2e at 1.5") else None
        by_split = verdict(split_ap[fb, mb], split_ap[fa, ma], paper.get(key, 0.0),
                           bootstrap=(100 * low, 100 * high))
        label = label_pooled = ""
        if key:
            v = verdict({0: 100 * b.stats["AP"]}, {0: 100 * a.stats["AP"]}, paper[key],
                        interval=(100 * low, 100 * high))
            label = f"Table {key}: {by_split.label} (paper {paper[key]:+.1f})"
            label_pooled = f"Table {key}: {v.label}"
        rows.append({"comparison": name, "delta_ap": delta, "low": 100 * low,
                     "high": 100 * high, "split_delta_ap": by_split.delta,
                     "split_low": by_split.low, "split_high": by_split.high,
                     "split_ap": {"A": list(split_ap[fa, ma].values()),
                                  "B": list(split_ap[fb, mb].values())},
                     "verdict": label, "verdict_pooled": label_pooled})
        print(f"| {name} | {delta:+.1f} | [{100 * low:+.1f}, {100 * high:+.1f}] | "
              f"{by_split.delta:+.1f} | [{by_split.low:+.1f}, {by_split.high:+.1f}] | {label} | "
              f"{label_pooled} |")
    if args.out:
        write_json_atomic(args.out, {"studies": [str(s) for s in args.studies],
                                     "videos": n_videos, "resamples": args.resamples,
                                     "ap": {f"{f:g}": {m: 100 * e.stats["AP"]
                                                        for m, e in evals[f].items()}
                                            for f in rates},
                                     "split_ap": {f"{f:g}": {m: list(split_ap[f, m].values())
                                                              for m in TRACKERS}
                                                  for f in rates},
                                     "comparisons": rows})


if __name__ == "__main__":
    main()
