"""Tube-box IoU (``--iou-type bbox``): the video IoU of box tubes instead of mask tubes.

Definition (ours: the official ``iouType='bbox'`` branch of ``ytvoseval.py`` cannot run, it
hands ``[x, y, w, h]`` lists to a mask ``merge``). For a prediction d and a GT track g, over the
frames f of ``zip(d, g)`` (the shorter list wins, as for masks)::

    IoU(d, g) = sum_f |box_d(f) ∩ box_g(f)| / sum_f |box_d(f) ∪ box_g(f)|

with |.| the area of an axis-aligned box; a frame where only one side has a box adds that box's
area to the union; a frame without either (or with zero-area boxes) adds nothing. A zero total
union gives IoU 0, as for masks. Boxes are ``[x, y, w, h]`` in pixels (the YouTube-VIS
``bboxes`` format). GT boxes come from the GT ``bboxes`` field (required); a prediction's from
its ``bboxes`` field when it has a non-empty one, else from its masks (``pycocotools.mask.toBbox``,
the tight box of the mask, as the official ``loadRes`` fills ``bboxes``).

Area ranges stay on mask areas (GT ``areas`` as given, prediction masks measured, as the
official ``loadRes`` does whatever ``iouType``), so a track is small / medium / large in the
same way in both modes. A track's length (the ``length`` breakdown) is its number of frames with
a box of positive area.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pycocotools import mask as mask_utils

from vistoolkit.data.records import PredTrack, Track, Video
from vistoolkit.data.rle import to_rle
from vistoolkit.errors import InputError
from vistoolkit.eval.video_iou import VideoOverlaps

_CHUNK = 255   # pycocotools' batched area/toBbox calls: at most this many RLEs at once


def parse_boxes(values: list | tuple, *, length: int, path: Path | str | None,
                where: str) -> np.ndarray:
    """Per-frame ``[x, y, w, h]`` boxes (None where absent) -> (length, 4) float64, NaN rows
    where absent.

    Raises:
        InputError: not one entry per frame, or an entry that is not 4 numbers with w, h >= 0.
    """
    if len(values) != length:
        raise InputError(f"{len(values)} bboxes for a {length}-frame track", path=path,
                         where=where)
    out = np.full((length, 4), np.nan)
    for f, box in enumerate(values):
        if box is None:
            continue
        if (not isinstance(box, (list, tuple)) or len(box) != 4
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                           for v in box)):
            raise InputError(f"bboxes[{f}] must be [x, y, w, h] or null, got {box!r}", path=path,
                             where=where)
        if box[2] < 0 or box[3] < 0 or not np.isfinite(box).all():
            raise InputError(f"bboxes[{f}] has a negative or non-finite size: {box!r}", path=path,
                             where=where)
        out[f] = box
    return out


def _areas(rles: list[dict]) -> np.ndarray:
    """(n,) int64 mask areas, in batches pycocotools handles."""
    return np.concatenate([np.asarray(mask_utils.area(rles[i:i + _CHUNK]), dtype=np.int64)
                           for i in range(0, len(rles), _CHUNK)])


def _tight_boxes(rles: list[dict]) -> np.ndarray:
    """(n, 4) float64 xywh tight boxes of the masks (``pycocotools.mask.toBbox``)."""
    return np.concatenate([np.asarray(mask_utils.toBbox(rles[i:i + _CHUNK])).reshape(-1, 4)
                           for i in range(0, len(rles), _CHUNK)])


def _mask_boxes_areas(pred: PredTrack, video: Video) -> tuple[np.ndarray, np.ndarray]:
    """(L, 4) tight boxes (NaN rows where absent or empty) and (L,) int64 areas of the masks."""
    h, w = video.height, video.width
    segs = pred.segmentations
    frames = [f for f, s in enumerate(segs) if s]
    boxes = np.full((len(segs), 4), np.nan)
    areas = np.zeros(len(segs), dtype=np.int64)
    if frames:
        rles = [to_rle(segs[f], h, w) for f in frames]
        areas[frames] = _areas(rles)
        boxes[frames] = _tight_boxes(rles)
        boxes[areas == 0] = np.nan
    return boxes, areas


def _box_area(boxes: np.ndarray) -> np.ndarray:
    """(..., 4) xywh -> (...) area, 0 where absent (NaN)."""
    return np.nan_to_num(boxes[..., 2] * boxes[..., 3], nan=0.0)


def box_tube_iou(det: np.ndarray, gt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tube-box IoU of every pair.

    Args:
        det: (D, L, 4) xywh prediction boxes, NaN rows where absent.
        gt: (G, L, 4) xywh GT boxes, NaN rows where absent (same L: frames beyond a track's
            own length padded with NaN, which reproduces the ``zip``).

    Returns:
        iou: (D, G) float64 (0 where the union is 0); union: (D, G) float64 summed unions.
    """
    d = det[:, None, :, :]                                                     # (D, 1, L, 4)
    g = gt[None, :, :, :]                                                      # (1, G, L, 4)
    iw = np.minimum(d[..., 0] + d[..., 2], g[..., 0] + g[..., 2]) - np.maximum(d[..., 0],
                                                                               g[..., 0])
    ih = np.minimum(d[..., 1] + d[..., 3], g[..., 1] + g[..., 3]) - np.maximum(d[..., 1],
                                                                               g[..., 1])
    inter = np.nan_to_num(np.clip(iw, 0, None) * np.clip(ih, 0, None), nan=0.0)  # (D, G, L)
    union = _box_area(d) + _box_area(g) - inter                                # (D, G, L)
    inter_sum, union_sum = inter.sum(-1), union.sum(-1)                       # (D, G)
    iou = np.divide(inter_sum, union_sum, out=np.zeros_like(inter_sum), where=union_sum > 0)
    return iou, union_sum


def tube_box_overlaps(video: Video, gt_tracks: tuple[Track, ...], preds: tuple[PredTrack, ...],
                      *, gt_path: Path | str | None = None,
                      pred_path: Path | str | None = None) -> VideoOverlaps:
    """``VideoOverlaps`` of one video with tube-box IoU (0 between different categories).

    Raises:
        InputError: a GT track without ``bboxes``; malformed boxes (``parse_boxes``).
    """
    lengths = [len(t.segmentations) for t in gt_tracks] + [len(p.segmentations) for p in preds]
    n_frames = max(lengths, default=0)
    gt_box = np.full((len(gt_tracks), n_frames, 4), np.nan)                   # (G, L, 4)
    for j, t in enumerate(gt_tracks):
        where = f"annotation id={t.id} (video_id={t.video_id})"
        if t.bboxes is None:
            raise InputError("ground-truth annotation has no 'bboxes' (needed by --iou-type "
                             "bbox)", path=gt_path, where=where)
        gt_box[j, :len(t.segmentations)] = parse_boxes(t.bboxes, length=len(t.segmentations),
                                                       path=gt_path, where=where)
    det_box = np.full((len(preds), n_frames, 4), np.nan)                      # (D, L, 4)
    det_avg = np.zeros(len(preds))
    for i, p in enumerate(preds):
        n = len(p.segmentations)
        mask_box, mask_area = _mask_boxes_areas(p, video)
        given = p.extra.get("bboxes")
        det_box[i, :n] = mask_box if not given else parse_boxes(
            given, length=n, path=pred_path, where=f"prediction #{p.index} "
                                                   f"(video_id={p.video_id})")
        kept = mask_area[mask_area > 0]
        det_avg[i] = kept.mean() if len(kept) else 0.0         # official loadRes avg_area
    iou, union = box_tube_iou(det_box, gt_box)
    same = (np.array([p.category_id for p in preds])[:, None]
            == np.array([t.category_id for t in gt_tracks])[None, :])         # (D, G)
    iou = np.where(same, iou, 0.0)
    return VideoOverlaps(iou, det_avg, (_box_area(det_box) > 0).sum(1),
                         (_box_area(gt_box) > 0).sum(1), int((same & (union <= 0)).sum()))
