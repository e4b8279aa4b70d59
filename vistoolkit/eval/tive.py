"""TIVE error types (Jia et al. 2022, built on TIDE) of one video, on the official matching.

Every official false positive at one IoU threshold (``pos``, 0.5 by default), area all,
largest maxDets, gets one error type, tested in TIVE's order (``tivecv/quantify.py``,
``TIVERun._eval_image`` @ 0566d9a):

1. Bkg: the video has no non-crowd GT at all.
2. Spat / Temp: its best video IoU with a GT of its own category lies in [``bg``, ``pos``]; of
   the frames where the prediction (non-empty mask) or that GT (not None) is present, the share
   whose mask IoU exceeds ``spatial`` (0.1) is >= ``temporal`` (0.7): Spat, else Temp.
3. Cls: its best video IoU with a GT of another category is >= ``pos``.
4. Dupe: its best IoU with an already matched GT of its category is >= ``pos``.
5. Bkg: its best IoU with any GT is <= ``bg`` (0.1).
6. Both: anything else.

A non-crowd GT that no prediction matched is Miss unless a Cls, Spat or Temp error points at
it. Fixing (TIDE ``Error.fix`` / ``BestGTMatch``): a Cls, Spat or Temp error whose GT is still
unmatched becomes a true positive of that GT's category, the highest-scoring one per GT only
(ties: file order); the others, and every Dupe, Bkg and Both, are removed; a Miss removes its GT.

Differences from TIVE itself (its matching, crowd and AP rules are not used): the classified
predictions are the official false positives (a prediction matched to a crowd GT is ignored, not
an error), and "matched" means matched by the official greedy per-(video, category) matching.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pycocotools import mask as mask_utils

from vistoolkit.data.records import Segmentation, Video
from vistoolkit.data.rle import to_rle
from vistoolkit.eval.metrics.data import VideoData
from vistoolkit.eval.video_iou import agnostic_video_iou

# Main error types in TIVE's order (index = code in ``VideoErrors.det_error``), and the two
# special ones (FalsePos: every FP scored last; FalseNeg: every unmatched GT removed).
MAIN_ERRORS: tuple[str, ...] = ("Cls", "Dupe", "Spat", "Temp", "Both", "Bkg", "Miss")
SPECIAL_ERRORS: tuple[str, ...] = ("FalsePos", "FalseNeg")
CLS, DUPE, SPAT, TEMP, BOTH, BKG, MISS = range(len(MAIN_ERRORS))


@dataclass(frozen=True, slots=True)
class TiveThresholds:
    """TIVE's thresholds: ``pos`` positive IoU, ``bg`` background IoU, ``spatial`` per-frame IoU
    of a covered frame and ``temporal`` covered share for a spatial (not temporal) error."""

    pos: float = 0.5
    bg: float = 0.1
    spatial: float = 0.1
    temporal: float = 0.7


@dataclass(frozen=True, slots=True)
class VideoErrors:
    """One video's errors; D kept predictions and G GT tracks in ``VideoData`` order.

    Attributes:
        det_error: (D,) int64 code into ``MAIN_ERRORS``, -1 for a TP or ignored prediction.
        det_fix_category: (D,) int64 category index the prediction has once fixed (Cls: its GT's).
        det_fix_tp: (D,) bool, the fix turns it into a TP (otherwise the fix removes it).
        gt_missed: (G,) bool Miss errors.
        gt_unmatched: (G,) bool non-crowd GT left unmatched (false negatives).
    """

    det_error: np.ndarray
    det_fix_category: np.ndarray
    det_fix_tp: np.ndarray
    gt_missed: np.ndarray
    gt_unmatched: np.ndarray


def covered_share(pred: tuple[Segmentation, ...], gt: tuple[Segmentation, ...], *, video: Video,
                  spatial: float) -> float:
    """TIVE's temporal overlap: over ``zip(pred, gt)`` frames where the prediction has a
    non-empty mask or the GT is not None, the share whose mask IoU is above ``spatial``."""
    h, w = video.height, video.width
    union = covered = 0
    for p, g in zip(pred, gt):
        p_rle = to_rle(p, h, w) if p else None
        p_on = p_rle is not None and int(mask_utils.area(p_rle)) > 0
        g_on = g is not None
        union += p_on or g_on
        if p_on and g_on:
            iou = float(np.asarray(mask_utils.iou([p_rle], [to_rle(g, h, w)], [0])).reshape(-1)[0])
            covered += iou > spatial
    return covered / union if union else 0.0


def _classify_fp(d: int, video: VideoData, cross: np.ndarray, valid: np.ndarray,
                 used: np.ndarray, thr: TiveThresholds) -> tuple[int, int]:
    """(error code, target GT column or -1) of false positive ``d``; ``cross`` (G,) its video
    IoU with every GT whatever the category."""
    if not valid.any():
        return BKG, -1
    same = (video.gt_category == video.det_category[d]) & valid                     # (G,)
    own = np.where(same, video.iou[d], 0.0)
    g = int(np.argmax(own))
    if thr.bg <= own[g] <= thr.pos:
        share = covered_share(video.preds[d].segmentations, video.gt_tracks[g].segmentations,
                              video=video.video, spatial=thr.spatial)
        return (SPAT if share >= thr.temporal else TEMP), g
    other = np.where(~same & valid, cross, 0.0)
    g = int(np.argmax(other))
    if other[g] >= thr.pos:
        return CLS, g
    if np.where(same & used, video.iou[d], 0.0).max() >= thr.pos:
        return DUPE, -1
    if np.where(valid, np.where(same, video.iou[d], cross), 0.0).max() <= thr.bg:
        return BKG, -1
    return BOTH, -1


def classify_video(video: VideoData, *, t: int, a: int, thr: TiveThresholds) -> VideoErrors:
    """TIVE error types of one video's official matching at IoU threshold index ``t`` and area
    range index ``a`` (``thr.pos`` is that threshold)."""
    n_det, n_gt = len(video.det_rows), len(video.gt_rows)
    valid = ~video.gt_ignore[a]                                                    # (G,)
    match = video.match[a, t]                                                      # (D,)
    used = np.zeros(n_gt, dtype=bool)
    used[match[match >= 0]] = True
    fps = np.flatnonzero(video.fp[a, t])
    error = np.full(n_det, -1, dtype=np.int64)
    fix_cat = video.det_category.copy()
    fix_tp = np.zeros(n_det, dtype=bool)
    usable = np.zeros(n_gt, dtype=bool)
    if len(fps) and n_gt:
        cross = agnostic_video_iou(video.video, video.gt_tracks,
                                   tuple(video.preds[d] for d in fps))              # (F, G)
    else:
        cross = np.zeros((len(fps), n_gt))
    file_index = np.array([p.index for p in video.preds], dtype=np.int64)
    order = np.lexsort((file_index[fps], -video.det_score[fps]))                  # TIVE order
    for i in order.tolist():
        d = int(fps[i])
        code, g = _classify_fp(d, video, cross[i], valid, used, thr)
        error[d] = code
        if code in (CLS, SPAT, TEMP) and not used[g]:
            fix_tp[d] = not usable[g]        # the first (highest-scoring) fixer of g wins
            usable[g] = True
            if code == CLS:
                fix_cat[d] = video.gt_category[g]
    unmatched = valid & ~used
    return VideoErrors(error, fix_cat, fix_tp, unmatched & ~usable, unmatched)
