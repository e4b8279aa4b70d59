"""Pairwise similarity terms shared by the linking baselines (boxes ``xyxy`` absolute pixels)."""

from __future__ import annotations

import numpy as np
from pycocotools import mask as mask_utils

from vistoolkit.data.clip_results import ClipTracklet


def rle(seg: dict) -> dict:
    """A compressed RLE with bytes counts, as pycocotools wants it."""
    counts = seg["counts"]
    if isinstance(counts, str):
        counts = counts.encode("ascii")
    return {"size": list(seg["size"]), "counts": counts}


def non_empty_frames(t: ClipTracklet) -> list[int]:
    """Clip-frame indices where the tracklet has a mask with at least one pixel."""
    return [i for i, s in enumerate(t.segmentations)
            if s is not None and mask_utils.area(rle(s)) > 0]


def frame_box(t: ClipTracklet, i: int) -> np.ndarray:
    """Box of clip frame ``i``: the stored one, else the mask's bounding box. (4,) xyxy."""
    if t.boxes[i] is not None:
        return np.asarray(t.boxes[i], dtype=np.float64)
    x, y, w, h = mask_utils.toBbox(rle(t.segmentations[i]))
    return np.array([x, y, x + w, y + h], dtype=np.float64)


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of boxes a: (A, 4) and b: (B, 4), xyxy. Returns (A, B)."""
    lt = np.maximum(a[:, None, :2], b[None, :, :2])                  # (A, B, 2)
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])                  # (A, B, 2)
    inter = np.clip(rb - lt, 0, None).prod(-1)                       # (A, B)
    area_a = np.clip(a[:, 2:] - a[:, :2], 0, None).prod(-1)          # (A,)
    area_b = np.clip(b[:, 2:] - b[:, :2], 0, None).prod(-1)          # (B,)
    union = area_a[:, None] + area_b[None, :] - inter                # (A, B)
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def box_l1(a: np.ndarray, b: np.ndarray, *, height: int, width: int) -> np.ndarray:
    """Mean absolute coordinate difference of frame-normalised boxes. a: (A, 4), b: (B, 4) -> (A, B)."""
    scale = np.array([width, height, width, height], dtype=np.float64)  # (4,)
    return np.abs(a[:, None, :] / scale - b[None, :, :] / scale).mean(-1)  # (A, B)


def mask_iou(a: list[dict], b: list[dict]) -> np.ndarray:
    """IoU of RLE masks a (A) against b (B), pycocotools. Returns (A, B)."""
    if not a or not b:
        return np.zeros((len(a), len(b)))
    return np.asarray(mask_utils.iou([rle(s) for s in a], [rle(s) for s in b],
                                     [0] * len(b)), dtype=np.float64).reshape(len(a), len(b))


def centre_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distance between box centres. a: (A, 4), b: (B, 4) xyxy -> (A, B) pixels."""
    ca = (a[:, :2] + a[:, 2:]) / 2                                   # (A, 2)
    cb = (b[:, :2] + b[:, 2:]) / 2                                   # (B, 2)
    return np.linalg.norm(ca[:, None, :] - cb[None, :, :], axis=-1)  # (A, B)


def overlap_mask_iou(a: list[dict | None], b: list[dict | None]) -> float:
    """Mask IoU accumulated over aligned frames, sum(intersection) / sum(union) (spec §10.2).

    None counts as an empty mask; 0 when every frame is empty on both sides.
    """
    inter = union = 0.0
    for sa, sb in zip(a, b):
        area_a = 0.0 if sa is None else float(mask_utils.area(rle(sa)))
        area_b = 0.0 if sb is None else float(mask_utils.area(rle(sb)))
        both = 0.0
        if sa is not None and sb is not None:
            both = float(mask_utils.area(mask_utils.merge([rle(sa), rle(sb)], intersect=True)))
        inter += both
        union += area_a + area_b - both
    return inter / union if union > 0 else 0.0
