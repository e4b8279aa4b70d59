"""The evaluation pipeline after input checks: IoU blocks, then matching and accumulation."""

from __future__ import annotations

import dataclasses

import numpy as np

from vistoolkit.eval.accumulate import Accumulated, accumulate
from vistoolkit.eval.matching import Block, classify, match_blocks
from vistoolkit.eval.params import EvalParams
from vistoolkit.eval.tables import EvalTables
from vistoolkit.eval.video_iou import VideoOverlaps


@dataclasses.dataclass(frozen=True, slots=True)
class Prepared:
    """Per-video overlaps and flat tables, enough to re-match under other ranges or subsets."""

    tables: EvalTables
    overlaps: tuple[VideoOverlaps, ...]
    blocks: tuple[Block, ...]
    det_avg_area: np.ndarray   # (Nd,) float64
    det_frames: np.ndarray     # (Nd,) int64 non-empty frames
    gt_frames: np.ndarray      # (Ng,) int64 non-empty frames


@dataclasses.dataclass(frozen=True, slots=True)
class Matching:
    """Official greedy matching of every kept prediction under A ranges (``evaluateVid``).

    Rows are those of the GT table (Ng) and prediction table (Nd); T IoU thresholds.
    """

    gt_ignore: np.ndarray   # (A, Ng) bool: crowd, or outside range a
    det_out: np.ndarray     # (A, Nd) bool: prediction outside range a
    match: np.ndarray       # (A, T, Nd) int64 GT table row matched, -1 if none
    tp: np.ndarray          # (A, T, Nd) bool true positive
    fp: np.ndarray          # (A, T, Nd) bool false positive (neither tp nor fp: ignored)


def prepare(tables: EvalTables, overlaps: list[VideoOverlaps]) -> Prepared:
    """Blocks of video IoU of every (prediction, GT) pair of the same video and category.

    ``overlaps``: one ``VideoOverlaps`` per ``tables.videos`` entry, in order
    (``vistoolkit.eval.overlap_phase.compute_overlaps``).
    """
    n_det, n_gt = len(tables.det.index), len(tables.gt.ids)
    det_area, det_frames = np.zeros(n_det), np.zeros(n_det, dtype=np.int64)
    gt_frames = np.zeros(n_gt, dtype=np.int64)
    blocks = []
    for item, ov in zip(tables.videos, overlaps):
        det_area[item.det_rows] = ov.det_avg_area
        det_frames[item.det_rows] = ov.det_frames
        gt_frames[item.gt_rows] = ov.gt_frames
        d_cat = tables.det.cat_index[item.det_rows]
        g_cat = tables.gt.cat_index[item.gt_rows]
        for k in np.intersect1d(d_cat, g_cat):
            di, gi = np.flatnonzero(d_cat == k), np.flatnonzero(g_cat == k)
            blocks.append(Block(ov.iou[np.ix_(di, gi)], item.det_rows[di], item.gt_rows[gi]))
    return Prepared(tables, tuple(overlaps), tuple(blocks), det_area, det_frames, gt_frames)


def match(prep: Prepared, params: EvalParams, *, gt_out: np.ndarray,
          det_out: np.ndarray) -> Matching:
    """Official matching with per-range exclusion flags.

    Args:
        gt_out: (A, Ng) bool, GT outside range a (ignored there, like crowd GT).
        det_out: (A, Nd) bool, prediction outside range a (ignored there when unmatched).
    """
    gt, det = prep.tables.gt, prep.tables.det
    gt_ignore = gt_out | gt.crowd[None, :]                                 # (A, Ng)
    matched = match_blocks(list(prep.blocks), gt_ignore=gt_ignore, gt_crowd=gt.crowd,
                           thrs=params.match_thrs, n_det=len(det.index))  # (A, T, Nd)
    tp, fp = classify(matched, gt_ids=gt.ids, gt_ignore=gt_ignore, det_out=det_out)
    return Matching(gt_ignore, det_out, matched, tp, fp)


def accumulate_matching(prep: Prepared, params: EvalParams, matching: Matching) -> Accumulated:
    """Official accumulation over videos per category, range and maxDets of one matching."""
    gt, det = prep.tables.gt, prep.tables.det
    gt_ignore = matching.gt_ignore
    n_cat = len(prep.tables.category_ids)
    num_gt = np.zeros((n_cat, gt_ignore.shape[0]), dtype=np.int64)        # (K, A)
    for a in range(gt_ignore.shape[0]):
        num_gt[:, a] = np.bincount(gt.cat_index[~gt_ignore[a]], minlength=n_cat)
    bounds = np.searchsorted(det.cat_index, np.arange(n_cat + 1), side="left")
    return accumulate(matching.tp, matching.fp, score=det.score, rank=det.rank, cat_bounds=bounds,
                      num_gt=num_gt, max_dets=params.max_dets, rec_thrs=params.rec_thrs)


def match_and_accumulate(prep: Prepared, params: EvalParams, *, gt_out: np.ndarray,
                         det_out: np.ndarray) -> Accumulated:
    """``match`` then ``accumulate_matching`` (flags as in ``match``)."""
    return accumulate_matching(prep, params, match(prep, params, gt_out=gt_out, det_out=det_out))
