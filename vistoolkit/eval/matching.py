"""Greedy per-(video, category) matching of the official ``YTVOSeval.evaluateVid``, batched.

Official rule, per IoU threshold t and per prediction in score order: among GTs still free (a
crowd GT never gets taken) with IoU >= min(t, 1 - 1e-10), take the one with the highest IoU,
the later one in GT order on ties (``<`` test, quirk 7); a non-ignored GT always beats an ignored
one (GTs are sorted ignored-last and the loop breaks there). Predictions are processed one rank
at a time, vectorised over blocks, area ranges and thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Block:
    """One (video, category) with both predictions and GT."""

    iou: np.ndarray       # (D, G) float64, rows in score order, columns in GT file order
    det_rows: np.ndarray  # (D,) rows of the prediction table
    gt_rows: np.ndarray   # (G,) rows of the GT table


def _bucket(blocks: list[tuple[Block, np.ndarray]], gt_ignore: np.ndarray, gt_crowd: np.ndarray,
            thrs: np.ndarray, out: np.ndarray) -> None:
    """Match blocks whose G fits one padded width; ``blocks`` pairs a block with its candidate
    rows (sorted by candidate count, descending). Writes GT table rows into ``out`` (A, T, Nd)."""
    n_area, n_thr = gt_ignore.shape[0], len(thrs)
    n_blk = len(blocks)
    width = max(b.iou.shape[1] for b, _ in blocks)
    n_cand = max(len(c) for _, c in blocks)
    ious = np.full((n_blk, n_cand, width), -1.0)                        # (P, C, Gp)
    det_rows = np.full((n_blk, n_cand), -1, dtype=np.int64)             # (P, C)
    gt_rows = np.zeros((n_blk, width), dtype=np.int64)                  # (P, Gp)
    crowd = np.zeros((n_blk, width), dtype=bool)                        # (P, Gp)
    ignored = np.ones((n_blk, n_area, width), dtype=bool)               # (P, A, Gp)
    counts = np.zeros(n_blk, dtype=np.int64)
    for p, (b, cand) in enumerate(blocks):
        g = b.iou.shape[1]
        ious[p, :len(cand), :g] = b.iou[cand]
        det_rows[p, :len(cand)] = b.det_rows[cand]
        gt_rows[p, :g] = b.gt_rows
        crowd[p, :g] = gt_crowd[b.gt_rows]
        ignored[p, :, :g] = gt_ignore[:, b.gt_rows]
        counts[p] = len(cand)
    taken = np.zeros((n_blk, n_area, n_thr, width), dtype=bool)        # (P, A, T, Gp)
    match = np.full((n_blk, n_area, n_thr, n_cand), -1, dtype=np.int64)  # (P, A, T, C)
    for j in range(n_cand):
        n = int((counts > j).sum())                                     # active prefix
        row = ious[:n, j][:, None, None, :]                             # (n, 1, 1, Gp)
        free = ~taken[:n] | crowd[:n, None, None, :]                    # (n, A, T, Gp)
        valid = free & (row >= thrs[None, None, :, None])
        ign = ignored[:n, :, None, :]                                   # (n, A, 1, Gp)
        regular = valid & ~ign
        cand = np.where(regular.any(-1, keepdims=True), regular, valid & ign)
        vals = np.where(cand, row, -np.inf)
        hit = cand & (vals == vals.max(-1, keepdims=True))
        last = width - 1 - np.argmax(hit[..., ::-1], axis=-1)           # (n, A, T)
        found = cand.any(-1)
        match[:n, :, :, j] = np.where(found, last, -1)
        pi, ai, ti = np.nonzero(found)
        taken[pi, ai, ti, last[pi, ai, ti]] = True
    has = det_rows >= 0                                                 # (P, C)
    m = match.transpose(0, 3, 1, 2)[has]                                # (Nc, A, T)
    p_of = np.nonzero(has)[0]                                           # (Nc,)
    glob = np.where(m >= 0, gt_rows[p_of[:, None, None], np.maximum(m, 0)], -1)
    out[:, :, det_rows[has]] = glob.transpose(1, 2, 0)


def match_blocks(blocks: list[Block], *, gt_ignore: np.ndarray, gt_crowd: np.ndarray,
                 thrs: np.ndarray, n_det: int) -> np.ndarray:
    """Official greedy matching of all blocks.

    Args:
        blocks: (video, category) pairs with both predictions and GT.
        gt_ignore: (A, Ng) bool, crowd or outside the range (``gtIgnore`` per range).
        gt_crowd: (Ng,) bool, a crowd GT can be matched any number of times.
        thrs: (T,) matching thresholds ``min(t, 1 - 1e-10)``.
        n_det: Nd, rows of the prediction table.

    Returns:
        (A, T, Nd) int64: GT table row matched by each prediction, -1 if none.
    """
    out = np.full((gt_ignore.shape[0], len(thrs), n_det), -1, dtype=np.int64)
    lowest = float(np.min(thrs)) if len(thrs) else np.inf
    buckets: dict[int, list[tuple[Block, np.ndarray]]] = {}
    for b in blocks:
        cand = np.flatnonzero(b.iou.max(1) >= lowest)   # rows that can match at some threshold
        if len(cand):
            width = 1 << int(b.iou.shape[1] - 1).bit_length()
            buckets.setdefault(width, []).append((b, cand))
    for items in buckets.values():
        items.sort(key=lambda x: -len(x[1]))
        _bucket(items, gt_ignore, gt_crowd, thrs, out)
    return out


def classify(match: np.ndarray, *, gt_ids: np.ndarray, gt_ignore: np.ndarray,
             det_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """True/false positives as in the official ``evaluateVid`` + ``accumulate``.

    A prediction matched to a GT with id 0 counts as unmatched (``dtMatches`` 0, quirk 13); a
    match to an ignored GT is ignored; an unmatched prediction outside the range is ignored.

    Args:
        match: (A, T, Nd) GT rows or -1.
        gt_ids: (Ng,) annotation ids. gt_ignore: (A, Ng) bool. det_out: (A, Nd) bool.

    Returns:
        tp, fp: (A, T, Nd) bool.
    """
    matched = match >= 0
    if gt_ids.size == 0:                                                 # nothing to match
        gt_ids, gt_ignore = np.zeros(1, np.int64), np.zeros((match.shape[0], 1), bool)
    g = np.maximum(match, 0)
    dtm = matched & (gt_ids[g] != 0)                                     # (A, T, Nd)
    a_idx = np.arange(match.shape[0])[:, None, None]
    dt_ig = (matched & gt_ignore[a_idx, g]) | (~dtm & det_out[:, None, :])
    return dtm & ~dt_ig, ~dtm & ~dt_ig
