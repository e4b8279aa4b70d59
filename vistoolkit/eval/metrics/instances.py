"""AP by crowding: videos grouped by their number of non-crowd GT tracks (of the evaluated
categories). A video outside a bucket is left out entirely, which equals evaluating the videos of
that bucket alone; a video without GT is in no bucket."""

from __future__ import annotations

import numpy as np

from vistoolkit.eval.metrics.buckets import BucketAP, whole_video_out
from vistoolkit.eval.metrics.data import VideoData
from vistoolkit.eval.params import range_out

INSTANCE_BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("1", 1, 1), ("2", 2, 2), ("3", 3, 3), ("4-5", 4, 5), (">5", 6, np.inf),
)


class InstancesBreakdown(BucketAP):
    """AP of videos by number of GT instances (``INSTANCE_BUCKETS``, inclusive), all areas."""

    name = "instances"

    def labels(self) -> tuple[str, ...]:
        return tuple(b[0] for b in INSTANCE_BUCKETS)

    def outside(self, video: VideoData) -> tuple[np.ndarray, np.ndarray]:
        n = np.array([(~video.gt_crowd).sum()], dtype=np.float64)                  # (1,)
        out = range_out(n, tuple((lo, hi) for _, lo, hi in INSTANCE_BUCKETS))[:, 0]  # (B,)
        return whole_video_out(out, video)
