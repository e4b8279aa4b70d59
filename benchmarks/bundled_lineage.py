"""The bundled model's learning curve over its whole recipe, from the committed run logs.

Usage: python benchmarks/bundled_lineage.py [--out docs/results/bundled_lineage]

Reads the metrics log of every step of the CPU recipe (``STEPS``, under docs/results) and the
ten-split scores of the steps that have one, and writes ``<out>.md`` (per step: iterations,
training wall time summed from the log's per-iteration seconds, probe AP at the step's end,
ten-split mean) and ``<out>.png`` (AP against cumulative iterations of the tracklet stages).
The crop pre-training of backbone + FPN (``docs/results/pretrain_crops``) comes before these.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from table1_manifest import CARRIED_SPLITS, SPLITS10, spread_ap

from vistoolkit.atomic import write_text_atomic
from vistoolkit.viz.study_plots import plot_curves
from vistoolkit.viz.training_curves import probe_series, read_metrics

RESULTS = Path("docs/results")
Q10 = "cpu_recipe_frozen_queries10"
FT = f"{Q10}_finetune_stages3"
# (recipe command in efficientvis.engine.bundled, run name where the Table 1 manifest
# names it, run directory under docs/results)
STEPS = [
    ("CPU_RECIPE_COMMAND (stopped at 2,510)", None, Q10),
    ("CHAIN_COMMAND", None, f"{Q10}_chain3b"),
    ("FINETUNE_COMMAND", None, FT),
    ("CONTINUE_COMMAND", None, f"{FT}_seed3_ema"),
    ("CONTINUE_AGAIN_COMMAND", "C6", f"{FT}_seed3_ema_seed4"),
    ("CONTINUE_SEED5_COMMAND", "C7f", f"{FT}_seed3_ema_seed4_seed5"),
    ("CONTINUE_SEED6_STILL_COMMAND", "C8still", f"{FT}_seed3_ema_seed4_seed5_seed6_still"),
    ("CONTINUE_SEED7_STILL_COMMAND", "C9", f"{FT}_seed3_ema_seed4_seed5_seed6_still_seed7"),
]


def probe_curve(rows: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """(steps, AP as a fraction) of the run's probe: the weight average's where it kept one."""
    ema = probe_series(rows, "ema_probe_AP")
    return ema if ema[0].size else probe_series(rows, "probe_AP")


def step_summary(rows: list[dict]) -> tuple[int, float, float]:
    """(iterations, training seconds, last probe AP in %) of one run's metrics rows."""
    _, ap = probe_curve(rows)
    return (int(max(r["step"] for r in rows)), float(sum(r.get("sec", 0.0) for r in rows)),
            float(ap[-1] * 100) if ap.size else float("nan"))


def ten_split_mean(run: str | None, run_dir: Path) -> float:
    """Mean AP of the run's ten-split score: the values the Table 1 manifest carries for it
    (C6, whose ``split_spread.md`` holds five splits), else its ``split_spread.md``; NaN where
    it has none."""
    if run in CARRIED_SPLITS:
        return float(np.mean(CARRIED_SPLITS[run]))
    spread = run_dir / "split_spread.md"
    if not spread.is_file():
        return float("nan")
    ap = spread_ap(spread)
    return float(np.mean([ap[k]["AP"] for k in SPLITS10])) if set(ap) == set(SPLITS10) \
        else float("nan")


def lineage(root: Path) -> list[dict]:
    """One record per recipe step: its curve on the cumulative iteration axis and its scores."""
    out, start, wall = [], 0, 0.0
    for command, run, rel in STEPS:
        rows = read_metrics(root / rel / "metrics.csv")
        iters, seconds, last_ap = step_summary(rows)
        steps, ap = probe_curve(rows)
        wall += seconds
        out.append({"command": command, "dir": rel, "iters": iters, "end": start + iters,
                    "minutes": seconds / 60, "cum_hours": wall / 3600, "probe_ap": last_ap,
                    "ten_split": ten_split_mean(run, root / rel),
                    "curve": [(start + int(s), float(a) * 100) for s, a in zip(steps, ap)]})
        start += iters
    return out


def markdown(steps: list[dict]) -> str:
    lines = ["| step | iterations | end at | training min | cumulative h | probe AP (8 videos) "
             "| mean of ten splits |", "|---|---:|---:|---:|---:|---:|---:|"]
    for s in steps:
        ten = "–" if np.isnan(s["ten_split"]) else f"{s['ten_split']:.1f}"
        lines.append(f"| `{s['command']}` (`{s['dir']}`) | {s['iters']:,} | {s['end']:,} | "
                     f"{s['minutes']:.0f} | {s['cum_hours']:.1f} | {s['probe_ap']:.1f} | {ten} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=RESULTS / "bundled_lineage")
    ap.add_argument("--root", type=Path, default=RESULTS)
    args = ap.parse_args()
    steps = lineage(args.root)
    curves = {"probe AP, 8 videos": [p for s in steps for p in s["curve"]],
              "mean AP of ten splits (25 videos each)":
                  [(s["end"], s["ten_split"]) for s in steps if not np.isnan(s["ten_split"])]}
    plot_curves(curves, args.out.with_suffix(".png"), xlabel="iterations of the tracklet stages",
                title="bundled tiny model: AP along the CPU recipe")
    text = markdown(steps)
    write_text_atomic(args.out.with_suffix(".md"), text)
    print(text, end="")


if __name__ == "__main__":
    main()
