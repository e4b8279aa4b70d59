"""Verdict of a Table 1 row against its reference row, from paired seeds.

For the seeds both rows ran, ``d_s = AP_row(s) - AP_ref(s)`` (points). The interval is the 95 %
Student-t interval of the mean of ``d_s`` (n - 1 degrees of freedom; undefined for one seed), or
a caller-supplied interval (the per-video paired bootstrap pooled over seeds of
``studies.evidence``, used when fewer than 2 seeds are paired). Then:

* ``undertrained``: the reference row's mean AP is below ``MIN_REF_AP`` (10 AP); no verdict.
* rows where the paper reports no change (|paper ΔAP| < ``NO_CHANGE``): ``reproduced`` when the
  interval lies within ±``NO_CHANGE_BAND`` (1 AP), ``opposite`` when it excludes 0 (a change the
  paper does not see), else ``within noise``.
* other rows: ``reproduced`` when the interval excludes 0 on the paper's side, ``opposite`` when
  it excludes 0 on the other side, ``within noise`` when it contains 0 (or is undefined).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats

MIN_REF_AP = 10.0      # points: below this the reference model is undertrained
NO_CHANGE = 0.5        # points: a paper |ΔAP| below this is a "no change" row
NO_CHANGE_BAND = 1.0   # points: a "no change" row is reproduced inside ±1 AP
LEVEL = 0.95


@dataclass(frozen=True, slots=True)
class Verdict:
    """Outcome of one row; every AP number in points."""

    label: str
    delta: float          # mean paired ΔAP over seeds (NaN without common seeds)
    low: float            # interval used for the verdict (NaN when undefined)
    high: float
    paper_delta: float
    seeds: int            # paired seeds
    bootstrap: tuple[float, float] = (math.nan, math.nan)   # per-video bootstrap interval


def paired_interval(deltas: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """Student-t interval of the mean of ``deltas`` (D,); (NaN, NaN) for fewer than 2 values."""
    n = len(deltas)
    if n < 2:
        return math.nan, math.nan
    mean, sd = float(np.mean(deltas)), float(np.std(deltas, ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    return mean - half, mean + half


def verdict(row_ap: Mapping[int, float], ref_ap: Mapping[int, float], paper_delta: float, *,
            interval: tuple[float, float] | None = None,
            bootstrap: tuple[float, float] | None = None) -> Verdict:
    """Verdict from per-seed AP (points) of the row and of its reference row.

    Args:
        row_ap, ref_ap: seed -> AP in points; only seeds present in both are paired.
        paper_delta: the paper's AP(row) - AP(reference), points.
        interval: use this 95 % interval of ΔAP instead of the t interval over seeds.
        bootstrap: per-video paired bootstrap interval (points), reported, and used in place of
            the seed interval when fewer than 2 seeds are paired.
    """
    seeds = sorted(set(row_ap) & set(ref_ap))
    deltas = np.array([row_ap[s] - ref_ap[s] for s in seeds], dtype=np.float64)
    delta = float(deltas.mean()) if len(deltas) else math.nan
    low, high = interval if interval is not None else paired_interval(deltas)
    if interval is None and len(deltas) < 2 and bootstrap is not None:
        low, high = bootstrap
    ref_mean = float(np.mean([ref_ap[s] for s in seeds])) if seeds else math.nan
    if not seeds:
        label = "not run"
    elif ref_mean < MIN_REF_AP:
        label = "undertrained"
    elif math.isnan(low) or math.isnan(high):
        label = "within noise"
    elif abs(paper_delta) < NO_CHANGE:
        if -NO_CHANGE_BAND <= low and high <= NO_CHANGE_BAND:
            label = "reproduced"
        else:
            label = "opposite" if (low > 0 or high < 0) else "within noise"
    elif low > 0 or high < 0:
        label = "reproduced" if (low > 0) == (paper_delta > 0) else "opposite"
    else:
        label = "within noise"
    return Verdict(label, delta, low, high, paper_delta, len(seeds),
                   bootstrap if bootstrap is not None else (math.nan, math.nan))


def bound_text(x: float) -> str:
    """An interval bound in points, one decimal; three where one would read as 0.0, since the
    verdict turns on the bound's sign."""
    return f"{x:+.3f}" if x != 0 and round(x, 1) == 0 else f"{x:+.1f}"


def delta_text(v: Verdict) -> str:
    """Our ΔAP with its 95 % interval, e.g. ``+1.2 [+0.003, +2.4]``."""
    ours = "–" if math.isnan(v.delta) else f"{v.delta:+.1f}"
    if not math.isnan(v.low):
        ours += f" [{bound_text(v.low)}, {bound_text(v.high)}]"
    return ours


def bootstrap_text(v: Verdict) -> str:
    """The per-video bootstrap interval, e.g. ``[-5.2, -2.1]``; ``–`` where none was computed."""
    low, high = v.bootstrap
    return "–" if math.isnan(low) else f"[{bound_text(low)}, {bound_text(high)}]"
