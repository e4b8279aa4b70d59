"""VisTR-style linking of overlapping windows (spec §10.2).

Windows of T frames start every ``stride`` frames (stride T/2 by default in ``infer_clips``).
A new window's tracklets are matched to the tracks of the previous windows by the mask IoU
accumulated over the frames both cover (sum of intersections / sum of unions), solved by the
Hungarian algorithm; pairs with IoU >= ``iou_threshold`` (0.5) are linked. The linked tracklet
becomes a part of the track, so on the overlapping frames the track's masks are the
score-weighted average of both windows (``tracks.merge_masks``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from vistoolkit.data.clip_results import ClipTracklet
from vistoolkit.linking.affinity import overlap_mask_iou
from vistoolkit.linking.tracks import LinkedTrack, extend_tracks, tracklet_score


def track_masks(track: Sequence[ClipTracklet], frames: range) -> list[dict | None]:
    """The track's mask on each of ``frames``, from its latest part covering the frame."""
    out: list[dict | None] = []
    for f in frames:
        seg = None
        for part in reversed(track):
            if part.start <= f < part.frames.stop:
                seg = part.segmentations[f - part.start]
                break
        out.append(seg)
    return out


def overlap_affinity(tracks: Sequence[LinkedTrack], new: Sequence[ClipTracklet]) -> np.ndarray:
    """Accumulated mask IoU over shared frames of tracks (A) and tracklets (B). Returns (A, B)."""
    aff = np.zeros((len(tracks), len(new)))                                   # (A, B)
    for a, track in enumerate(tracks):
        end = max(p.frames.stop for p in track)
        for b, t in enumerate(new):
            shared = range(t.start, min(end, t.frames.stop))
            if len(shared) == 0:
                continue
            own = list(t.segmentations[: len(shared)])
            aff[a, b] = overlap_mask_iou(track_masks(track, shared), own)
    return aff


def link_overlap(tracklets: Sequence[ClipTracklet], *, iou_threshold: float = 0.5,
                 det_threshold: float = 0.05) -> list[LinkedTrack]:
    """Link one video's overlapping-window tracklets into tracks.

    Args:
        tracklets: all tracklets of the video (grouped by window start).
        iou_threshold: the minimum accumulated mask IoU of a linked pair.
        det_threshold: tracklets whose best class score is below it are dropped.

    Returns:
        Tracks (lists of tracklets), in order of creation.
    """
    tracks: list[LinkedTrack] = []
    for start in sorted({t.start for t in tracklets}):
        cands = sorted((t for t in tracklets
                        if t.start == start and tracklet_score(t) >= det_threshold),
                       key=lambda t: t.slot)
        linked: dict[int, int] = {}
        if tracks and cands:
            aff = overlap_affinity(tracks, cands)                             # (A, B)
            rows, cols = linear_sum_assignment(-aff)
            linked = {int(c): int(r) for r, c in zip(rows, cols) if aff[r, c] >= iou_threshold}
        extend_tracks(tracks, cands, linked)
    return tracks
