"""Verdicts of a reproduced table: seeds paired (``studies.verdict``) plus a per-video paired
bootstrap pooled over seeds (``vistoolkit.eval.compare``) where both rows kept their scored
predictions on the same ground truth."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path

from vistoolkit.errors import InputError
from vistoolkit.eval.compare import compare
from vistoolkit.studies.records import RowResult
from vistoolkit.studies.verdict import Verdict, verdict

log = logging.getLogger(__name__)

RESAMPLES = 1000


def per_seed_ap(rr: RowResult) -> dict[int, float]:
    """Seed -> AP in points of a row's cells (NaN cells left out)."""
    return {s: 100 * float(c.stats["AP"]) for s, c in zip(rr.seeds, rr.cells, strict=False)
            if not math.isnan(float(c.stats["AP"]))}


def bootstrap_interval(rr: RowResult, ref: RowResult, *, seed: int = 0,
                       resamples: int = RESAMPLES) -> tuple[float, float] | None:
    """95 % per-video bootstrap interval of ΔAP (points) of ``rr`` over ``ref``, seeds paired
    and pooled; None when a cell lacks its predictions or the rows differ in ground truth."""
    pairs = [(a, b) for a, b in zip(ref.cells, rr.cells, strict=False)]
    files = [(a.extra.get("predictions"), b.extra.get("predictions")) for a, b in pairs]
    gts = {c.extra.get("gt") for pair in pairs for c in pair}
    if not pairs or len(gts) != 1 or None in gts \
            or not all(a and b and Path(a).is_file() and Path(b).is_file() for a, b in files):
        return None
    try:
        comp = compare(Path(gts.pop()), [Path(a) for a, _ in files],
                       [Path(b) for _, b in files], seed=seed, resamples=resamples,
                       allow_empty=True)
    except InputError as err:                                     # e.g. a cell with no output
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
