"""Per-video paired bootstrap of Table 1's compared rows, pooled over valid splits and training
seeds, from the predictions the scored runs kept.

Usage: python benchmarks/table1_bootstrap.py [--runs /work/runs] [--splits /work/vd/splits]
           [--resamples 1000] [--out docs/results/table1/bootstrap.json]

For every row of ``benchmarks/table1_manifest.py``'s ``SOURCES`` that has a reference row, and
for each training seed both rows ran: the seed's predictions on the five valid splits 0, 99-102
(those every row was scored on; the ten-split rows kept theirs with ``split_spread.py --keep``)
are pooled into one evaluation (``vistoolkit.data.pool``, video ids offset per split), and the row is
compared with its reference by ``vistoolkit.eval.compare.compare_results`` (seeds paired by
position; the same video draws for every file). Where the predictions are looked up under
``--runs``:

- split_spread.py runs (``--keep RUNS/preds``): ``preds/<run>_ema_int8/seed<S>.json``;
- low-FPS study runs: ``lowfps_<run>/seed<S>/fps<F>/{e2e,handcraft}.json`` (ground truth
  resampled to F as the study did);
- Table 1d at T = 8: ``t8_<run>/seed<S>/{e2e,hc}.json``.

A row whose predictions are missing for any seed or split is left out (printed); if ``--out``
already holds that row computed from the same runs (an earlier run, on the machine that had its
predictions), its entry is kept as it was, so a rerun elsewhere adds rows without erasing the
committed ones; an entry of a row that has moved to other runs is dropped. Writes
``{"<table>/<row>": {"delta", "low", "high", "seeds", "splits", "videos", "resamples", "runs"}}``
(ΔAP points of the row over its reference; ``runs``: the row's and the reference's runs), which
the manifest carries into the tables' bootstrap column while ``runs`` are still its own.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path

import table1_manifest
from table1_manifest import ROW_NOTES, SOURCES, SPLITS10

from vistoolkit.atomic import write_json_atomic
from vistoolkit.data.ytvis_io import load_predictions
from vistoolkit.eval.compare import compare_results, evaluate_pooled
from vistoolkit.eval.result import EvalResult
from vistoolkit.studies.cells import SOURCE_FPS, valid_gt

LOWFPS_FILE = {"EfficientVIS (e2e)": "e2e.json", "hand-craft linking": "handcraft.json"}
SPLITS = SPLITS10[:5]                      # the splits every row was scored on
Part = tuple[Path, Path, float]            # (split folder, predictions, test FPS)


def parts_of(source: tuple, runs: Path, splits: Path) -> tuple[Part, ...] | None:
    """The (split, predictions, FPS) of every valid split a manifest source was scored on;
    None for a source without kept predictions (hand-written tables, probe curves)."""
    _table, _row, _seed, run, kind, _rel, *sel = source
    if kind == "spread":
        return tuple((splits / f"seed{s}", runs / "preds" / f"{run}_ema_int8" / f"seed{s}.json",
                      SOURCE_FPS) for s in SPLITS)
    if kind == "lowfps":
        method, fps = sel[0]
        return tuple((splits / f"seed{s}", runs / f"lowfps_{run}" / f"seed{s}" / f"fps{fps:g}"
                      / LOWFPS_FILE[method], fps) for s in SPLITS)
    if kind == "t8":
        name = ("e2e.json", "hc.json")[sel[0][1]]
        return tuple((splits / f"seed{s}", runs / f"t8_{run}" / f"seed{s}" / name, SOURCE_FPS)
                     for s in SPLITS)
    return None


@functools.cache
def pooled_result(parts: tuple[Part, ...]) -> EvalResult:
    """One evaluation of a training seed's predictions on all its splits' videos (cached: a
    reference row serves several rows)."""
    return evaluate_pooled([(valid_gt(split, fps), load_predictions(preds))
                            for split, preds, fps in parts])


def row_sources(runs: Path, splits: Path
                ) -> dict[tuple[str, str], dict[int, tuple[Part, ...]]]:
    """(table, row) -> training seed -> the parts of that seed's run (kept predictions only)."""
    out: dict[tuple[str, str], dict[int, tuple[Part, ...]]] = {}
    for source in SOURCES:
        parts = parts_of(source, runs, splits)
        if parts is not None:
            out.setdefault((source[0], source[1]), {})[source[2]] = parts
    return out


def reference_of(table: str, key: str) -> tuple[str, str] | None:
    """(table, row) whose runs row ``key`` is compared against, as the tables read it."""
    return table1_manifest.reference_of(table, key, ROW_NOTES)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=Path, default=Path("/work/runs"))
    ap.add_argument("--splits", type=Path, default=Path("/work/vd/splits"))
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--out", type=Path, default=Path("docs/results/table1/bootstrap.json"))
    args = ap.parse_args()
    sources = row_sources(args.runs, args.splits)
    before = json.loads(args.out.read_text()) if args.out.is_file() else {}
    out = {}
    for (table, key), by_seed in sources.items():
        ref = reference_of(table, key)
        if ref is None or ref not in sources:
            continue
        runs = table1_manifest.bootstrap_runs(table, key, ref, SOURCES)
        seeds = sorted(set(by_seed) & set(sources[ref]))
        missing = [p for s in seeds for side in (by_seed[s], sources[ref][s])
                   for _, p, _ in side if not p.is_file()]
        if not seeds or missing:
            name = f"{table}/{key}"
            kept = (f"; the entry already in {args.out} kept"
                    if before.get(name, {}).get("runs") == runs else "")
            print(f"{name}: left out ({missing[0] if missing else 'no paired seed'} not there)"
                  f"{kept}", file=sys.stderr)
            if kept:
                out[name] = before[name]
            continue
        a = [pooled_result(sources[ref][s]) for s in seeds]
        b = [pooled_result(by_seed[s]) for s in seeds]
        comp = compare_results(a, b, resamples=args.resamples)
        low, high = comp.bootstrap_interval["AP"]
        out[f"{table}/{key}"] = {
            "delta": 100 * comp.delta["AP"], "low": 100 * low, "high": 100 * high,
            "seeds": len(seeds), "splits": len(by_seed[seeds[0]]),
            "videos": len(a[0].breakdowns["video-ap"]), "resamples": args.resamples,
            "runs": runs}
        print(f"{table}/{key} vs {'/'.join(ref)}: pooled ΔAP {100 * comp.delta['AP']:+.1f}, "
              f"bootstrap [{100 * low:+.1f}, {100 * high:+.1f}] ({len(seeds)} seeds)", flush=True)
    write_json_atomic(args.out, out, indent=1)
    print(f"{len(out)} rows -> {args.out}")


if __name__ == "__main__":
    main()
