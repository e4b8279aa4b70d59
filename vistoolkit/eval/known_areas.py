"""Mask areas the input checks already decoded, handed to the IoU phase (no second decode)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vistoolkit.data.frame_checks import CollectedStrings
from vistoolkit.data.records import PredTrack


@dataclass(frozen=True, slots=True)
class KnownAreas:
    """Foreground area of each prediction frame, where the RLE check computed it.

    start: (P + 1,) offset of each record's frames in ``area``; area: (sum of lengths,) int64,
    -1 where unknown (absent frame, polygon or uncompressed RLE, or not decoded).
    """

    start: np.ndarray
    area: np.ndarray
    position: dict[int, int]   # id(PredTrack) -> record position

    def of(self, pred: PredTrack) -> np.ndarray | None:
        """(L,) areas of ``pred``'s frames (-1 where unknown), None for a foreign record."""
        i = self.position.get(id(pred))
        return None if i is None else self.area[self.start[i]:self.start[i + 1]]


def known_areas(records: Sequence[PredTrack], found: CollectedStrings, areas: np.ndarray,
                subset: np.ndarray | None = None) -> KnownAreas:
    """Scatter ``areas`` (F,) of the strings ``found`` collected into per-record frames.

    ``subset``: indices of the strings that ``areas`` (then (len(subset),)) belongs to.
    """
    lengths = np.fromiter((len(p.segmentations) for p in records), dtype=np.int64,
                          count=len(records))                                # (P,)
    start = np.zeros(len(records) + 1, dtype=np.int64)
    np.cumsum(lengths, out=start[1:])
    flat = np.full(int(start[-1]), -1, dtype=np.int64)
    owner, frame = found.owner, found.frame
    if subset is not None:
        owner, frame = owner[subset], frame[subset]
    flat[start[owner] + frame] = areas
    return KnownAreas(start, flat, {id(p): i for i, p in enumerate(records)})
