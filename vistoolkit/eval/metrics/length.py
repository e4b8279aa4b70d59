"""AP by track length: a track's length is its number of frames with a non-empty mask (GT and
predictions alike). Buckets 1-16, 17-32 and >= 33 frames, inclusive."""

from __future__ import annotations

import numpy as np

from vistoolkit.eval.metrics.buckets import BucketAP
from vistoolkit.eval.metrics.data import VideoData
from vistoolkit.eval.params import range_out

LENGTH_BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("1-16", 1, 16), ("17-32", 17, 32), (">32", 33, np.inf),
)


class LengthBreakdown(BucketAP):
    """AP of tracks by number of non-empty frames (``LENGTH_BUCKETS``), all areas."""

    name = "length"

    def labels(self) -> tuple[str, ...]:
        return tuple(b[0] for b in LENGTH_BUCKETS)

    def outside(self, video: VideoData) -> tuple[np.ndarray, np.ndarray]:
        ranges = tuple((lo, hi) for _, lo, hi in LENGTH_BUCKETS)
        return (range_out(video.gt_length.astype(np.float64), ranges),        # (3, G)
                range_out(video.det_length.astype(np.float64), ranges))       # (3, D)
