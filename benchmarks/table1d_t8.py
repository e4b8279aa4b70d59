"""Table 1d's T = 18 analogue (T = 8 at inference) over training seeds: the Markdown rows of
``table1d_T8.md`` from the per-split lines that ``benchmarks/table1d_t8.sh`` writes.

Usage: python benchmarks/table1d_t8.py RESULTS_DIR RUN [RUN ...]

Reads ``RESULTS_DIR/t8_<RUN>.txt`` (lines ``RUN seed<S> e2e <AP> handcraft <AP>``, AP in points) for
each training seed's run, in seed order. Prints one row per run (ΔAP hand-crafted - end to end,
Student-t interval over the five splits) and, with two or more runs, the row over the seeds (each
seed's mean of splits), verdicts by ``vistoolkit.studies.verdict``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from statistics import mean

from vistoolkit.studies.verdict import bound_text, verdict

SPLITS = ("0", "99", "100", "101", "102")
PAPER_T18 = -1.8          # Table 1d: T = 18 hand-craft - fully end to end


def read_run(path: Path, run: str) -> tuple[list[float], list[float]]:
    """(end to end, hand-crafted) AP per split of ``run``, in SPLITS order."""
    got: dict[str, tuple[float, float]] = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        parts = line.split()
        if not parts or parts[0] != run:
            continue
        if len(parts) != 6 or parts[2] != "e2e" or parts[4] != "handcraft":
            raise ValueError(f"{path}: line {n}: expected 'RUN seedS e2e AP handcraft AP'")
        try:
            got[parts[1].removeprefix("seed")] = (float(parts[3]), float(parts[5]))
        except ValueError:
            raise ValueError(f"{path}: line {n}: AP is not a number") from None
    missing = [s for s in SPLITS if s not in got]
    if missing:
        raise ValueError(f"{path}: run {run}: no line for split seed {missing[0]}")
    return [got[s][0] for s in SPLITS], [got[s][1] for s in SPLITS]


def row(label: str, e2e: list[float], hc: list[float], per_split: bool) -> str:
    """One Markdown row: ΔAP (hand-crafted - end to end) with its interval and verdict."""
    v = verdict(dict(enumerate(hc)), dict(enumerate(e2e)), PAPER_T18)
    interval = f"[{bound_text(v.low)}, {bound_text(v.high)}]"
    if per_split:
        cells = (f"{' / '.join(f'{x:.1f}' for x in e2e)} ({mean(e2e):.1f})",
                 f"{' / '.join(f'{x:.1f}' for x in hc)} ({mean(hc):.1f})",
                 f"{v.delta:+.1f}, {interval}", v.label)
    else:
        cells = (f"{mean(e2e):.1f}", f"{mean(hc):.1f}", f"**{v.delta:+.1f}, {interval}**",
                 f"**{v.label}** (paper {PAPER_T18:+.1f})")
    return "| " + " | ".join((label, *cells)) + " |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", type=Path)
    ap.add_argument("runs", nargs="+")
    args = ap.parse_args()
    try:
        per_run = [read_run(args.results / f"t8_{run}.txt", run) for run in args.runs]
    except (OSError, ValueError) as err:
        ap.exit(2, f"error: {err}\n")
    for k, (run, (e2e, hc)) in enumerate(zip(args.runs, per_run)):
        print(row(f"{run} (seed {k})", [round(x, 1) for x in e2e], [round(x, 1) for x in hc], True))
    if len(per_run) >= 2:
        print(row(f"**over the {len(per_run)} seeds** (each seed's mean of splits)",
                  [mean(round(x, 1) for x in e) for e, _ in per_run],
                  [mean(round(x, 1) for x in h) for _, h in per_run], False))


if __name__ == "__main__":
    main()
