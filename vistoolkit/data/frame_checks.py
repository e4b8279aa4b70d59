"""Per-frame checks of segmentations (RLE ``size``, structure, polygons) and the collection of
compressed RLE strings for one batched decodability check (``rle_counts_totals``).

Per-frame problems are reported once per record, at its first bad frame, with the number of bad
frames in the message. A counts string that does not sum to h*w must be refused: pycocotools'
``iou`` can loop forever on it (when the boxes overlap).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vistoolkit.data.problems import Problem
from vistoolkit.data.record_checks import polygon_ok
from vistoolkit.data.records import Segmentation


class FrameChecker:
    """Per-frame size/structure checks; collects compressed strings for one batched RLE check."""

    def __init__(self, *, collect: bool) -> None:
        self.collect = collect
        self.strings: list = []
        self.frames: list[int] = []  # frame of each string within its record
        self.spans: list[tuple[int, int, int]] = []  # (record, first string, h*w) per record
        self.other_size: dict[int, int] = {}  # string index -> h*w of its own (wrong) size

    def check(self, segs: Sequence[Segmentation], hw: list[int], where: str, owner: int,
              problems: list[Problem]) -> tuple:
        """Append ``size``/``rle`` problems of ``segs`` (video size ``hw`` = [h, w]).

        Returns a hashable key of the segmentations (for duplicate detection).
        """
        bad_size, bad_rle, key = [], [], []
        strings, frames, collect = self.strings, self.frames, self.collect
        if collect:
            self.spans.append((owner, len(strings), hw[0] * hw[1]))
        for f, seg in enumerate(segs):
            if seg is None:
                key.append(None)
                continue
            if type(seg) is dict:
                size, counts = seg.get("size"), seg.get("counts")
                if size != hw:
                    if not _valid_size(size):
                        bad_rle.append((f, f"RLE 'size' must be [height, width], got {size!r:.40}"))
                        key.append(None)
                        continue
                    bad_size.append((f, size))
                kind = type(counts)
                if kind is str or kind is bytes:
                    key.append(counts)
                    if collect:
                        if size != hw:
                            self.other_size[len(strings)] = size[0] * size[1]
                        strings.append(counts)
                        frames.append(f)
                    continue
                if kind is list:
                    msg = _uncompressed_problem(counts, size)
                    if msg:
                        bad_rle.append((f, msg))
                else:
                    bad_rle.append((f, f"RLE 'counts' must be a string or a list, got {counts!r:.40}"))
            elif not (type(seg) is list and polygon_ok(seg, hw[1], hw[0])):
                bad_rle.append((f, f"malformed segmentation {seg!r:.40}"))
            key.append(repr(seg))
        if bad_size:
            f, size = bad_size[0]
            problems.append(Problem("size", f"RLE size {size} differs from the video size {hw} "
                                    f"({len(bad_size)} of {len(segs)} frames)", f"{where}, frame {f}"))
        if bad_rle:
            f, msg = bad_rle[0]
            n = f" ({len(bad_rle)} frames)" if len(bad_rle) > 1 else ""
            problems.append(Problem("rle", msg + n, f"{where}, frame {f}"))
        return tuple(key)

    def collected(self) -> CollectedStrings:
        """The strings gathered so far with their expected totals, records and frames."""
        starts = np.array([sp[1] for sp in self.spans] + [len(self.strings)], dtype=np.int64)
        counts = np.diff(starts)
        expected = np.repeat(np.array([sp[2] for sp in self.spans], dtype=np.int64), counts)
        for j, total in self.other_size.items():
            expected[j] = total
        owner = np.repeat(np.array([sp[0] for sp in self.spans], dtype=np.int64), counts)
        return CollectedStrings(self.strings, expected, owner,
                                np.array(self.frames, dtype=np.int64))


@dataclass(frozen=True, slots=True)
class CollectedStrings:
    """Compressed RLE ``counts`` strings of the checked records, in record then frame order.

    Only frames whose segmentation is a dict with a valid ``size`` and str/bytes ``counts``.
    """

    strings: list          # (F,) str | bytes
    expected: np.ndarray   # (F,) int64 h*w of each string's own ``size``
    owner: np.ndarray      # (F,) int64 position of its record in the checked sequence
    frame: np.ndarray      # (F,) int64 frame within its record


def _uncompressed_problem(counts: list, size: object) -> str:
    if not all(type(c) is int and c >= 0 for c in counts):
        return "uncompressed RLE counts must be non-negative integers"
    h, w = size  # type: ignore[misc]
    if sum(counts) != h * w:
        return f"undecodable RLE: counts sum to {sum(counts)}, expected {h}*{w}={h * w}"
    return ""


def _valid_size(size: object) -> bool:
    return type(size) is list and len(size) == 2 and all(type(x) is int and x > 0 for x in size)


def rle_problems(found: CollectedStrings, totals: np.ndarray, records: Sequence,
                  where_of: dict) -> list[tuple[int, Problem]]:
    """``rle`` problems of the collected strings given their ``totals`` (F,), once per record
    (first bad frame)."""
    bad = np.flatnonzero(totals != found.expected)
    per_owner: dict[int, list[int]] = {}
    for j, k in zip(bad.tolist(), found.owner[bad].tolist()):
        per_owner.setdefault(k, []).append(j)
    out = []
    for owner, js in per_owner.items():
        j = js[0]
        f = int(found.frame[j])
        h, w = records[owner].segmentations[f]["size"]
        msg = ("undecodable RLE: malformed counts string" if totals[j] < 0 else
               f"undecodable RLE: counts sum to {totals[j]}, expected {h}*{w}={h * w}")
        n = f" ({len(js)} frames)" if len(js) > 1 else ""
        out.append((owner, Problem("rle", msg + n, f"{where_of[owner]}, frame {f}")))
    return out
