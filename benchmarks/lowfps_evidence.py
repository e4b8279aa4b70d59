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
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from vistoolkit.atomic import write_json_atomic
from vistoolkit.data.pool import pool
from vistoolkit.data.records import Dataset, PredTrack
from vistoolkit.data.ytvis_io import load_predictions
from vistoolkit.eval import evaluate
from vistoolkit.eval.compare import compare_results
from vistoolkit.studies.cells import valid_annotations
from vistoolkit.studies.table1 import TABLE1
from vistoolkit.studies.verdict import verdict

BREAKDOWNS = ("video-ap", "video-curves")


def split_trackers(study: Path, fps: float) -> tuple[Dataset, dict[str, list[PredTrack]]]:
    """Ground truth at ``fps`` and the three trackers' predictions the study saved."""
    data = Path(json.loads((study / "provenance.json").read_text())["data"])
    work = study / f"fps{fps:g}"
    gt, _ = valid_annotations(data, work, fps)
    return gt, {name: load_predictions(work / f"{name}.json")
                for name in ("e2e", "handcraft", "motion")}


def pooled(studies: list[Path], fps: float) -> dict:
    """Evaluations (with the per-video breakdowns) of each tracker on all splits' videos."""
    splits = [split_trackers(study, fps) for study in studies]
    out = {}
    for name in ("e2e", "handcraft", "motion"):
        gt, preds = pool([(gt, trackers[name]) for gt, trackers in splits])
        out[name] = evaluate(gt, preds, allow_empty=True, breakdowns=BREAKDOWNS)
    return out


def paper_delta(table: str, key: str) -> float:
    """The paper's AP of row ``key`` minus that of its reference row."""
    rows = {r.key: r for r in TABLE1[table].rows}
    return rows[key].paper["AP"] - rows[rows[key].reference].paper["AP"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("studies", nargs="+", type=Path)
    ap.add_argument("--fps", default="6,3,1.5")
    ap.add_argument("--resamples", type=int, default=2000)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    rates = [float(f) for f in args.fps.split(",")]
    evals = {f: pooled(args.studies, f) for f in rates}
    source = rates[0]
    pairs = [(f"hand-craft - e2e at {f:g} FPS", evals[f]["e2e"], evals[f]["handcraft"])
             for f in rates]
    pairs += [(f"motion - e2e at {f:g} FPS", evals[f]["e2e"], evals[f]["motion"]) for f in rates]
    pairs += [(f"e2e at {f:g} - at {source:g} FPS", evals[source]["e2e"], evals[f]["e2e"])
              for f in rates[1:]]
    paper = {"1d": paper_delta("table1d", "T9_handcraft"), "1h": paper_delta("table1h", "fps1.5")}
    n_videos = len(evals[source]["e2e"].breakdowns["video-ap"])
    print(f"{len(args.studies)} splits, {n_videos} videos pooled; AP (percent) per tracker:")
    print("| FPS | e2e | hand-craft | motion |\n|---:|---:|---:|---:|")
    for f in rates:
        print(f"| {f:g} | " + " | ".join(f"{100 * evals[f][m].stats['AP']:.1f}"
                                       for m in ("e2e", "handcraft", "motion")) + " |")
    print("\n| B - A | ΔAP | 95 % interval (videos) | verdict |\n|---|---:|---|---|")
    rows = []
    for name, a, b in pairs:
        comp = compare_results([a], [b], resamples=args.resamples)
        delta, (low, high) = 100 * comp.delta["AP"], comp.bootstrap_interval["AP"]
        key = "1d" if name.startswith(f"hand-craft - e2e at {source:g}") else \
            "1h" if name.startswith("e2e at 1.5") else None
        label = ""
        if key:
            v = verdict({0: 100 * b.stats["AP"]}, {0: 100 * a.stats["AP"]}, paper[key],
                        interval=(100 * low, 100 * high))
            label = f"Table {key}: {v.label} (paper {paper[key]:+.1f})"
        rows.append({"comparison": name, "delta_ap": delta, "low": 100 * low,
                     "high": 100 * high, "verdict": label})
        print(f"| {name} | {delta:+.1f} | [{100 * low:+.1f}, {100 * high:+.1f}] | {label} |")
    if args.out:
        write_json_atomic(args.out, {"studies": [str(s) for s in args.studies],
                                     "videos": n_videos, "resamples": args.resamples,
                                     "ap": {f"{f:g}": {m: 100 * e.stats["AP"]
                                                        for m, e in evals[f].items()}
                                            for f in rates},
                                     "comparisons": rows})


if __name__ == "__main__":
    main()
