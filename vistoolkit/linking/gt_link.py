"""Ground-truth-assisted linking: the model's tracklets linked by the ground truth.

An upper bound on linking: the result keeps the model's per-clip masks and classes and only
the links come from the annotations, so its AP is what a linker could reach with these
tracklets (per-clip quality, without linking errors). It is the complement of ``oracle``,
which keeps perfect tracklets and leaves the links to the linker.

Rule, per video and per clip index:

* the affinity of a tracklet and a ground-truth track of the video is their mask IoU summed
  over the tracklet's frames, sum of intersections / sum of unions (``affinity.overlap_mask_iou``;
  a frame where neither has a mask adds nothing);
* tracklets and tracks are assigned one to one by the Hungarian algorithm maximising the IoU;
  pairs with IoU <= ``threshold`` (0.0 by default: any overlap) are left unassigned;
* each ground-truth track collects its assigned tracklets, one per clip at most, into one
  linked track; tracks that collect none are not emitted;
* an unassigned tracklet stays a single-clip track of its own, so its false positives count as
  they do for the other methods (``keep_unmatched=False``, method ``gt-matched``: dropped, so
  the AP is that of the model's true tracklets alone);
* as for the other methods, tracklets whose best class score is below ``det_threshold`` (0.05)
  are dropped first.

Where clips overlap (stride < clip length), the parts of a track covering one frame are merged
by ``tracks.assemble_predictions`` like every method's: foreground-probability-weighted mask
average, thresholded at 0.5. The ground truth's own classes are never used.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from vistoolkit.data import rle
from vistoolkit.data.clip_results import ClipTracklet, VideoInfo
from vistoolkit.data.records import Track
from vistoolkit.linking.affinity import overlap_mask_iou
from vistoolkit.linking.tracks import LinkedTrack, tracklet_score


def gt_frame_masks(track: Track, video: VideoInfo) -> list[dict | None]:
    """Compressed RLE (counts bytes) of a ground-truth track per video frame, None if absent."""
    return [rle.to_rle(track.segmentations[f], video.height, video.width)
            if f < track.length else None for f in range(video.length)]


def gt_affinity(tracklets: Sequence[ClipTracklet],
                gt_masks: Sequence[Sequence[dict | None]]) -> np.ndarray:
    """Mask IoU summed over each tracklet's frames, tracklets (A) x ground-truth tracks (B).

    ``gt_masks[b][f]`` is track b's mask on video frame f. Returns (A, B).
    """
    aff = np.zeros((len(tracklets), len(gt_masks)))                            # (A, B)
    for a, t in enumerate(tracklets):
        for b, masks in enumerate(gt_masks):
            gt = [masks[f] if f < len(masks) else None for f in t.frames]
            aff[a, b] = overlap_mask_iou(list(t.segmentations), gt)
    return aff


def assign_clip(tracklets: Sequence[ClipTracklet], gt_masks: Sequence[Sequence[dict | None]],
                *, threshold: float = 0.0) -> dict[int, int]:
    """One-to-one assignment of one clip's tracklets to ground-truth tracks: tracklet index ->
    track index, for the Hungarian pairs with IoU > ``threshold``."""
    if not tracklets or not gt_masks:
        return {}
    aff = gt_affinity(tracklets, gt_masks)                                     # (A, B)
    rows, cols = linear_sum_assignment(-aff)
    return {int(r): int(c) for r, c in zip(rows, cols) if aff[r, c] > threshold}


def link_gt(tracklets: Sequence[ClipTracklet], gt_tracks: Sequence[Track], *, video: VideoInfo,
            threshold: float = 0.0, det_threshold: float = 0.05,
            keep_unmatched: bool = True) -> list[LinkedTrack]:
    """Link one video's tracklets by assigning them, clip by clip, to its ground-truth tracks.

    Args:
        tracklets: all tracklets of the video.
        gt_tracks: the video's ground-truth tracks.
        video: length and size of the video (for polygon ground truth).
        threshold: a pair needs a summed mask IoU above it.
        det_threshold: tracklets whose best class score is below it are dropped.
        keep_unmatched: emit unassigned tracklets as tracks of their own (else drop them).

    Returns:
        One track per ground-truth track that collected a tracklet (ground-truth order, parts
        in clip order), then every unassigned tracklet as its own track (clip, slot order).
    """
    gt_masks = [gt_frame_masks(t, video) for t in gt_tracks]
    by_gt: list[LinkedTrack] = [[] for _ in gt_tracks]
    alone: list[LinkedTrack] = []
    kept = [t for t in tracklets if tracklet_score(t) >= det_threshold]
    for ci in sorted({t.clip_index for t in kept}):
        clip = sorted((t for t in kept if t.clip_index == ci), key=lambda t: (t.start, t.slot))
        assigned = assign_clip(clip, gt_masks, threshold=threshold)
        for a, t in enumerate(clip):
            if a in assigned:
                by_gt[assigned[a]].append(t)
            else:
                alone.append([t])
    return [track for track in by_gt if track] + (alone if keep_unmatched else [])
