"""The 12 official stats of resampled video sets, from one evaluation's matching.

A resample draws V videos with replacement; a video drawn w times counts w times (its
predictions and GT repeated, as if it were w distinct videos). With weights w (B, V) the
official accumulation needs no new matching: per category, the score-ordered list of kept
predictions stays in the same order, and cumulative TP / FP counts and the GT total are weighted
sums. Copies of one prediction sit next to each other, so the interpolated precision equals that
of the expanded list; with every weight 1 the stats are the official ones (to summation order).

Axes: B resamples, V videos, N kept predictions, K categories, A area ranges, T IoU thresholds,
R recall thresholds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vistoolkit.eval.metrics.video_curves import VideoCurves
from vistoolkit.eval.params import EvalParams
from vistoolkit.eval.summary import STAT_KEYS

# stat -> (is AP, IoU threshold or None for all, area label, maxDets), as ``summarize``
_STATS: dict[str, tuple[bool, float | None, str, int]] = {
    "AP": (True, None, "all", 100), "AP50": (True, 0.5, "all", 100),
    "AP75": (True, 0.75, "all", 100), "APs": (True, None, "small", 100),
    "APm": (True, None, "medium", 100), "APl": (True, None, "large", 100),
    "AR1": (False, None, "all", 1), "AR10": (False, None, "all", 10),
    "AR100": (False, None, "all", 100), "ARs": (False, None, "small", 100),
    "ARm": (False, None, "medium", 100), "ARl": (False, None, "large", 100),
}


@dataclass(frozen=True, slots=True)
class PooledCurves:
    """One result file's ``VideoCurves`` flattened, rows in the official order per category.

    Attributes:
        video_ids: (V,) ids, ascending. row_video: (N,) int64 position of each row's video.
        rank: (N,) int64. tp, fp: (A, T, N) bool.
        cat_bounds: (K + 1,) row offsets of each category.
        num_gt: (V, K, A) int64 non-ignored GT per video, category, area range.
        params: the evaluation's parameters (thresholds, area labels, maxDets).
    """

    video_ids: np.ndarray
    row_video: np.ndarray
    rank: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    cat_bounds: np.ndarray
    num_gt: np.ndarray
    params: EvalParams


def pool_curves(curves: Sequence[VideoCurves], params: EvalParams) -> PooledCurves:
    """Flatten per-video curves (video id order) into the official accumulation order:
    per category, videos in id order, each by rank, then a stable sort by score."""
    n_cat, n_area = curves[0].num_gt.shape if curves else (0, len(params.area_labels))
    n_thr = len(params.iou_thrs)
    video = np.concatenate([np.full(len(c.category), i, dtype=np.int64)
                            for i, c in enumerate(curves)] or [np.zeros(0, np.int64)])
    cat = np.concatenate([c.category for c in curves] or [np.zeros(0, np.int64)])
    rank = np.concatenate([c.rank for c in curves] or [np.zeros(0, np.int64)])
    score = np.concatenate([c.score for c in curves] or [np.zeros(0)])
    tp = np.concatenate([c.tp for c in curves] or [np.zeros((n_area, n_thr, 0), bool)], axis=2)
    fp = np.concatenate([c.fp for c in curves] or [np.zeros((n_area, n_thr, 0), bool)], axis=2)
    order = np.lexsort((rank, video, cat))              # (category, video, rank)
    order = order[np.lexsort((-score[order], cat[order]))]  # stable by score within category
    bounds = np.searchsorted(cat[order], np.arange(n_cat + 1), side="left")
    num_gt = (np.stack([c.num_gt for c in curves]) if curves
              else np.zeros((0, n_cat, n_area), dtype=np.int64))
    return PooledCurves(np.array([c.video_id for c in curves], dtype=np.int64), video[order],
                        rank[order], tp[:, :, order], fp[:, :, order], bounds, num_gt, params)


def video_weights(n_videos: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """(B, V) float64 multiplicities of ``resamples`` draws of ``n_videos`` videos with
    replacement."""
    draws = rng.integers(0, n_videos, size=(resamples, n_videos))                 # (B, V)
    offsets = np.arange(resamples)[:, None] * n_videos
    return np.bincount((draws + offsets).ravel(),
                       minlength=resamples * n_videos).reshape(resamples, n_videos).astype(float)


def _precision_means(tp_rows: np.ndarray, fp: np.ndarray, weights: np.ndarray,
                     num_gt: np.ndarray, rec_thrs: np.ndarray) -> np.ndarray:
    """(B,) mean over R of the official interpolated precision of one category, threshold,
    area range and maxDets.

    Only the true positives matter: recall rises at them, precision falls between them, so
    the precision interpolated at recall r (the best precision at recall >= r) is the best
    precision among the TP points whose recall reaches r, 0 if none does.

    Args:
        tp_rows: (P,) positions of the TP rows among the n score-ordered rows.
        fp: (n,) float 1 where a row is an FP.
        weights: (B, n) each row's weight (its video's) in each resample.
        num_gt: (B,) weighted GT totals, > 0. rec_thrs: (R,).
    """
    tp_sum = np.cumsum(weights[:, tp_rows], axis=1)                                # (B, P)
    fp_sum = np.cumsum(weights * fp, axis=1)[:, tp_rows]                          # (B, P)
    rc = tp_sum / num_gt[:, None]
    pr = tp_sum / (tp_sum + fp_sum + np.spacing(1))                                # official
    env = np.maximum.accumulate(pr[:, ::-1], axis=1)[:, ::-1]                      # (B, P)
    # thresholds r with rc[p-1] < r <= rc[p] take env[p] (official searchsorted 'left');
    # those above the last recall take 0
    reached = np.searchsorted(rec_thrs, rc.ravel(), side="right").reshape(rc.shape)  # (B, P)
    takes = np.diff(reached, axis=1, prepend=0)                                    # (B, P)
    return (env * takes).sum(1) / len(rec_thrs)


def _category_curves(pool: PooledCurves, weights: np.ndarray, k: int, a: int, max_det: int,
                     precision: bool) -> tuple[np.ndarray, np.ndarray]:
    """(B, T) precision means (NaN if not ``precision``) and final recalls of category k at
    area a, maxDets ``max_det``; NaN rows where a resample has no GT."""
    lo, hi = pool.cat_bounds[k], pool.cat_bounds[k + 1]
    rows = np.flatnonzero(pool.rank[lo:hi] < max_det) + lo
    n_b, n_t = len(weights), pool.tp.shape[1]
    # einsum, not BLAS: small products, and threaded BLAS crawls on a busy machine
    num_gt = np.einsum("bv,v->b", weights, pool.num_gt[:, k, a].astype(float))     # (B,)
    w = weights[:, pool.row_video[rows]]                                           # (B, n)
    tp, fp = pool.tp[a][:, rows], pool.fp[a][:, rows]                              # (T, n)
    recall = np.einsum("bn,tn->bt", w, tp.astype(float)) / np.maximum(num_gt, 1)[:, None]
    prec = np.full((n_b, n_t), np.nan)
    ok = num_gt > 0
    if precision and ok.any():
        for t in range(n_t):
            prec[ok, t] = _precision_means(np.flatnonzero(tp[t]), fp[t].astype(float),
                                           w[ok], num_gt[ok], pool.params.rec_thrs)
    recall[~ok] = np.nan
    return prec, recall


def _stacked(pool: PooledCurves, weights: np.ndarray, a: int, max_det: int,
             precision: bool) -> tuple[np.ndarray, np.ndarray]:
    """(B, T, K) precision means and recalls of every category at area a, ``max_det``."""
    per_cat = [_category_curves(pool, weights, k, a, max_det, precision)
               for k in range(len(pool.cat_bounds) - 1)]
    empty = np.full((len(weights), len(pool.params.iou_thrs), 0), np.nan)
    if not per_cat:
        return empty, empty
    return np.stack([p for p, _ in per_cat], axis=-1), np.stack([r for _, r in per_cat], axis=-1)


def resampled_stats(pool: PooledCurves, weights: np.ndarray,
                    keys: Sequence[str] = STAT_KEYS) -> np.ndarray:
    """(B, len(keys)) official stats (``STAT_KEYS`` names) for video weights (B, V); NaN where
    a stat has no GT in a resample (or its area range / maxDets is not evaluated)."""
    params = pool.params
    cache: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = {}
    out = np.full((len(weights), len(keys)), np.nan)
    for j, key in enumerate(keys):
        is_ap, thr, area, max_det = _STATS[key]
        if area not in params.area_labels or max_det not in params.max_dets:
            continue
        if (area, max_det) not in cache:
            cache[area, max_det] = _stacked(pool, weights, params.area_labels.index(area),
                                            max_det, max_det == max(params.max_dets))
        values = cache[area, max_det][0 if is_ap else 1]                           # (B, T, K)
        if thr is not None:
            values = values[:, np.isclose(params.iou_thrs, thr, rtol=0, atol=1e-12)]
        flat = values.reshape(len(weights), -1)                                    # (B, T*K)
        defined = (~np.isnan(flat)).sum(1)
        out[:, j] = np.where(defined > 0, np.nansum(flat, 1) / np.maximum(defined, 1), np.nan)
    return out
