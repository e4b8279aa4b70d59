"""Several datasets as one: video and track ids moved into disjoint ranges, so that one
evaluation (and one per-video bootstrap) covers the videos of every part."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from vistoolkit.data.records import Dataset, PredTrack

ID_STRIDE = 1_000_000          # part k's video and track ids are shifted by k * ID_STRIDE


def shift_ids(gt: Dataset, preds: Sequence[PredTrack], k: int
              ) -> tuple[Dataset, list[PredTrack]]:
    """``gt`` and ``preds`` with video and track ids moved into part ``k``'s range."""
    off = k * ID_STRIDE
    if any(not 0 < v.id < ID_STRIDE for v in gt.videos):
        raise ValueError(f"video ids must lie in 1..{ID_STRIDE - 1} to be pooled")
    videos = tuple(dataclasses.replace(v, id=v.id + off) for v in gt.videos)
    tracks = tuple(dataclasses.replace(t, id=t.id + off, video_id=t.video_id + off)
                   for t in gt.tracks)
    return (dataclasses.replace(gt, videos=videos, tracks=tracks),
            [dataclasses.replace(p, video_id=p.video_id + off) for p in preds])


def pool(parts: Sequence[tuple[Dataset, Sequence[PredTrack]]]
         ) -> tuple[Dataset, list[PredTrack]]:
    """One dataset and one prediction list holding every part (same categories required)."""
    if not parts:
        raise ValueError("nothing to pool")
    cats = parts[0][0].categories
    if any(g.categories != cats for g, _ in parts):
        raise ValueError("the parts have different categories")
    moved = [shift_ids(g, p, k) for k, (g, p) in enumerate(parts)]
    gt = dataclasses.replace(moved[0][0], videos=tuple(v for g, _ in moved for v in g.videos),
                             tracks=tuple(t for g, _ in moved for t in g.tracks))
    return gt, [p for _, preds in moved for p in preds]
