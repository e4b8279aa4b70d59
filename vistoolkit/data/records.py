"""Typed records for YouTube-VIS / OVIS annotation and result files.

Segmentations are kept as they appear in the JSON (compressed RLE dict, uncompressed RLE dict with
integer ``counts``, polygon list, or None) and are decoded lazily by ``vistoolkit.data.rle``.
Unknown keys are kept in ``extra`` so that a load/save round trip preserves every field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# One frame of one track, as stored in the JSON: RLE dict, polygon list, or None (absent).
Segmentation = dict | list | None
# (x, y, w, h) in pixels, as in the JSON, or None on frames where the track is absent.
BBox = list | None


@dataclass(frozen=True, slots=True)
class Category:
    """One entry of ``categories``."""

    id: int
    name: str
    supercategory: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Video:
    """One entry of ``videos``: ``length`` frames of ``height`` x ``width`` pixels."""

    id: int
    width: int
    height: int
    length: int
    file_names: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def size(self) -> tuple[int, int]:
        """(height, width), the order of RLE ``size``."""
        return (self.height, self.width)


@dataclass(frozen=True, slots=True)
class Track:
    """One ground-truth instance (an entry of ``annotations``) over all frames of its video.

    ``segmentations``, ``bboxes`` and ``areas`` have one entry per frame (None where absent);
    ``bboxes`` / ``areas`` are None when the file has no such field.
    """

    id: int
    video_id: int
    category_id: int
    segmentations: tuple[Segmentation, ...]
    bboxes: tuple[BBox, ...] | None = None
    areas: tuple[float | None, ...] | None = None
    iscrowd: int = 0
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def length(self) -> int:
        return len(self.segmentations)


@dataclass(frozen=True, slots=True)
class PredTrack:
    """One entry of a result file; ``index`` is its position in the file (0-based)."""

    video_id: int
    category_id: int
    score: float
    segmentations: tuple[Segmentation, ...]
    index: int = 0
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Dataset:
    """A whole annotation file. ``tracks`` is empty for valid/test files without annotations.

    ``has_annotations`` / ``has_categories`` record whether the file had those keys at all, so
    that saving a videos-only file does not invent them.
    """

    videos: tuple[Video, ...]
    categories: tuple[Category, ...]
    tracks: tuple[Track, ...] = ()
    info: dict[str, Any] | None = None
    licenses: list[Any] | None = None
    has_annotations: bool = True
    has_categories: bool = True
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def video_index(self) -> dict[int, Video]:
        """Videos by id."""
        return {v.id: v for v in self.videos}

    def category_index(self) -> dict[int, Category]:
        """Categories by id."""
        return {c.id: c for c in self.categories}

    def tracks_by_video(self) -> dict[int, list[Track]]:
        """Tracks grouped by video id, in file order; every video has an entry."""
        out: dict[int, list[Track]] = {v.id: [] for v in self.videos}
        for t in self.tracks:
            out.setdefault(t.video_id, []).append(t)
        return out
