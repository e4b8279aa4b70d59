"""Paired comparison of result files on one ground truth: ΔAP (and every official stat) of B
over A with a paired per-video bootstrap interval, and the videos whose AP changed most.

Library use (the Table 1 study calls this with its per-seed predictions)::

    from vistoolkit.eval.compare import compare
    comp = compare("valid.json", ["a_seed0.json", "a_seed1.json"], ["b_seed0.json", "b_seed1.json"])
    comp.delta["AP"], comp.interval["AP"], comp.bootstrap_interval["AP"]

Bootstrap (``vistoolkit.eval.bootstrap``): ``resamples`` (default 1000) draws of the V videos
with replacement, the same draws for every file (paired); each draw's stats are recomputed from
the official matching; the interval is the 2.5 / 97.5 percentiles of the draws' B - A (the mean
over B files minus the mean over A files). The draws come from ``numpy.random.default_rng(seed)``
only, so a seed gives the same interval every time. With several files per side (one per
training seed, paired by position) ``interval`` is instead the Student-t interval of the mean of
the per-seed differences (n - 1 degrees of freedom), and ``bootstrap_interval`` keeps the
per-video one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sstats

from vistoolkit.data.pool import pool
from vistoolkit.data.records import Dataset, PredTrack
from vistoolkit.data.ytvis_io import load_gt
from vistoolkit.errors import InputError
from vistoolkit.eval.bootstrap import pool_curves, resampled_stats, video_weights
from vistoolkit.eval.evaluate import evaluate
from vistoolkit.eval.result import EvalResult
from vistoolkit.eval.summary import STAT_KEYS

DEFAULT_RESAMPLES = 1000
LEVEL = 0.95
Predictions = Path | str | list[PredTrack]
Interval = tuple[float, float]
_NEEDED = ("video-ap", "video-curves")


@dataclass(frozen=True, slots=True)
class Comparison:
    """B over A. Stats are fractions (0..1) keyed as ``STAT_KEYS``; NaN where undefined.

    Attributes:
        a, b: mean over each side's files. a_std, b_std: std over files (ddof 1; NaN for one).
        delta: stat -> mean(B) - mean(A).
        interval: stat -> (low, high), the ``interval_kind`` interval of ``delta``.
        interval_kind: ``"bootstrap"`` (one file per side) or ``"seeds"`` (several).
        bootstrap_interval: stat -> paired per-video bootstrap percentile interval.
        seed_interval: stat -> Student-t interval over the paired files (None for one file).
        videos: one row per video, largest |ΔAP| first: ``video_id, AP_a, AP_b, delta`` (AP of
            the video alone, mean over files).
        n_files, resamples, seed, level: how it was computed.
    """

    a: dict[str, float]
    b: dict[str, float]
    a_std: dict[str, float]
    b_std: dict[str, float]
    delta: dict[str, float]
    interval: dict[str, Interval]
    interval_kind: str
    bootstrap_interval: dict[str, Interval]
    seed_interval: dict[str, Interval] | None
    videos: pd.DataFrame
    n_files: int
    resamples: int
    seed: int
    level: float

    def to_dict(self, *, videos: int = 20) -> dict:
        """JSON-ready: ``a``, ``b``, ``delta``, ``interval`` (stat -> [low, high]) and the rest;
        NaN as None; the ``videos`` largest changes."""
        def num(x: float) -> float | None:
            return None if math.isnan(x) else float(x)

        def iv(d: dict[str, Interval] | None) -> dict | None:
            return None if d is None else {k: [num(lo), num(hi)] for k, (lo, hi) in d.items()}

        rows = [{k: (num(v) if isinstance(v, float) else v) for k, v in r.items()}
                for r in self.videos.head(videos).to_dict(orient="records")]
        return {"a": {k: num(v) for k, v in self.a.items()},
                "b": {k: num(v) for k, v in self.b.items()},
                "delta": {k: num(v) for k, v in self.delta.items()},
                "interval": iv(self.interval), "interval_kind": self.interval_kind,
                "a_std": {k: num(v) for k, v in self.a_std.items()},
                "b_std": {k: num(v) for k, v in self.b_std.items()},
                "bootstrap_interval": iv(self.bootstrap_interval),
                "seed_interval": iv(self.seed_interval), "videos": rows,
                "n_files": self.n_files, "resamples": self.resamples, "seed": self.seed,
                "level": self.level}


def _stats_array(result: EvalResult) -> np.ndarray:
    return np.array([result.stats[k] for k in STAT_KEYS])                         # (12,)


def _t_interval(diffs: np.ndarray, level: float) -> Interval:
    """Student-t interval of the mean of ``diffs`` (n,); NaN for n < 2 or a NaN value."""
    n = len(diffs)
    if n < 2 or np.isnan(diffs).any():
        return math.nan, math.nan
    mean, sd = float(diffs.mean()), float(diffs.std(ddof=1))
    half = float(sstats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    return mean - half, mean + half


def _percentiles(draws: np.ndarray, level: float) -> list[Interval]:
    """Per column of ``draws`` (B, S): the central ``level`` percentile interval of the
    defined values; NaN where none."""
    out = []
    for col in draws.T:
        col = col[~np.isnan(col)]
        if not col.size:
            out.append((math.nan, math.nan))
            continue
        lo, hi = np.percentile(col, [50 * (1 - level), 50 * (1 + level)])
        out.append((float(lo), float(hi)))
    return out


def _video_table(a: Sequence[EvalResult], b: Sequence[EvalResult]) -> pd.DataFrame:
    def mean_ap(results: Sequence[EvalResult]) -> pd.Series:
        tables = [r.breakdowns["video-ap"].set_index("video_id")["AP"] for r in results]
        return pd.concat(tables, axis=1).mean(axis=1)

    df = pd.DataFrame({"AP_a": mean_ap(a), "AP_b": mean_ap(b)})
    df["delta"] = df.AP_b - df.AP_a
    df = df.reset_index().rename(columns={"index": "video_id"})
    order = np.lexsort((df.video_id.to_numpy(), -df.delta.abs().fillna(-1).to_numpy()))
    return df.iloc[order].reset_index(drop=True)[["video_id", "AP_a", "AP_b", "delta"]]


def compare_results(a: Sequence[EvalResult], b: Sequence[EvalResult], *, seed: int = 0,
                    resamples: int = DEFAULT_RESAMPLES, level: float = LEVEL) -> Comparison:
    """``Comparison`` of evaluations already run with ``breakdowns=("video-ap",
    "video-curves")`` on one ground truth; ``a[i]`` and ``b[i]`` are paired.

    Raises:
        ValueError: empty or unequal sides, a missing breakdown, different video sets.
    """
    if not a or len(a) != len(b):
        raise ValueError(f"need the same number (>= 1) of files per side, got {len(a)} and "
                         f"{len(b)}")
    missing = [n for r in (*a, *b) for n in _NEEDED if n not in r.breakdowns]
    if missing:
        raise ValueError(f"evaluate with breakdowns={_NEEDED} first ({missing[0]!r} missing)")
    pools = [pool_curves(list(r.breakdowns["video-curves"].curves), r.params) for r in (*a, *b)]
    if any(not np.array_equal(p.video_ids, pools[0].video_ids) for p in pools):
        raise ValueError("the results were evaluated on different videos")
    weights = video_weights(len(pools[0].video_ids), resamples, np.random.default_rng(seed))
    draws = [resampled_stats(p, weights) for p in pools]                          # (B, 12) each
    n = len(a)
    boot = np.mean(draws[n:], axis=0) - np.mean(draws[:n], axis=0)                 # (B, 12)
    sa, sb = np.stack([_stats_array(r) for r in a]), np.stack([_stats_array(r) for r in b])
    boot_iv = dict(zip(STAT_KEYS, _percentiles(boot, level)))
    seed_iv = (dict(zip(STAT_KEYS, (_t_interval(sb[:, j] - sa[:, j], level)
                                    for j in range(len(STAT_KEYS))))) if n > 1 else None)

    def std(x: np.ndarray) -> dict[str, float]:
        return dict(zip(STAT_KEYS, (x.std(0, ddof=1) if n > 1 else np.full(x.shape[1], np.nan))
                        .tolist()))

    return Comparison(
        a=dict(zip(STAT_KEYS, sa.mean(0).tolist())), b=dict(zip(STAT_KEYS, sb.mean(0).tolist())),
        a_std=std(sa), b_std=std(sb), delta=dict(zip(STAT_KEYS, (sb - sa).mean(0).tolist())),
        interval=seed_iv if seed_iv is not None else boot_iv,
        interval_kind="seeds" if seed_iv is not None else "bootstrap",
        bootstrap_interval=boot_iv, seed_interval=seed_iv, videos=_video_table(a, b),
        n_files=n, resamples=resamples, seed=seed, level=level)


def evaluate_pooled(parts: Sequence[tuple[Dataset, Sequence[PredTrack]]]) -> EvalResult:
    """One evaluation of several (ground truth, predictions) parts as one video set (ids moved
    apart, ``vistoolkit.data.pool``), with the breakdowns ``compare_results`` needs."""
    gt, preds = pool(parts)
    return evaluate(gt, preds, allow_empty=True, breakdowns=_NEEDED)


def compare(gt: Dataset | Path | str, a: Sequence[Predictions], b: Sequence[Predictions], *,
            seed: int = 0, resamples: int = DEFAULT_RESAMPLES, level: float = LEVEL,
            lenient: bool = False, allow_empty: bool = False, workers: int = 1) -> Comparison:
    """Evaluate every file of ``a`` and ``b`` against ``gt`` (official protocol) and compare
    B over A (``compare_results``); ``a[i]`` pairs with ``b[i]`` (e.g. the same seed).

    Raises:
        InputError: unequal or empty sides, or an input problem in any file.
    """
    if not a or len(a) != len(b):
        raise InputError(f"give the same number of result files for A and B (got {len(a)} "
                         f"and {len(b)})", where="compare")
    gt_ds = gt if isinstance(gt, Dataset) else load_gt(gt)[0]

    def run(pred: Predictions) -> EvalResult:
        return evaluate(gt_ds, pred, lenient=lenient, allow_empty=allow_empty, workers=workers,
                        breakdowns=_NEEDED)

    return compare_results([run(p) for p in a], [run(p) for p in b], seed=seed,
                           resamples=resamples, level=level)


def format_comparison(comp: Comparison, *, videos: int = 10) -> str:
    """Stats table (percent): A, B, Δ and its interval; then the videos that changed most."""
    def pct(x: float) -> str:
        return "-" if math.isnan(x) else f"{100 * x:.1f}"

    def pm(mean: float, sd: float) -> str:
        return pct(mean) if math.isnan(sd) else f"{pct(mean)} ± {pct(sd)}"

    kind = (f"paired bootstrap over videos, {comp.resamples} resamples, seed {comp.seed}"
            if comp.interval_kind == "bootstrap"
            else f"Student t over {comp.n_files} paired files")
    several = comp.n_files > 1
    width = 12 if several else 5
    head = f"{'stat':<5} | {'A':>{width}} | {'B':>{width}} | {'Δ':>6} | interval"
    lines = [f"B - A with {100 * comp.level:g} % intervals ({kind})",
             head + (f"{'':<8} | video bootstrap ({comp.resamples})" if several else "")]
    for k in STAT_KEYS:
        d = comp.delta[k]
        sign = "" if math.isnan(d) or d < 0 else "+"
        row = (f"{k:<5} | {pm(comp.a[k], comp.a_std[k]):>{width}} | "
               f"{pm(comp.b[k], comp.b_std[k]):>{width}} | {sign + pct(d):>6} | ")
        iv = f"[{pct(comp.interval[k][0])}, {pct(comp.interval[k][1])}]"
        boot = comp.bootstrap_interval[k]
        lines.append(row + (f"{iv:<16} | [{pct(boot[0])}, {pct(boot[1])}]" if several else iv))
    lines += ["", "videos whose AP changed most (AP of the video alone):",
              f"{'video_id':>8} | {'AP A':>5} | {'AP B':>5} | {'Δ':>6}"]
    for r in comp.videos.head(videos).itertuples():
        sign = "" if math.isnan(r.delta) or r.delta < 0 else "+"
        lines.append(f"{r.video_id:>8} | {pct(r.AP_a):>5} | {pct(r.AP_b):>5} | "
                     f"{sign + pct(r.delta):>6}")
    return "\n".join(lines)
