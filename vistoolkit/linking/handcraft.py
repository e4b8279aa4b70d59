"""Hand-crafted inter-clip linking, the "Hand-craft" row of Table 1d (spec §10.1).

Every clip is predicted from the learned queries q* (no hand-over) and clips do not overlap.
Tracklets of a new clip are linked to existing tracks by a Hungarian assignment on

    A = (IoU_box + IoU_mask + (1 - min(1, L1 / l1_norm)) + 1[cls_a = cls_b]) / 4

between the **last** non-empty frame of track a and the **first** non-empty frame of tracklet b
(boxes normalised by the frame size, L1 = mean absolute coordinate difference, cls = argmax class).
Pairs with A >= threshold are linked; other tracklets start new tracks; unmatched tracks stay
available for later clips (memory of all tracks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from vistoolkit.data.clip_results import ClipTracklet, VideoInfo
from vistoolkit.linking.affinity import box_iou, box_l1, frame_box, mask_iou, non_empty_frames
from vistoolkit.linking.tracks import LinkedTrack, extend_tracks, tracklet_score

SWEEP_THRESHOLDS: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """The frame of a track or tracklet that linking compares: mask, box (xyxy) and class."""

    segmentation: dict
    box: np.ndarray
    label: int


def endpoint(t: ClipTracklet, *, last: bool) -> Endpoint | None:
    """Last (``last=True``) or first non-empty frame of a tracklet; None if all are empty."""
    frames = non_empty_frames(t)
    if not frames:
        return None
    i = frames[-1] if last else frames[0]
    return Endpoint(t.segmentations[i], frame_box(t, i), int(np.argmax(t.category_scores)))


def affinity(tracks: Sequence[Endpoint], new: Sequence[Endpoint], *, height: int, width: int,
             l1_norm: float = 1.0) -> np.ndarray:
    """Spec §10.1 affinity of track ends (A) against tracklet starts (B). Returns (A, B) in [0, 1]."""
    a_box = np.stack([e.box for e in tracks])                                 # (A, 4)
    b_box = np.stack([e.box for e in new])                                    # (B, 4)
    iou_b = box_iou(a_box, b_box)                                             # (A, B)
    iou_m = mask_iou([e.segmentation for e in tracks], [e.segmentation for e in new])  # (A, B)
    l1 = box_l1(a_box, b_box, height=height, width=width)                     # (A, B)
    same = (np.array([e.label for e in tracks])[:, None]
            == np.array([e.label for e in new])[None, :])                     # (A, B)
    return (iou_b + iou_m + (1.0 - np.minimum(1.0, l1 / l1_norm)) + same) / 4.0


def link_handcraft(tracklets: Sequence[ClipTracklet], *, video: VideoInfo, threshold: float,
                   det_threshold: float = 0.05, l1_norm: float = 1.0) -> list[LinkedTrack]:
    """Link one video's clip tracklets into tracks.

    Args:
        tracklets: all tracklets of the video (any order; grouped by clip start).
        video: the video's frame size (boxes are normalised by it).
        threshold: theta, the minimum affinity of a linked pair.
        det_threshold: tracklets whose best class score is below it are dropped.
        l1_norm: normalised L1 distance at which the L1 term reaches 0.

    Returns:
        Tracks (lists of tracklets), in order of creation.
    """
    tracks: list[LinkedTrack] = []
    ends: list[Endpoint] = []                     # last non-empty frame of each track
    for start in sorted({t.start for t in tracklets}):
        cands, starts = [], []
        for t in sorted((t for t in tracklets if t.start == start), key=lambda t: t.slot):
            first = endpoint(t, last=False) if tracklet_score(t) >= det_threshold else None
            if first is not None:
                cands.append(t)
                starts.append(first)
        linked: dict[int, int] = {}
        if tracks and cands:
            aff = affinity(ends, starts, height=video.height, width=video.width,
                           l1_norm=l1_norm)                                   # (A, B)
            rows, cols = linear_sum_assignment(-aff)
            linked = {int(c): int(r) for r, c in zip(rows, cols) if aff[r, c] >= threshold}
        extend_tracks(tracks, cands, linked)
        ends = [endpoint(track[-1], last=True) for track in tracks]
    return tracks
