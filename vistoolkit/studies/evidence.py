"""Verdicts of a reproduced table: seeds paired (``studies.verdict``) plus a per-video paired
bootstrap pooled over seeds (``vistoolkit.eval.compare``) where both rows kept their scored
predictions on the same ground truth."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path

from vistoolkit.data.ytvis_io import load_dataset, load_predictions
from vistoolkit.errors import InputError
from vistoolkit.eval.compare import compare_results, evaluate_pooled
from vistoolkit.eval.result import EvalResult
from vistoolkit.studies.records import CellResult, RowResult
from vistoolkit.studies.verdict import Verdict, verdict

log = logging.getLogger(__name__)

RESAMPLES = 1000


def per_seed_ap(rr: RowResult) -> dict[int, float]:
    """Seed -> AP in points of a row's cells (NaN cells left out)."""
    return {s: 100 * float(c.stats["AP"]) for s, c in zip(rr.seeds, rr.cells, strict=False)
            if not math.isnan(float(c.stats["AP"]))}


def scored_files(cell: CellResult) -> list[tuple[str | None, str | None]]:
    """(ground truth, predictions) files a cell was scored on: one per valid split of a
    budget that scores several (``extra["splits"]``, in split order), else its one."""
    splits = cell.extra.get("splits")
    if splits:
        return [(splits[k].get("gt"), splits[k].get("predictions")) for k in sorted(splits, key=int)]
    return [(cell.extra.get("gt"), cell.extra.get("predictions"))]


def bootstrap_interval(rr: RowResult, ref: RowResult, *, seed: int = 0,
                       resamples: int = RESAMPLES) -> tuple[float, float] | None:
    """95 % per-video bootstrap interval of ΔAP (points) of ``rr`` over ``ref``, seeds paired
    and pooled (a cell scored on several splits: their videos pooled into one evaluation);
    None when a cell lacks its predictions or the rows differ in ground truth."""
    pairs = list(zip(ref.cells, rr.cells, strict=False))
    files = [(scored_files(a), scored_files(b)) for a, b in pairs]
    gts = {tuple(g for g, _ in side) for pair in files for side in pair}
    if not pairs or len(gts) != 1 or None in next(iter(gts)) or not all(
            p and Path(p).is_file() for pair in files for side in pair for _, p in side):
        return None
    gt = [load_dataset(Path(g)) for g in gts.pop()]

    def run(side: list[tuple[str | None, str | None]]) -> EvalResult:
        return evaluate_pooled([(d, load_predictions(Path(p))) for d, (_, p) in zip(gt, side)])

    try:
        comp = compare_results([run(a) for a, _ in files], [run(b) for _, b in files],
                               seed=seed, resamples=resamples)
    except (InputError, ValueError) as err:                     # e.g. a cell with no output
        log.warning("no bootstrap for %s: %s", rr.row.key, err)
        return None
    low, high = comp.bootstrap_interval["AP"]
    return 100 * low, 100 * high


def table_verdicts(rows: Sequence[RowResult], *, bootstrap: bool = True) -> dict[str, Verdict]:
    """Verdict of every non-reference row (key -> ``Verdict``)."""
    by_key = {rr.row.key: rr for rr in rows}
    out = {}
    for rr in rows:
        if rr.row.reference is None:
            continue
        ref = by_key[rr.row.reference]
        boot = bootstrap_interval(rr, ref) if bootstrap else None
        out[rr.row.key] = verdict(per_seed_ap(rr), per_seed_ap(ref),
                                  rr.row.paper["AP"] - ref.row.paper["AP"], bootstrap=boot)
    return out
