"""Video IoU of every (prediction, GT) pair of one video, with batched pycocotools calls.

Official definition (``YTVOSeval.computeIoU``): over ``zip(pred_frames, gt_frames)``,
IoU = sum |d∩g| / sum |d∪g|. A falsy frame (None, ``[]``) adds the other side's area to the
union; a present pair whose mask sizes differ adds 0 to both (quirks 2, 3). Per frame, one
``mask_utils.iou`` call gives the intersections of all D x G pairs (``iscrowd=1`` returns
|d∩g| / |d|) and, against a full-frame mask, every prediction's area (|d| / (H*W)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pycocotools import mask as mask_utils

from vistoolkit.data.records import PredTrack, Track, Video
from vistoolkit.data.rle import to_rle


@dataclass(frozen=True, slots=True)
class VideoOverlaps:
    """Pairwise results for one video (D kept predictions, G GT tracks, in the given order)."""

    iou: np.ndarray           # (D, G) float64 video IoU
    det_avg_area: np.ndarray  # (D,) float64 mean area over non-empty frames, 0 if none
    det_frames: np.ndarray    # (D,) int64 frames with a non-empty mask
    gt_frames: np.ndarray     # (G,) int64 frames with a non-empty mask
    zero_union: int           # pairs with an empty union (official prints a size warning)


def _std_rle(seg: dict | list, height: int, width: int) -> dict:
    """Compressed RLE accepted by pycocotools' batched calls (converts other forms)."""
    if type(seg) is dict and len(seg) == 2 and type(seg.get("counts")) in (str, bytes):
        return seg
    return to_rle(seg, height, width)


def _columns(segs: list[tuple], length: int) -> list[tuple]:
    """Frame-major view of per-track segmentation lists, padded with None to ``length``."""
    if all(len(s) == length for s in segs):
        return list(zip(*segs)) if segs else [()] * length
    return list(zip(*(tuple(s) + (None,) * (length - len(s)) for s in segs)))


def _frame_pass(pred_cols: list[tuple], gt_rles: list[list], gt_sizes: np.ndarray,
                video: Video, trusted_sizes: bool,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-frame areas of predictions, intersections and size-mismatch flags.

    Returns ad (D, L) int64 areas (0 where absent), inter (D, G, L) int64, mism (D, G, L) bool.
    """
    h, w = video.height, video.width
    n_pix = float(h * w)
    full = mask_utils.frPyObjects({"size": [h, w], "counts": [0, h * w]}, h, w)
    length, n_gt = len(pred_cols), len(gt_rles)
    n_det = len(pred_cols[0]) if length else 0
    ad = np.zeros((n_det, length), dtype=np.int64)
    inter = np.zeros((n_det, n_gt, length), dtype=np.int64)
    mism = np.zeros((n_det, n_gt, length), dtype=bool)
    for f, col in enumerate(pred_cols):
        di = [i for i, s in enumerate(col) if s]
        if not di:
            continue
        drs = [_std_rle(col[i], h, w) for i in di]
        gi = [j for j in range(n_gt) if gt_rles[j][f] is not None]
        grs = [gt_rles[j][f] for j in gi]
        out = np.asarray(mask_utils.iou(drs, grs + [full], [1] * len(gi) + [0]))  # (Df, Gf+1)
        area = np.rint(out[:, -1] * n_pix).astype(np.int64)                         # (Df,)
        dsz = None
        if not trusted_sizes:
            dsz = np.array([r["size"] for r in drs], dtype=np.int64).reshape(-1, 2)  # (Df, 2)
            odd = np.flatnonzero((dsz[:, 0] != h) | (dsz[:, 1] != w))
            if len(odd):
                area[odd] = mask_utils.area([drs[i] for i in odd])
        ad[di, f] = area
        if gi:
            block = np.rint(out[:, :-1] * area[:, None]).astype(np.int64)           # (Df, Gf)
            if dsz is not None:
                bad = (dsz[:, None, :] != gt_sizes[None, gi, f, :]).any(-1)       # (Df, Gf)
                block[bad] = 0
                mism[np.ix_(di, gi, [f])] = bad[:, :, None]
            inter[np.ix_(di, gi, [f])] = block[:, :, None]
    return ad, inter, mism


def video_overlaps(video: Video, gt_tracks: tuple[Track, ...], preds: tuple[PredTrack, ...],
                   *, trusted_sizes: bool = False) -> VideoOverlaps:
    """IoU matrix and per-track areas of one video.

    Args:
        video: the GT video (its height and width size polygon GT and the full-frame mask).
        gt_tracks: G tracks, any categories.
        preds: D predictions, any categories.
        trusted_sizes: every prediction mask is known to be ``video.size`` (validated input);
            skips the per-frame size check.
    """
    h, w = video.height, video.width
    pred_segs = [p.segmentations for p in preds]
    len_d = np.array([len(s) for s in pred_segs], dtype=np.int64)                  # (D,)
    len_g = np.array([len(t.segmentations) for t in gt_tracks], dtype=np.int64)   # (G,)
    length = int(max(len_d.max(initial=0), len_g.max(initial=0)))
    gt_rles = [[to_rle(s, h, w) if s else None for s in t.segmentations]
               + [None] * (length - len(t.segmentations)) for t in gt_tracks]
    gt_sizes = np.zeros((len(gt_tracks), length, 2), dtype=np.int64)              # (G, L, 2)
    ag = np.zeros((len(gt_tracks), length), dtype=np.int64)                        # (G, L)
    present = [(j, f) for j, r in enumerate(gt_rles) for f in range(length) if r[f] is not None]
    if present:
        flat = [gt_rles[j][f] for j, f in present]
        jj, ff = np.array(present).T
        ag[jj, ff] = mask_utils.area(flat)
        gt_sizes[jj, ff] = np.array([r["size"] for r in flat], dtype=np.int64)
    ad, inter, mism = _frame_pass(_columns(pred_segs, length), gt_rles, gt_sizes, video,
                                  trusted_sizes)
    pg = np.array([[r is not None for r in rles] for rles in gt_rles], dtype=bool).reshape(
        len(gt_tracks), length)
    in_zip = np.arange(length)[None, None, :] < np.minimum(len_d[:, None], len_g[None, :])[
        :, :, None]                                                                 # (D, G, L)
    union = ad[:, None, :] + ag[None, :, :] - inter                                  # (D, G, L)
    union[mism & pg[None, :, :]] = 0
    i_sum = (inter * in_zip).sum(-1)                                                 # (D, G)
    u_sum = (union * in_zip).sum(-1)                                                 # (D, G)
    iou = np.zeros(i_sum.shape, dtype=np.float64)
    pos = u_sum > 0
    iou[pos] = i_sum[pos].astype(np.float64) / u_sum[pos].astype(np.float64)
    det_frames = (ad > 0).sum(1)
    det_sum = ad.sum(1).astype(np.float64)
    det_avg = np.divide(det_sum, det_frames, out=np.zeros(len(preds)), where=det_frames > 0)
    return VideoOverlaps(iou, det_avg, det_frames, (ag > 0).sum(1), int((~pos).sum()))
