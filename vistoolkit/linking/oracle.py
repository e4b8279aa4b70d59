"""Clip results cut from ground truth: perfect tracklets with shuffled slots.

They isolate the linking step: a linker given these tracklets can only lose AP by linking
wrongly (identity switches, fragmented tracks), never by bad masks or classes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vistoolkit.data import rle
from vistoolkit.data.clip_results import ClipResultWriter, ClipTracklet
from vistoolkit.data.records import Dataset


def clip_windows(length: int, clip_length: int, stride: int) -> list[range]:
    """Windows of ``clip_length`` frames every ``stride`` frames, the last one ending at the
    video's end (it may be shorter); none starts inside the previous window's tail."""
    out, start = [], 0
    while True:
        out.append(range(start, min(start + clip_length, length)))
        if start + clip_length >= length:
            return out
        start += stride


def oracle_tracklets(ds: Dataset, *, clip_length: int, stride: int | None = None,
                     seed: int = 0) -> list[ClipTracklet]:
    """One tracklet per ground-truth track and window it appears in, slots shuffled per window.

    Class scores are one-hot on the track's category; frame scores are 1 on annotated frames.
    """
    stride = clip_length if stride is None else stride
    rng = np.random.default_rng(seed)
    cat_index = {c.id: k for k, c in enumerate(sorted(ds.categories, key=lambda c: c.id))}
    by_video, out = ds.tracks_by_video(), []
    for video in ds.videos:
        for ci, win in enumerate(clip_windows(video.length, clip_length, stride)):
            present = [t for t in by_video[video.id]
                       if any(t.segmentations[f] is not None for f in win)]
            slots = rng.permutation(len(present))
            for slot, track in zip(slots, present):
                scores = [0.0] * len(cat_index)
                scores[cat_index[track.category_id]] = 1.0
                segs, boxes = [], []
                for f in win:
                    r = rle.to_rle(track.segmentations[f], video.height, video.width)
                    segs.append(rle.to_json_rle(r))
                    b = None if r is None else rle.bbox(r, video.height, video.width)
                    boxes.append(None if b is None else [b[0], b[1], b[0] + b[2], b[1] + b[3]])
                out.append(ClipTracklet(video.id, ci, win.start, int(slot), tuple(scores),
                                        tuple(segs), tuple(boxes),
                                        tuple(0.0 if s is None else 1.0 for s in segs)))
    return out


def write_oracle_clip_results(ds: Dataset, path: Path, *, clip_length: int,
                              stride: int | None = None, seed: int = 0) -> Path:
    """``oracle_tracklets`` written as a clip-result file (with video lines)."""
    stride = clip_length if stride is None else stride
    cats = sorted(c.id for c in ds.categories)
    with ClipResultWriter(path, category_ids=cats, clip_length=clip_length, stride=stride) as w:
        for v in ds.videos:
            w.add_video(v.id, length=v.length, height=v.height, width=v.width)
        for t in oracle_tracklets(ds, clip_length=clip_length, stride=stride, seed=seed):
            w.add(t)
    return Path(path)
