"""Clip-level results: every tracklet a clip model predicts, before any inter-clip linking.

File format (JSON Lines, UTF-8; documented in ``docs/linking.md``):

* line 1, the header::

    {"format": "vistoolkit-clip-results", "version": 1,
     "category_ids": [1, 2, 3], "clip_length": 6, "stride": 6}

* optional video lines ``{"video": {"id": 7, "length": 20, "height": 360, "width": 640}}``
  (they let a linker emit full-length tracks even when a video's last frames have no tracklet);
* one line per tracklet::

    {"video_id": 7, "clip_index": 0, "start": 0, "slot": 3,
     "category_scores": [0.1, 0.8, 0.0],       # K, in the header's category order
     "segmentations": [{"size": [h, w], "counts": "..."}, null, ...],   # one per clip frame
     "boxes": [[x1, y1, x2, y2], null, ...],   # xyxy, original pixels, one per clip frame
     "frame_scores": [0.9, 0.1, ...]}          # foreground probability 1 - p(bg) per clip frame

A single JSON object ``{"header": {...}, "videos": [...], "tracklets": [...]}`` is read as well.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from vistoolkit.atomic import atomic_open
from vistoolkit.data.checked import mask_problems
from vistoolkit.data.json_io import gc_paused, read_text
from vistoolkit.data.problems import raise_first
from vistoolkit.errors import InputError

FORMAT_NAME = "vistoolkit-clip-results"
FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class ClipTracklet:
    """One query slot's prediction over one clip of ``len(segmentations)`` frames.

    Frame ``t`` of the tracklet is video frame ``start + t``. Segmentations are compressed RLE
    (``counts`` str) at the original resolution or None; boxes are ``xyxy`` original pixels or None.
    """

    video_id: int
    clip_index: int
    start: int
    slot: int
    category_scores: tuple[float, ...]
    segmentations: tuple[dict | None, ...]
    boxes: tuple[list[float] | None, ...]
    frame_scores: tuple[float, ...]

    @property
    def length(self) -> int:
        """Number of clip frames."""
        return len(self.segmentations)

    @property
    def frames(self) -> range:
        """Video frame indices this tracklet covers."""
        return range(self.start, self.start + len(self.segmentations))


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """Size of one video of a clip-result file."""

    id: int
    length: int
    height: int
    width: int


@dataclass(frozen=True, slots=True)
class ClipResults:
    """A whole clip-result file; ``videos`` holds the optional video lines by id."""

    category_ids: tuple[int, ...]
    clip_length: int
    stride: int
    tracklets: tuple[ClipTracklet, ...]
    videos: dict[int, VideoInfo] = field(default_factory=dict, compare=False)

    def by_video(self) -> dict[int, list[ClipTracklet]]:
        """Tracklets grouped by video id, sorted by (clip start, clip index, slot)."""
        out: dict[int, list[ClipTracklet]] = {}
        for t in self.tracklets:
            out.setdefault(t.video_id, []).append(t)
        for lst in out.values():
            lst.sort(key=lambda t: (t.start, t.clip_index, t.slot))
        return out


def tracklet_to_json(t: ClipTracklet) -> dict[str, Any]:
    """One tracklet as a JSON-ready dict (RLE counts as str)."""
    segs = []
    for s in t.segmentations:
        if s is not None and isinstance(s.get("counts"), bytes):
            s = {"size": list(s["size"]), "counts": s["counts"].decode("ascii")}
        segs.append(s)
    return {
        "video_id": int(t.video_id), "clip_index": int(t.clip_index), "start": int(t.start),
        "slot": int(t.slot), "category_scores": [float(v) for v in t.category_scores],
        "segmentations": segs,
        "boxes": [None if b is None else [float(v) for v in b] for b in t.boxes],
        "frame_scores": [float(v) for v in t.frame_scores],
    }


class ClipResultWriter:
    """Stream tracklets to a JSON Lines clip-result file; the file appears atomically on close.

    Use as a context manager; on an exception nothing is written.
    """

    def __init__(self, path: Path | str, *, category_ids: Sequence[int], clip_length: int,
                 stride: int) -> None:
        self.path = Path(path)
        self.category_ids = tuple(int(c) for c in category_ids)
        self.clip_length, self.stride = int(clip_length), int(stride)
        self.count = 0
        self._ctx: Any = None
        self._fh: IO[str] | None = None

    def __enter__(self) -> ClipResultWriter:  # noqa: PYI034 (Python 3.10 has no typing.Self)
        self._ctx = atomic_open(self.path, "w", encoding="utf-8")
        self._fh = self._ctx.__enter__()
        header = {"format": FORMAT_NAME, "version": FORMAT_VERSION,
                  "category_ids": list(self.category_ids), "clip_length": self.clip_length,
                  "stride": self.stride}
        self._fh.write(json.dumps(header) + "\n")
        return self

    def add_video(self, video_id: int, *, length: int, height: int, width: int) -> None:
        """Record one video's size (optional; lets linkers emit full-length tracks)."""
        rec = {"id": int(video_id), "length": int(length), "height": int(height),
               "width": int(width)}
        self._write({"video": rec})

    def add(self, tracklet: ClipTracklet) -> None:
        """Append one tracklet."""
        if len(tracklet.category_scores) != len(self.category_ids):
            raise ValueError(f"{len(tracklet.category_scores)} category scores for "
                             f"{len(self.category_ids)} categories")
        self._write(tracklet_to_json(tracklet))
        self.count += 1

    def _write(self, obj: dict[str, Any]) -> None:
        if self._fh is None:
            raise RuntimeError("ClipResultWriter is used outside its `with` block")
        self._fh.write(json.dumps(obj, separators=(",", ":")) + "\n")

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool | None:
        ctx, self._ctx, self._fh = self._ctx, None, None
        return ctx.__exit__(exc_type, exc, tb)


def _number_list(value: Any, n: int | None, what: str, path: Path, where: str) -> tuple:
    if not isinstance(value, list) or (n is not None and len(value) != n):
        want = "a list" if n is None else f"a list of {n}"
        raise InputError(f"'{what}' must be {want}", path=path, where=where)
    for v in value:
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
            raise InputError(f"'{what}' holds a non-finite or non-numeric value {v!r}",
                             path=path, where=where)
    return tuple(float(v) for v in value)


def _parse_tracklet(obj: Any, num_classes: int, path: Path, where: str) -> ClipTracklet:
    if not isinstance(obj, dict):
        raise InputError("a tracklet must be a JSON object", path=path, where=where)
    keys = ("video_id", "clip_index", "start", "slot", "category_scores", "segmentations",
            "boxes", "frame_scores")
    missing = [k for k in keys if k not in obj]
    if missing:
        raise InputError(f"missing key(s) {', '.join(missing)}", path=path, where=where)
    ints = {}
    for k in keys[:4]:
        if not isinstance(obj[k], int) or isinstance(obj[k], bool) or obj[k] < 0:
            raise InputError(f"'{k}' must be a non-negative integer", path=path, where=where)
        ints[k] = obj[k]
    segs = obj["segmentations"]
    if not isinstance(segs, list) or not segs:
        raise InputError("'segmentations' must be a non-empty list", path=path, where=where)
    for f, s in enumerate(segs):
        if s is not None and not (isinstance(s, dict) and "size" in s and "counts" in s):
            raise InputError("a segmentation must be an RLE dict or null", path=path,
                             where=f"{where}, clip frame {f}")
    n = len(segs)
    boxes = obj["boxes"]
    if not isinstance(boxes, list) or len(boxes) != n:
        raise InputError(f"'boxes' must be a list of {n}", path=path, where=where)
    parsed_boxes = tuple(None if b is None else list(_number_list(b, 4, "boxes", path, where))
                         for b in boxes)
    return ClipTracklet(
        video_id=ints["video_id"], clip_index=ints["clip_index"], start=ints["start"],
        slot=ints["slot"],
        category_scores=_number_list(obj["category_scores"], num_classes, "category_scores",
                                     path, where),
        segmentations=tuple(segs), boxes=parsed_boxes,
        frame_scores=_number_list(obj["frame_scores"], n, "frame_scores", path, where))


def _parse_header(obj: Any, path: Path) -> tuple[tuple[int, ...], int, int]:
    if not isinstance(obj, dict) or obj.get("format") != FORMAT_NAME:
        raise InputError(f"not a clip-result file (header 'format' is not {FORMAT_NAME!r})",
                         path=path, where="header")
    if obj.get("version") != FORMAT_VERSION:
        raise InputError(f"unsupported version {obj.get('version')!r}", path=path, where="header")
    cats = obj.get("category_ids")
    if not isinstance(cats, list) or not all(isinstance(c, int) for c in cats):
        raise InputError("'category_ids' must be a list of integers", path=path, where="header")
    for k in ("clip_length", "stride"):
        if not isinstance(obj.get(k), int) or obj[k] < 1:
            raise InputError(f"'{k}' must be a positive integer", path=path, where="header")
    return tuple(cats), obj["clip_length"], obj["stride"]


def _parse_video(obj: Any, path: Path, where: str) -> VideoInfo:
    keys = ("id", "length", "height", "width")
    if not isinstance(obj, dict) or not all(isinstance(obj.get(k), int) for k in keys):
        raise InputError(f"a video needs integer {', '.join(keys)}", path=path, where=where)
    return VideoInfo(*(obj[k] for k in keys))


def _loads(text: str, path: Path, where: str) -> Any:
    """``json.loads``; too deep, a 5,000-digit integer or invalid JSON is an ``InputError``."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"invalid JSON ({err.msg})", path=path, where=where) from None
    except RecursionError:
        raise InputError("invalid JSON (nested too deeply)", path=path, where=where) from None
    except ValueError as err:          # an integer beyond Python's digit limit
        raise InputError(f"invalid JSON ({str(err).split(';')[0]})", path=path,
                         where=where) from None


def _iter_records(path: Path) -> Iterator[tuple[str, Any]]:
    """(where, parsed JSON) of each non-empty line, or of the parts of a single JSON object."""
    first, newline, rest = read_text(path).partition("\n")
    first += newline
    try:
        head = _loads(first, path, "line 1")
    except InputError:
        head = None
    if isinstance(head, dict) and "header" not in head:
        yield "header", head
        for i, line in enumerate(rest.splitlines(), start=2):
            if line.strip():
                yield f"line {i}", _loads(line, path, f"line {i}")
        return
    whole = _loads(first + rest, path, "")
    if not isinstance(whole, dict) or "header" not in whole:
        raise InputError("expected a JSON Lines header or an object with 'header'", path=path)
    yield "header", whole["header"]
    for i, v in enumerate(whole.get("videos", [])):
        yield f"videos[{i}]", {"video": v}
    for i, t in enumerate(whole.get("tracklets", [])):
        yield f"tracklets[{i}]", t


def load_clip_results(path: Path | str) -> ClipResults:
    """Read and validate a clip-result file.

    Raises:
        InputError: a missing or unreadable file, or a malformed header, line or tracklet (with
            the line / record).
    """
    path = Path(path)
    with gc_paused():
        records = _iter_records(path)
        _, head = next(records)
        cats, clip_length, stride = _parse_header(head, path)
        tracklets: list[ClipTracklet] = []
        wheres: list[str] = []
        videos: dict[int, VideoInfo] = {}
        for where, obj in records:
            if isinstance(obj, dict) and "video" in obj:
                v = _parse_video(obj["video"], path, where)
                videos[v.id] = v
            else:
                tracklets.append(_parse_tracklet(obj, len(cats), path, where))
                wheres.append(where)
        found = mask_problems([t.segmentations for t in tracklets], wheres)  # decodable RLE
        raise_first([p for i in sorted(found) for p in found[i]], path=path)
    return ClipResults(category_ids=cats, clip_length=clip_length, stride=stride,
                       tracklets=tuple(tracklets), videos=videos)
