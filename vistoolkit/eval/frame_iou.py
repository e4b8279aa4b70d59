"""Per-frame mask IoU between the GT tracks and the predictions of one video (HOTA's similarity).

Unlike the official video IoU (``vistoolkit.eval.video_iou``), every frame is scored on its
own. A track is present in a frame when its segmentation there is truthy, as in TrackEval's
YouTube-VIS loader: None (or a missing frame) is absent, and an RLE of an empty mask is a
present detection with IoU 0 against everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pycocotools import mask as mask_utils

from vistoolkit.data.records import Segmentation, Video
from vistoolkit.data.rle import to_rle


@dataclass(frozen=True, slots=True)
class FrameOverlap:
    """One frame: which tracks are present and their pairwise mask IoU.

    Attributes:
        gt: (G_t,) int64 indices of the GT tracks present, ascending.
        det: (D_t,) int64 indices of the predictions present, ascending.
        iou: (G_t, D_t) float64 mask IoU; 0 where the mask sizes differ.
    """

    gt: np.ndarray
    det: np.ndarray
    iou: np.ndarray


def _present_rles(segs: Sequence[Sequence[Segmentation]], frame: int, height: int,
                  width: int) -> tuple[np.ndarray, list[dict]]:
    idx, rles = [], []
    for i, track in enumerate(segs):
        seg = track[frame] if frame < len(track) else None
        if seg:
            idx.append(i)
            rles.append(to_rle(seg, height, width))
    return np.array(idx, dtype=np.int64), rles


def frame_overlaps(video: Video, gt_segs: Sequence[Sequence[Segmentation]],
                   det_segs: Sequence[Sequence[Segmentation]], *,
                   pairs: np.ndarray | None = None) -> list[FrameOverlap]:
    """Mask IoU of every (GT, prediction) pair present in each of the video's frames.

    Args:
        video: the GT video (``length`` frames of ``height`` x ``width``).
        gt_segs: G tracks, each its per-frame segmentations (a shorter list: absent after it).
        det_segs: D predictions, the same form.
        pairs: optional (G, D) bool, the pairs needed; frames where no needed pair is present
            get zeros without decoding anything.

    Returns:
        ``video.length`` ``FrameOverlap`` records, in frame order.
    """
    h, w = video.height, video.width
    out = []
    for f in range(video.length):
        g_idx, g_rles = _present_rles(gt_segs, f, h, w)
        d_idx, d_rles = _present_rles(det_segs, f, h, w)
        iou = np.zeros((len(g_idx), len(d_idx)))                                   # (G_t, D_t)
        needed = len(g_idx) and len(d_idx)
        if needed and pairs is not None:
            needed = bool(pairs[np.ix_(g_idx, d_idx)].any())
        if needed:
            iou = np.asarray(mask_utils.iou(g_rles, d_rles, [0] * len(d_rles)),
                             dtype=np.float64).reshape(len(g_idx), len(d_idx))
            iou = np.maximum(iou, 0.0)      # pycocotools gives -1 for different mask sizes
        out.append(FrameOverlap(g_idx, d_idx, iou))
    return out
