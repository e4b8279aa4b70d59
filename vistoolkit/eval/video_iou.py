"""Video IoU of every (prediction, GT) pair of one video, with batched pycocotools calls.

Official definition (``YTVOSeval.computeIoU``): over ``zip(pred_frames, gt_frames)``,
IoU = sum |d∩g| / sum |d∪g|. A falsy frame (None, ``[]``) adds the other side's area to the
union; a present pair whose mask sizes differ adds 0 to both (quirks 2, 3). Per frame, one
``mask_utils.iou`` call gives the intersections of all D x G pairs (``iscrowd=1`` returns
|d∩g| / |d|) and, against a full-frame mask, every prediction's area (|d| / (H*W)).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from operator import itemgetter

import numpy as np
from pycocotools import mask as mask_utils

from vistoolkit.data.records import PredTrack, Track, Video
from vistoolkit.data.rle import to_rle
from vistoolkit.eval.known_areas import KnownAreas


@dataclass(frozen=True, slots=True)
class VideoOverlaps:
    """Pairwise results for one video (D kept predictions, G GT tracks, in the given order)."""

    iou: np.ndarray           # (D, G) float64 video IoU
    det_avg_area: np.ndarray  # (D,) float64 mean area over non-empty frames, 0 if none
    det_frames: np.ndarray    # (D,) int64 frames with a non-empty mask
    gt_frames: np.ndarray     # (G,) int64 frames with a non-empty mask
    zero_union: int           # pairs with an empty union (official prints a size warning)


def _areas(rles: list[dict]) -> np.ndarray:
    """Areas of many RLEs (pycocotools' ``area`` overflows on more than 255 at once)."""
    if not rles:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate([mask_utils.area(rles[i:i + 255]) for i in range(0, len(rles), 255)])


def _std_segs(segs: tuple, height: int, width: int) -> tuple:
    """A track's frames as pycocotools' batched calls want them: dicts of exactly ``size`` and
    str/bytes ``counts`` (other valid forms are converted; falsy frames stay as they are)."""
    present = list(filter(None, segs))
    if (set(map(type, present)) <= {dict} and set(map(len, present)) <= {2}
            and set(map(type, map(itemgetter("counts"), present))) <= {str, bytes}):
        return segs
    return tuple(to_rle(x, height, width) if x else x for x in segs)


def _columns(segs: list[tuple], length: int) -> list[tuple]:
    """Frame-major view of per-track segmentation lists, padded with None to ``length``."""
    if all(len(s) == length for s in segs):
        return list(zip(*segs)) if segs else [()] * length
    return list(zip(*(tuple(s) + (None,) * (length - len(s)) for s in segs)))


def _sizes(rles: list[dict]) -> np.ndarray:
    return np.array([r["size"] for r in rles], dtype=np.int64).reshape(-1, 2)       # (n, 2)


def _frame_pass(pred_cols: list[tuple], pred_cat: np.ndarray, gt_rles: list[list],
                gt_cat: np.ndarray, gt_sizes: np.ndarray, video: Video, trusted_sizes: bool,
                known: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-frame areas of predictions, intersections and size-mismatch flags.

    Only predictions whose category has a GT mask in the frame go through ``iou``; the others
    need just their area. Areas in ``known`` (D, L) (-1: unknown) are not decoded again, and a
    frame whose areas are all known skips the full-frame column of ``iou``.
    pred_cols: (L,) frames, each (D,) segmentations; pred_cat: (D,), gt_cat: (G,);
    gt_rles: (G,) lists of L RLEs or None; gt_sizes: (G, L, 2).

    Returns:
        det_area: (D, L) int64 prediction areas (0 where absent);
        intersection: (D, G, L) int64 |d ∩ g| per frame;
        size_mismatch: (D, G, L) bool, both masks present with different ``size``.
    """
    h, w = video.height, video.width
    n_pix = float(h * w)
    full_frame = mask_utils.frPyObjects({"size": [h, w], "counts": [0, h * w]}, h, w)
    length, n_gt = len(pred_cols), len(gt_rles)
    n_det = len(pred_cat)
    det_area = np.zeros((n_det, length), dtype=np.int64)                           # (D, L)
    intersection = np.zeros((n_det, n_gt, length), dtype=np.int64)                 # (D, G, L)
    size_mismatch = np.zeros((n_det, n_gt, length), dtype=bool)                    # (D, G, L)
    det_present = np.array([list(map(bool, col)) for col in pred_cols], dtype=bool).reshape(
        length, n_det)                                                              # (L, D)
    gt_present = np.array([[r is not None for r in rles] for rles in gt_rles],
                          dtype=bool).reshape(n_gt, length)                         # (G, L)
    same_category = pred_cat[:, None] == gt_cat[None, :]                            # (D, G)
    gt_of_category = (same_category.astype(np.int64) @ gt_present.astype(np.int64) > 0).T
    needs_iou = det_present & gt_of_category                                        # (L, D)
    area_known = det_present & (known.T >= 0)                                       # (L, D)
    det_area.T[area_known] = known.T[area_known]
    area_only = det_present & ~needs_iou & ~area_known                              # (L, D)
    for f in np.flatnonzero(area_only.any(1)).tolist():
        dets = np.flatnonzero(area_only[f]).tolist()
        det_area[dets, f] = _areas([pred_cols[f][d] for d in dets])
    for f in np.flatnonzero(needs_iou.any(1)).tolist():
        frame_segs = pred_cols[f]
        dets = np.flatnonzero(needs_iou[f]).tolist()                               # Df
        gts = np.flatnonzero(gt_present[:, f]).tolist()                            # Gf
        det_rles = [frame_segs[d] for d in dets]
        frame_gt_rles = [gt_rles[g][f] for g in gts]
        crowd = [1] * len(gts)                        # iscrowd=1: iou gives |d ∩ g| / |d|
        if area_known[f, dets].all():
            inter_over_det = np.asarray(mask_utils.iou(det_rles, frame_gt_rles, crowd)).reshape(
                len(dets), len(gts))                                                # (Df, Gf)
            frame_det_area = det_area[dets, f]                                      # (Df,)
        else:                                         # last column: |d| / (h * w)
            with_full = np.asarray(mask_utils.iou(det_rles, frame_gt_rles + [full_frame],
                                                  crowd + [0]))                     # (Df, Gf+1)
            frame_det_area = np.rint(with_full[:, -1] * n_pix).astype(np.int64)     # (Df,)
            inter_over_det = with_full[:, :-1]                                      # (Df, Gf)
        if not trusted_sizes:
            det_sizes = _sizes(det_rles)                                            # (Df, 2)
            own_size = np.flatnonzero((det_sizes[:, 0] != h) | (det_sizes[:, 1] != w))
            if len(own_size):
                frame_det_area[own_size] = _areas([det_rles[i] for i in own_size])
            differ = (det_sizes[:, None, :] != gt_sizes[None, gts, f, :]).any(-1)  # (Df, Gf)
            inter_over_det = np.where(differ, 0.0, inter_over_det)
            size_mismatch[np.ix_(dets, gts, [f])] = differ[:, :, None]
        det_area[dets, f] = frame_det_area
        inter = np.rint(inter_over_det * frame_det_area[:, None]).astype(np.int64)  # (Df, Gf)
        intersection[np.ix_(dets, gts, [f])] = inter[:, :, None]
    return det_area, intersection, size_mismatch


def _known_matrix(preds: tuple[PredTrack, ...], length: int,
                  known: KnownAreas | None) -> np.ndarray:
    """(D, L) int64 areas from ``known``, -1 where unknown."""
    out = np.full((len(preds), length), -1, dtype=np.int64)
    if known is not None:
        for d, p in enumerate(preds):
            a = known.of(p)
            if a is not None:
                out[d, :len(a)] = a
    return out


def video_overlaps(video: Video, gt_tracks: tuple[Track, ...], preds: tuple[PredTrack, ...],
                   *, trusted_sizes: bool = False, known: KnownAreas | None = None
                   ) -> VideoOverlaps:
    """IoU matrix and per-track areas of one video (0 for pairs of different categories).

    Args:
        video: the GT video (its height and width size polygon GT and the full-frame mask).
        gt_tracks: G tracks, any categories.
        preds: D predictions, any categories.
        trusted_sizes: every prediction mask is known to be ``video.size`` (validated input);
            skips the per-frame size check.
        known: prediction mask areas already decoded by the input checks (not decoded again).
    """
    h, w = video.height, video.width
    pred_segs = [_std_segs(p.segmentations, h, w) for p in preds]
    det_len = np.array([len(s) for s in pred_segs], dtype=np.int64)                # (D,)
    gt_len = np.array([len(t.segmentations) for t in gt_tracks], dtype=np.int64)   # (G,)
    length = int(max(det_len.max(initial=0), gt_len.max(initial=0)))
    gt_rles = [[to_rle(s, h, w) if s else None for s in t.segmentations]
               + [None] * (length - len(t.segmentations)) for t in gt_tracks]
    gt_sizes = np.zeros((len(gt_tracks), length, 2), dtype=np.int64)              # (G, L, 2)
    gt_area = np.zeros((len(gt_tracks), length), dtype=np.int64)                   # (G, L)
    present = [(j, f) for j, r in enumerate(gt_rles) for f in range(length) if r[f] is not None]
    if present:
        flat = [gt_rles[j][f] for j, f in present]
        jj, ff = np.array(present).T
        gt_area[jj, ff] = _areas(flat)
        gt_sizes[jj, ff] = np.array([r["size"] for r in flat], dtype=np.int64)
    pred_cat = np.array([p.category_id for p in preds], dtype=np.int64)
    gt_cat = np.array([t.category_id for t in gt_tracks], dtype=np.int64)
    det_area, intersection, size_mismatch = _frame_pass(
        _columns(pred_segs, length), pred_cat, gt_rles, gt_cat, gt_sizes, video, trusted_sizes,
        _known_matrix(preds, length, known))
    gt_present = np.array([[r is not None for r in rles] for rles in gt_rles],
                          dtype=bool).reshape(len(gt_tracks), length)               # (G, L)
    in_zip = np.arange(length)[None, None, :] < np.minimum(det_len[:, None], gt_len[None, :])[
        :, :, None]                                                                 # (D, G, L)
    union = det_area[:, None, :] + gt_area[None, :, :] - intersection              # (D, G, L)
    union[size_mismatch & gt_present[None, :, :]] = 0
    inter_sum = (intersection * in_zip).sum(-1)                                     # (D, G)
    union_sum = (union * in_zip).sum(-1)                                            # (D, G)
    iou = np.zeros(inter_sum.shape, dtype=np.float64)
    nonzero = union_sum > 0
    iou[nonzero] = inter_sum[nonzero].astype(np.float64) / union_sum[nonzero].astype(np.float64)
    iou[pred_cat[:, None] != gt_cat[None, :]] = 0.0   # never matched; as the native kernel gives
    det_frames = (det_area > 0).sum(1)
    det_sum = det_area.sum(1).astype(np.float64)
    det_avg = np.divide(det_sum, det_frames, out=np.zeros(len(preds)), where=det_frames > 0)
    return VideoOverlaps(iou, det_avg, det_frames, (gt_area > 0).sum(1), int((~nonzero).sum()))


def agnostic_video_iou(video: Video, gt_tracks: tuple[Track, ...],
                       preds: tuple[PredTrack, ...]) -> np.ndarray:
    """(D, G) video IoU of every prediction with every GT track, whatever their categories."""
    return video_overlaps(video, tuple(replace(t, category_id=0) for t in gt_tracks),
                          tuple(replace(p, category_id=0) for p in preds)).iou
