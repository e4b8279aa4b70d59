"""Value checks of annotation records that the per-frame mask checks do not cover: video
fields (size, length, file names), per-frame ``areas`` and ``bboxes``.

What they protect: a NaN area made APm/APl 100 and a negative one changed AR1 (the area range
filter compares them silently); a string or a 400-digit integer crashed the evaluator; a video
length of 10^9 made ``data resample`` allocate 10^9 indices. Integers are compared before any
float conversion, so a huge integer is refused, not an ``OverflowError``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from vistoolkit.data.problems import Problem
from vistoolkit.data.records import Track, Video

MAX_SIDE = 65535             # pixels: the largest JPEG / PNG frame side
MAX_VIDEO_LENGTH = 10**6     # frames (an hour at 30 fps is 108,000)
MAX_AREA = 2**53             # exactly representable as a float64 (the evaluator's area type)


def _number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _in_range(x: object, low: float, high: float) -> bool:
    """``low <= x <= high`` for an int or float (False for NaN, bool, other types)."""
    return _number(x) and low <= x <= high  # type: ignore[operator]


def video_problems(v: Video) -> list[Problem]:
    """Size and length of one video (``file_names`` are checked where frames are read)."""
    where, out = f"video_id={v.id}", []
    for key, value in (("width", v.width), ("height", v.height)):
        if not 1 <= value <= MAX_SIDE:
            out.append(Problem("video", f"'{key}' {value} is outside 1..{MAX_SIDE}", where))
    if not 0 <= v.length <= MAX_VIDEO_LENGTH:
        out.append(Problem("video", f"'length' {v.length} is outside 0..{MAX_VIDEO_LENGTH}",
                           where))
    return out


def _first_bad(values: Sequence, ok) -> tuple[int, object, int] | None:
    """(first bad frame, its value, number of bad frames) or None."""
    bad = [(f, x) for f, x in enumerate(values) if x is not None and not ok(x)]
    return (bad[0][0], bad[0][1], len(bad)) if bad else None


def _bbox_ok(box: object, width: int, height: int) -> bool:
    if not (isinstance(box, list) and len(box) == 4):
        return False
    x, y, w, h = box
    side = 2 * max(width, height)
    return (_in_range(x, -side, side) and _in_range(y, -side, side)
            and _in_range(w, 0, side) and _in_range(h, 0, side))


def track_value_problems(t: Track, video: Video, where: str) -> list[Problem]:
    """``areas``: finite, non-negative numbers up to ``MAX_AREA`` (not bounded by the frame:
    the official evaluator takes them as given, even larger than the frame); ``bboxes``:
    ``[x, y, w, h]`` of finite numbers, w and h non-negative, within twice the frame size."""
    out = []
    if t.areas is not None:
        found = _first_bad(t.areas, lambda a: _in_range(a, 0, MAX_AREA))
        if found is not None:
            f, value, n = found
            more = f" ({n} frames)" if n > 1 else ""
            out.append(Problem("area", f"area {value!r:.40} is not a finite number in 0..2^53"
                               f"{more}", f"{where}, frame {f}"))
    if t.bboxes is not None:
        found = _first_bad(t.bboxes, lambda b: _bbox_ok(b, video.width, video.height))
        if found is not None:
            f, value, n = found
            more = f" ({n} frames)" if n > 1 else ""
            out.append(Problem("bbox", f"bbox {value!r:.60} is not [x, y, w, h] with finite "
                               f"w, h >= 0 near the frame{more}", f"{where}, frame {f}"))
    return out


def polygon_ok(seg: list, width: int, height: int) -> bool:
    """Polygons: flat ``[x0, y0, x1, y1, ...]`` lists of >= 3 points, every coordinate a finite
    number within one frame size of the frame (pycocotools rasterises the whole outline:
    it crashed on 1e10 and took 51 s on 1e8)."""
    for poly in seg:
        if not (isinstance(poly, list) and len(poly) >= 6 and len(poly) % 2 == 0):
            return False
        for i, x in enumerate(poly):
            side = width if i % 2 == 0 else height
            if not _in_range(x, -side, 2 * side):
                return False
    return True


def file_name_problem(name: object) -> str:
    """Why ``name`` cannot be a frame file below the image directory ("" if it can)."""
    if not isinstance(name, str) or not name:
        return f"file name {name!r:.40} is not a non-empty string"
    if "\x00" in name or "\\" in name:
        return f"file name {name!r:.60} has a NUL or backslash"
    if posixpath.isabs(name) or ".." in name.split("/"):
        return f"file name {name!r:.60} points outside the image directory"
    return ""

