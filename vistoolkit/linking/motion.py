"""Motion-based tracking by detection, the baseline of the low-FPS study.

Per-frame detections (clip tracklets split into one-frame pieces, or any per-frame detector)
are linked frame to frame like an IoU tracker: a detection is compared with the last box of every
track seen within the previous ``max_age`` frames by

    affinity = (IoU_box + (1 - d / gate)) / 2,   d = centre distance, gate = max_distance * diag

Pairs whose centres are farther apart than the gate can never link, which is the assumption of
smooth motion that breaks at low frame rates. The assignment is Hungarian (or greedy by
affinity); linked pairs need ``affinity >= min_affinity``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from scipy.optimize import linear_sum_assignment

from vistoolkit.data.clip_results import ClipTracklet, VideoInfo
from vistoolkit.linking.affinity import box_iou, centre_distance, frame_box, non_empty_frames
from vistoolkit.linking.tracks import LinkedTrack, extend_tracks, tracklet_score


def split_frames(tracklets: Sequence[ClipTracklet], *, det_threshold: float = 0.05,
                 present_threshold: float = 0.5) -> list[ClipTracklet]:
    """One-frame detections from clip tracklets: frames with a non-empty mask whose foreground
    probability exceeds ``present_threshold``, of tracklets scoring at least ``det_threshold``."""
    out = []
    for t in tracklets:
        if tracklet_score(t) < det_threshold:
            continue
        for i in non_empty_frames(t):
            if t.frame_scores[i] > present_threshold:
                out.append(replace(t, start=t.start + i, segmentations=(t.segmentations[i],),
                                   boxes=(t.boxes[i],), frame_scores=(t.frame_scores[i],)))
    return out


def motion_affinity(prev: np.ndarray, cur: np.ndarray, *, gate: float) -> np.ndarray:
    """Affinity of track boxes prev: (A, 4) and detections cur: (B, 4), xyxy; -inf outside the
    gate. Returns (A, B)."""
    dist = centre_distance(prev, cur)                                         # (A, B)
    aff = (box_iou(prev, cur) + 1.0 - dist / gate) / 2.0                      # (A, B)
    return np.where(dist <= gate, aff, -np.inf)


def _assign(aff: np.ndarray, *, greedy: bool) -> list[tuple[int, int]]:
    if greedy:
        pairs, used_r, used_c = [], set(), set()
        for flat in np.argsort(-aff, axis=None, kind="stable"):
            r, c = divmod(int(flat), aff.shape[1])
            if r not in used_r and c not in used_c and np.isfinite(aff[r, c]):
                pairs.append((r, c))
                used_r.add(r)
                used_c.add(c)
        return pairs
    finite = np.where(np.isfinite(aff), aff, -1e6)                            # (A, B)
    rows, cols = linear_sum_assignment(-finite)
    return [(int(r), int(c)) for r, c in zip(rows, cols) if np.isfinite(aff[r, c])]


def link_motion(detections: Sequence[ClipTracklet], *, video: VideoInfo,
                max_distance: float = 0.15, min_affinity: float = 0.3, max_age: int = 1,
                method: str = "hungarian") -> list[LinkedTrack]:
    """Link one video's per-frame detections (one-frame tracklets) into tracks.

    Args:
        detections: one-frame tracklets (``split_frames``); ``start`` is the frame index.
        video: frame size; the gate is ``max_distance`` times the frame diagonal.
        max_distance: centre-distance gate as a fraction of the frame diagonal.
        min_affinity: minimum affinity of a linked pair.
        max_age: a track can take a detection up to this many frames after its last one.
        method: ``"hungarian"`` or ``"greedy"``.

    Returns:
        Tracks (lists of one-frame tracklets), in order of creation.
    """
    if method not in ("hungarian", "greedy"):
        raise ValueError(f"method must be 'hungarian' or 'greedy', not {method!r}")
    gate = max_distance * math.hypot(video.height, video.width)
    tracks: list[LinkedTrack] = []
    for frame in sorted({d.start for d in detections}):
        cur = sorted((d for d in detections if d.start == frame), key=tracklet_score, reverse=True)
        alive = [a for a, t in enumerate(tracks) if 0 < frame - t[-1].start <= max_age]
        linked: dict[int, int] = {}
        if alive and cur:
            prev = np.stack([frame_box(tracks[a][-1], 0) for a in alive])     # (A, 4)
            boxes = np.stack([frame_box(d, 0) for d in cur])                  # (B, 4)
            aff = motion_affinity(prev, boxes, gate=gate)                     # (A, B)
            linked = {c: alive[r] for r, c in _assign(aff, greedy=method == "greedy")
                      if aff[r, c] >= min_affinity}
        extend_tracks(tracks, cur, linked)
    return tracks
