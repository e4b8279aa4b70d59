"""Precision/recall arrays of the official ``YTVOSeval.accumulate``, vectorised."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Accumulated:
    """Official ``eval`` arrays, with NaN where the official has -1 (a setting without
    non-ignored GT).

    precision: (T, R, K, A, M); recall: (T, K, A, M); scores: (T, R, K, A, M).
    Axes: T IoU thresholds, R recall thresholds, K categories, A area ranges, M maxDets.
    """

    precision: np.ndarray
    recall: np.ndarray
    scores: np.ndarray


def pr_at_thresholds(tp_sum: np.ndarray, fp_sum: np.ndarray, scores: np.ndarray, num_gt: int,
                     rec_thrs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Interpolated precision, recall and score at each recall threshold (official formulas).

    Args:
        tp_sum, fp_sum: (T, n) float64 cumulative counts over score-sorted predictions.
        scores: (n,) sorted scores. num_gt: non-ignored GT count (> 0). rec_thrs: (R,).

    Returns:
        q: (T, R) precision, 0 past the highest recall reached; rec: (T,) final recall;
        ss: (T, R) scores at the same points.
    """
    n_thr, n = tp_sum.shape
    q = np.zeros((n_thr, len(rec_thrs)))
    ss = np.zeros((n_thr, len(rec_thrs)))
    if n == 0:
        return q, np.zeros(n_thr), ss
    rc = tp_sum / num_gt                                                 # (T, n)
    pr = tp_sum / (fp_sum + tp_sum + np.spacing(1))                      # (T, n)
    pr = np.maximum.accumulate(pr[:, ::-1], axis=1)[:, ::-1]             # monotone envelope
    for t in range(n_thr):
        inds = np.searchsorted(rc[t], rec_thrs, side="left")             # (R,)
        ok = inds < n
        q[t, ok] = pr[t, inds[ok]]
        ss[t, ok] = scores[inds[ok]]
    return q, rc[:, -1], ss


def accumulate(tp: np.ndarray, fp: np.ndarray, *, score: np.ndarray, rank: np.ndarray,
               cat_bounds: np.ndarray, num_gt: np.ndarray, max_dets: tuple[int, ...],
               rec_thrs: np.ndarray) -> Accumulated:
    """Official accumulation over videos per category, area range and maxDets.

    Args:
        tp, fp: (A, T, Nd) bool per prediction, rows ordered by (category, video id, rank).
        score: (Nd,) scores. rank: (Nd,) rank within its (video, category).
        cat_bounds: (K + 1,) row offsets of each category in the prediction table.
        num_gt: (K, A) non-ignored GT counts (``npig``); 0 leaves the setting at NaN.
        max_dets: (M,) cuts per (video, category). rec_thrs: (R,).
    """
    n_area, n_thr, _ = tp.shape
    n_cat, n_rec, n_m = len(cat_bounds) - 1, len(rec_thrs), len(max_dets)
    precision = np.full((n_thr, n_rec, n_cat, n_area, n_m), np.nan)
    recall = np.full((n_thr, n_cat, n_area, n_m), np.nan)
    scores = np.full((n_thr, n_rec, n_cat, n_area, n_m), np.nan)
    for k in range(n_cat):
        if not (num_gt[k] > 0).any():
            continue
        lo, hi = cat_bounds[k], cat_bounds[k + 1]
        for m, max_det in enumerate(max_dets):
            sel = np.flatnonzero(rank[lo:hi] < max_det) + lo
            order = sel[np.argsort(-score[sel], kind="mergesort")]       # stable, as officially
            tp_sum = np.cumsum(tp[:, :, order], axis=2).astype(np.float64)  # (A, T, n)
            fp_sum = np.cumsum(fp[:, :, order], axis=2).astype(np.float64)
            for a in range(n_area):
                if num_gt[k, a] == 0:
                    continue
                q, rec, ss = pr_at_thresholds(tp_sum[a], fp_sum[a], score[order],
                                              int(num_gt[k, a]), rec_thrs)
                precision[:, :, k, a, m] = q
                recall[:, k, a, m] = rec
                scores[:, :, k, a, m] = ss
    return Accumulated(precision, recall, scores)
