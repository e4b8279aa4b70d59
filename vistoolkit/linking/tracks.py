"""Turn linked tracklets into YouTube-VIS result records (spec §8 scores and labels).

Every linking method (hand-craft, overlap, motion) produces, per video, a list of tracks, each a
list of ``ClipTracklet`` parts. This module is the one place that turns such tracks into
``PredTrack`` records:

* per frame, the parts covering it are merged: their binary masks are averaged with their
  foreground probabilities (``frame_scores``) as weights and thresholded at 0.5 (strictly above),
  so on a disagreement the more confident part wins and identical masks are kept as they are;
* the track's class scores ``s_k`` are the mean of the parts' ``category_scores`` over the
  track's present frames (foreground probability > 0.5; all frames if none), spec §8;
* ``label_mode="topk"`` keeps the top-k (track, class, score) triples of the video, flattened;
  ``"argmax"`` emits one record per track with its best class (``vistoolkit.linking.selection``,
  which can also drop duplicate tracks first).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from pycocotools import mask as mask_utils

from vistoolkit.data.clip_results import ClipResults, ClipTracklet, VideoInfo
from vistoolkit.data.records import Dataset, PredTrack
from vistoolkit.data.rle import to_json_rle
from vistoolkit.errors import InputError
from vistoolkit.linking.affinity import rle as _rle
from vistoolkit.linking.selection import LABEL_MODES, select_pairs, track_overlaps

# One linked track: its tracklet parts, in linking order (not ``data.records.Track``, a GT record).
LinkedTrack = list[ClipTracklet]


@dataclass(frozen=True, slots=True)
class FramePart:
    """One part's contribution to one video frame."""

    segmentation: dict | None
    box: list[float] | None
    score: float


def frame_parts(track: Sequence[ClipTracklet]) -> dict[int, list[FramePart]]:
    """Per video frame, the contributions of a track's parts (frames in increasing order)."""
    out: dict[int, list[FramePart]] = {}
    for part in track:
        for t, f in enumerate(part.frames):
            out.setdefault(f, []).append(
                FramePart(part.segmentations[t], part.boxes[t], part.frame_scores[t]))
    return dict(sorted(out.items()))


def merge_masks(parts: Sequence[FramePart], height: int, width: int) -> dict | None:
    """Score-weighted average of the parts' binary masks, > 0.5 (compressed RLE, str counts)."""
    segs = [p for p in parts if p.segmentation is not None]
    if not segs:
        return None
    if len(segs) == 1:
        return to_json_rle(segs[0].segmentation)
    weights = np.array([max(p.score, 1e-6) for p in segs])                    # (P,)
    masks = np.stack([mask_utils.decode(_rle(p.segmentation)) for p in segs])  # (P, H, W)
    avg = np.tensordot(weights / weights.sum(), masks.astype(np.float64), axes=1)  # (H, W)
    out = mask_utils.encode(np.asfortranarray((avg > 0.5).astype(np.uint8)))
    return to_json_rle(out)


def track_class_scores(track: Sequence[ClipTracklet], *, present_threshold: float = 0.5
                       ) -> np.ndarray:
    """s_k of a track (spec §8): mean of the parts' class scores over its present frames. (K,)"""
    rows, present = [], []
    for part in track:
        for fs in part.frame_scores:
            rows.append(part.category_scores)
            present.append(fs > present_threshold)
    scores = np.asarray(rows, dtype=np.float64)                               # (F, K)
    keep = np.asarray(present, dtype=bool)                                    # (F,)
    return scores[keep].mean(axis=0) if keep.any() else scores.mean(axis=0)  # (K,)


def assemble_video(video_id: int, tracks: Sequence[Sequence[ClipTracklet]], *,
                   video: VideoInfo, category_ids: Sequence[int], top_k: int = 10,
                   label_mode: str = "topk", track_nms_iou: float | None = None
                   ) -> list[PredTrack]:
    """Result records of one video from its linked tracks (spec §8).

    Args:
        video_id: the video the tracks belong to.
        tracks: each track is the list of tracklet parts linked into it.
        video: length and size of the video (segmentations are emitted for every frame).
        category_ids: dataset category id of each class index.
        top_k: records kept per video in ``"topk"`` mode.
        label_mode: ``"topk"`` (flattened (track, class) top-k) or ``"argmax"``.
        track_nms_iou: drop pairs that repeat a better-scored track of the same class above
            this video IoU (``vistoolkit.linking.selection``); None = never.

    Returns:
        ``PredTrack`` records sorted by decreasing score (``index`` 0..).
    """
    if label_mode not in LABEL_MODES:
        raise ValueError(f"label_mode must be 'topk' or 'argmax', not {label_mode!r}")
    tracks = [t for t in tracks if t]
    if not tracks:
        return []
    scores = np.stack([track_class_scores(t) for t in tracks])               # (A, K)
    segs_cache: dict[int, tuple] = {}

    def all_overlaps() -> np.ndarray:
        segs_cache.update({a: _track_segmentations(t, video) for a, t in enumerate(tracks)
                           if a not in segs_cache})
        return track_overlaps([segs_cache[a] for a in range(len(tracks))],
                              height=video.height, width=video.width)

    picks = select_pairs(scores, top_k=top_k, label_mode=label_mode,
                         track_nms_iou=track_nms_iou, overlaps=all_overlaps)
    out = []
    for a, k in picks:
        if a not in segs_cache:
            segs_cache[a] = _track_segmentations(tracks[a], video)
        out.append(PredTrack(video_id=video_id, category_id=int(category_ids[k]),
                             score=float(scores[a, k]), segmentations=segs_cache[a]))
    return out


def _track_segmentations(track: Sequence[ClipTracklet], video: VideoInfo) -> tuple:
    segs: list[dict | None] = [None] * video.length
    for f, parts in frame_parts(track).items():
        if f >= video.length:
            raise InputError(f"tracklet frame {f} is past the video's {video.length} frames",
                             where=f"video_id={video.id}")
        segs[f] = merge_masks(parts, video.height, video.width)
    return tuple(segs)


def assemble_predictions(tracks_by_video: Mapping[int, Sequence[Sequence[ClipTracklet]]], *,
                         videos: Mapping[int, VideoInfo], category_ids: Sequence[int],
                         top_k: int = 10, label_mode: str = "topk",
                         track_nms_iou: float | None = None) -> list[PredTrack]:
    """Result records of all videos (video id order), ``index`` = position in the list."""
    out: list[PredTrack] = []
    for vid in sorted(tracks_by_video):
        out.extend(assemble_video(vid, tracks_by_video[vid], video=videos[vid],
                                  category_ids=category_ids, top_k=top_k,
                                  label_mode=label_mode, track_nms_iou=track_nms_iou))
    return [PredTrack(p.video_id, p.category_id, p.score, p.segmentations, index=i)
            for i, p in enumerate(out)]


def video_infos(results: ClipResults, dataset: Dataset | None = None) -> dict[int, VideoInfo]:
    """Length and size of every video of ``results``.

    Taken from ``dataset`` if given, else from the file's video lines, else inferred from the
    tracklets (last covered frame, RLE size).

    Raises:
        InputError: a video of the results is missing from ``dataset`` or has no size anywhere.
    """
    if dataset is not None:
        index = dataset.video_index()
        out = {}
        for vid in {t.video_id for t in results.tracklets}:
            if vid not in index:
                raise InputError("video of the clip results is not in the annotation file",
                                 where=f"video_id={vid}")
            v = index[vid]
            out[vid] = VideoInfo(v.id, v.length, v.height, v.width)
        return out
    out = dict(results.videos)
    for vid, lst in results.by_video().items():
        if vid in out:
            continue
        size = next((s["size"] for t in lst for s in t.segmentations if s is not None), None)
        if size is None:
            raise InputError("no video line and no mask to take the frame size from",
                             where=f"video_id={vid}")
        out[vid] = VideoInfo(vid, max(t.frames.stop for t in lst), int(size[0]), int(size[1]))
    return out


def extend_tracks(tracks: list[list], items: Sequence, linked: Mapping[int, int]) -> None:
    """Append ``items[j]`` to ``tracks[linked[j]]``; every unlinked item starts a new track."""
    for j, item in enumerate(items):
        if j in linked:
            tracks[linked[j]].append(item)
        else:
            tracks.append([item])


def tracklet_score(t: ClipTracklet) -> float:
    """Detection score of a tracklet: its best class score."""
    return max(t.category_scores) if t.category_scores else 0.0

