"""Clip windows and per-clip tracklet targets for clip-level VIS training (numpy only).

A clip is a ``range`` of frame indices of one video. ``clip_targets`` turns the ground-truth
tracks of a video into per-frame targets for one clip: label ``K`` (background) and an all-zero
mask on frames where an instance is absent, as Eq. 4-5 of EfficientVIS expect.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from vistoolkit.data import rle
from vistoolkit.data.records import Category, Track, Video
from vistoolkit.errors import InputError


def split_clips(length: int, clip_length: int) -> list[range]:
    """Successive non-overlapping windows of ``clip_length`` frames; the last may be shorter.

    >>> split_clips(10, 4)
    [range(0, 4), range(4, 8), range(8, 10)]
    """
    if clip_length < 1:
        raise ValueError(f"clip_length must be >= 1, got {clip_length}")
    if length < 0:
        raise ValueError(f"length must be >= 0, got {length}")
    return [range(s, min(s + clip_length, length)) for s in range(0, length, clip_length)]


def category_index(categories: Iterable[Category | int]) -> dict[int, int]:
    """Contiguous class index k (0..K-1) for each dataset category id, in sorted-id order."""
    ids = sorted({c.id if isinstance(c, Category) else int(c) for c in categories})
    return {cid: k for k, cid in enumerate(ids)}


@dataclass(frozen=True, slots=True)
class ClipTargets:
    """Targets of one clip of T' frames at the video's original resolution.

    Attributes:
        track_ids: (G,) int64 annotation ids, in the order of the rows below.
        labels: (G, T') int64 contiguous class index; K (background) where absent.
        boxes: (G, T', 4) float32 ``xyxy`` absolute pixels; zeros where absent.
        masks: (G, T', H, W) uint8 binary; all-zero where absent.
        present: (G, T') bool, True where the instance has a non-empty mask.
    """

    track_ids: np.ndarray
    labels: np.ndarray
    boxes: np.ndarray
    masks: np.ndarray
    present: np.ndarray

    @property
    def num_instances(self) -> int:
        return int(self.track_ids.shape[0])


def _frame_box(track: Track, frame: int, mask: np.ndarray) -> np.ndarray:
    """``xyxy`` box of one present frame: the file's ``bboxes`` entry, else the mask's extent."""
    box = track.bboxes[frame] if track.bboxes is not None else None
    if box is None:
        ys, xs = np.nonzero(mask)
        return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], dtype=np.float32)
    x, y, w, h = (float(v) for v in box)
    return np.array([x, y, x + w, y + h], dtype=np.float32)


def clip_targets(video: Video, tracks: Sequence[Track], frames: range,
                 category_index: dict[int, int], *, keep_absent: bool = False) -> ClipTargets:
    """Per-frame targets of ``tracks`` on the clip ``frames`` of ``video``.

    Args:
        video: the video the tracks belong to (gives H, W).
        tracks: ground-truth tracks of the video, in the order the rows should have.
        frames: the clip's frame indices (a window of the video).
        category_index: dataset category id -> contiguous index k; K = ``len(category_index)``.
        keep_absent: keep tracks absent from every frame of the clip (all-background rows),
            so that the two clips of a correspondence pair share one row order.

    Returns:
        ``ClipTargets`` with G = number of kept tracks and T' = ``len(frames)``.
    """
    num_classes = len(category_index)
    h, w, t_len = video.height, video.width, len(frames)
    rows = []
    for track in tracks:
        masks = np.zeros((t_len, h, w), dtype=np.uint8)                 # (T', H, W)
        boxes = np.zeros((t_len, 4), dtype=np.float32)                  # (T', 4) xyxy
        present = np.zeros(t_len, dtype=bool)                           # (T',)
        for t, f in enumerate(frames):
            seg = track.segmentations[f]
            if seg is None:
                continue
            masks[t] = rle.decode(seg, h, w)
            if masks[t].any():
                present[t] = True
                boxes[t] = _frame_box(track, f, masks[t])
        if present.any() or keep_absent:
            if track.category_id not in category_index:
                raise InputError(f"category_id {track.category_id} is not a known category",
                                 where=f"annotation id={track.id} (video_id={video.id})")
            label = category_index[track.category_id]
            labels = np.where(present, label, num_classes).astype(np.int64)   # (T',)
            rows.append((track.id, labels, boxes, masks, present))
    if not rows:
        return ClipTargets(
            track_ids=np.zeros(0, dtype=np.int64), labels=np.zeros((0, t_len), dtype=np.int64),
            boxes=np.zeros((0, t_len, 4), dtype=np.float32),
            masks=np.zeros((0, t_len, h, w), dtype=np.uint8),
            present=np.zeros((0, t_len), dtype=bool))
    ids, labels, boxes, masks, present = zip(*rows)
    return ClipTargets(track_ids=np.array(ids, dtype=np.int64), labels=np.stack(labels),
                       boxes=np.stack(boxes), masks=np.stack(masks), present=np.stack(present))


def sample_clip_chain(length: int, clip_length: int, rng: np.random.Generator, *, clips: int = 2,
                      adjacent: bool = False) -> tuple[range, ...]:
    """Up to ``clips`` clips of one video for correspondence learning (spec §7), in random order.

    * ``length >= 2T``: successive T-frame windows from a random offset; ``clips`` distinct ones
      (all of them if the video has fewer).
    * ``T < length < 2T``: the overlapping windows [0, T) and [length - T, length).
    * ``length <= T``: one clip of all frames.

    ``adjacent``: successive windows in time order (the order of inference's query hand-over)
    instead of any windows in any order. ``clips=2`` is spec §7's pair.
    """
    t = clip_length
    if t < 1 or length < 1 or clips < 2:
        raise ValueError(f"need length, clip_length >= 1 and clips >= 2, got {length}, {t}, "
                         f"{clips}")
    if length <= t:
        return (range(length),)
    if length < 2 * t:
        pair = [range(t), range(length - t, length)]
        if rng.random() < 0.5 and not adjacent:
            pair.reverse()
        return tuple(pair)
    offset = int(rng.integers(0, min(t, length - 2 * t + 1)))
    num_windows = (length - offset) // t
    k = min(clips, num_windows)
    if adjacent:
        first = int(rng.integers(0, num_windows - k + 1))
        chosen = range(first, first + k)
    else:
        chosen = (int(i) for i in rng.choice(num_windows, size=k, replace=False))  # random order
    return tuple(range(offset + a * t, offset + (a + 1) * t) for a in chosen)


def sample_clip_pair(length: int, clip_length: int, rng: np.random.Generator, *,
                     adjacent: bool = False) -> tuple[range, range | None]:
    """Two clips of one video (``sample_clip_chain`` with ``clips=2``); the second is None
    when ``length <= T``."""
    chain = sample_clip_chain(length, clip_length, rng, clips=2, adjacent=adjacent)
    return chain[0], (chain[1] if len(chain) > 1 else None)


def sample_clip(length: int, clip_length: int, rng: np.random.Generator) -> range:
    """One window of ``min(length, T)`` frames at a uniformly random start."""
    t = min(length, clip_length)
    start = int(rng.integers(0, length - t + 1))
    return range(start, start + t)
