"""AP at one IoU threshold after fixing TIVE errors, with the official accumulation.

The official AP of one threshold (area all, largest maxDets) is recomputed from the official
true/false positives after a fix (TIDE ``TIDERun.fix_errors``): an error's prediction is
removed or turned into a true positive (possibly of another category), a Miss removes its GT.
dAP of an error type = AP with only that type fixed - AP as it is.

Axes: N kept predictions of the whole evaluation, Ng evaluated GT tracks, K categories,
R recall thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from vistoolkit.eval.accumulate import pr_at_thresholds
from vistoolkit.eval.tive import BKG, BOTH, CLS, DUPE, MAIN_ERRORS, MISS, SPAT, TEMP

_MOVED = (CLS, SPAT, TEMP)      # fixed by becoming a TP (the best one per GT) or removed
_REMOVED = (DUPE, BOTH, BKG)    # fixed by removing the prediction


@dataclass(frozen=True, slots=True)
class ApRows:
    """Every kept prediction and GT track of an evaluation, flattened over videos.

    Attributes:
        category, score, video, file_index: (N,) a prediction's category index, score, video
            id and position in the result file (ties: video id, then file order, as officially).
        tp, fp: (N,) bool official true / false positives (neither: ignored, out of the list).
        error, fix_category, fix_tp: (N,) ``VideoErrors`` fields.
        gt_category: (Ng,) int64. gt_valid: (Ng,) bool, counted in the GT total (not crowd).
        gt_missed, gt_unmatched: (Ng,) bool ``VideoErrors`` fields.
    """

    category: np.ndarray
    score: np.ndarray
    video: np.ndarray
    file_index: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    error: np.ndarray
    fix_category: np.ndarray
    fix_tp: np.ndarray
    gt_category: np.ndarray
    gt_valid: np.ndarray
    gt_missed: np.ndarray
    gt_unmatched: np.ndarray


def ap_one_threshold(category: np.ndarray, score: np.ndarray, video: np.ndarray,
                     file_index: np.ndarray, tp: np.ndarray, keep: np.ndarray,
                     num_gt: np.ndarray, rec_thrs: np.ndarray) -> float:
    """Official AP of one threshold: per category with GT, the interpolated precision at the
    ``rec_thrs`` (R,), of the kept rows (``keep`` (N,) bool; ``tp`` (N,) bool, the rest FPs)
    sorted by score (ties: video id, file order); mean over the (R, K) entries of categories
    with GT (as ``summarize``); NaN if no category has GT."""
    n_cat = len(num_gt)
    precision = np.full((1, len(rec_thrs), n_cat), np.nan)                       # (1, R, K)
    rows = np.flatnonzero(keep)
    rows = rows[np.lexsort((file_index[rows], video[rows], -score[rows], category[rows]))]
    bounds = np.searchsorted(category[rows], np.arange(n_cat + 1), side="left")
    for k in np.flatnonzero(num_gt > 0).tolist():
        r = rows[bounds[k]:bounds[k + 1]]
        hits = tp[r].astype(np.float64)
        tp_sum, fp_sum = np.cumsum(hits)[None, :], np.cumsum(1.0 - hits)[None, :]   # (1, n)
        precision[0, :, k] = pr_at_thresholds(tp_sum, fp_sum, score[r], int(num_gt[k]),
                                              rec_thrs)[0][0]
    valid = precision[~np.isnan(precision)]
    return float(np.mean(valid)) if valid.size else float("nan")


def _num_gt(rows: ApRows, n_cat: int, removed: np.ndarray | None = None) -> np.ndarray:
    counted = rows.gt_valid if removed is None else rows.gt_valid & ~removed
    return np.bincount(rows.gt_category[counted], minlength=n_cat)                  # (K,)


def fixed_ap(rows: ApRows, fix: frozenset[int] | str, *, n_cat: int,
             rec_thrs: np.ndarray) -> float:
    """AP after fixing the main error codes in ``fix`` (empty: as it is), or a special error
    (``"FalsePos"``: every FP removed; ``"FalseNeg"``: every unmatched GT removed)."""
    keep = rows.tp | rows.fp
    tp, category = rows.tp.copy(), rows.category.copy()
    num_gt = _num_gt(rows, n_cat)
    if fix == "FalsePos":
        keep = rows.tp.copy()
    elif fix == "FalseNeg":
        num_gt = _num_gt(rows, n_cat, rows.gt_unmatched)
    else:
        for code in fix:
            sel = rows.error == code
            if code in _MOVED:
                keep[sel] = rows.fix_tp[sel]
                tp[sel] = rows.fix_tp[sel]
                category[sel] = rows.fix_category[sel]
            elif code in _REMOVED:
                keep[sel] = False
        if MISS in fix:
            num_gt = _num_gt(rows, n_cat, rows.gt_missed)
    return ap_one_threshold(category, rows.score, rows.video, rows.file_index, tp, keep, num_gt,
                            rec_thrs)


def error_table(rows: ApRows, *, n_cat: int, rec_thrs: np.ndarray) -> list[dict]:
    """One record per error: ``error``, ``kind`` (base / main / special / all), ``count``, ``AP``
    (with that error fixed) and ``dAP`` (AP - base AP)."""
    base = fixed_ap(rows, frozenset(), n_cat=n_cat, rec_thrs=rec_thrs)
    counts = [int((rows.error == c).sum()) for c in range(len(MAIN_ERRORS))]
    counts[MISS] = int(rows.gt_missed.sum())
    out = [{"error": "none", "kind": "base", "count": 0, "AP": base, "dAP": 0.0}]
    for code, name in enumerate(MAIN_ERRORS):
        ap = fixed_ap(rows, frozenset({code}), n_cat=n_cat, rec_thrs=rec_thrs)
        out.append({"error": name, "kind": "main", "count": counts[code], "AP": ap,
                    "dAP": ap - base})
    specials = (("FalsePos", int(rows.fp.sum())), ("FalseNeg", int(rows.gt_unmatched.sum())))
    for name, count in specials:
        ap = fixed_ap(rows, name, n_cat=n_cat, rec_thrs=rec_thrs)
        out.append({"error": name, "kind": "special", "count": count, "AP": ap, "dAP": ap - base})
    ap = fixed_ap(rows, frozenset(range(len(MAIN_ERRORS))), n_cat=n_cat, rec_thrs=rec_thrs)
    out.append({"error": "all", "kind": "all", "count": sum(counts), "AP": ap, "dAP": ap - base})
    return out


def concat_rows(parts: list[ApRows]) -> ApRows:
    """The rows of several videos, in order."""
    if not parts:
        raise ValueError("no rows to concatenate")
    first = parts[0]
    return replace(first, **{f: np.concatenate([getattr(p, f) for p in parts])
                             for f in first.__dataclass_fields__})
