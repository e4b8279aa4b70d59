"""AP by crowding: videos grouped by their number of non-crowd GT tracks (of the evaluated
categories). A video outside a bucket is left out entirely, which equals evaluating the videos of
that bucket alone; a video without GT is in no bucket."""

from __future__ import annotations

import numpy as np

from vistoolkit.eval.metrics.buckets import BucketAP
from vistoolkit.eval.metrics.data import VideoData

INSTANCE_BUCKETS: tuple[tuple[str, int, float], ...] = (
    ("1", 1, 1), ("2", 2, 2), ("3", 3, 3), ("4-5", 4, 5), (">5", 6, np.inf),
)


def video_instances(video: VideoData) -> int:
    """Non-crowd GT tracks of the video."""
    return int((~video.gt_crowd).sum())


class InstancesBreakdown(BucketAP):
    """AP of videos by number of GT instances (``INSTANCE_BUCKETS``, inclusive), all areas."""

    name = "instances"

    def labels(self) -> tuple[str, ...]:
        return tuple(b[0] for b in INSTANCE_BUCKETS)

    def outside(self, video: VideoData) -> tuple[np.ndarray, np.ndarray]:
        n = video_instances(video)
        out = np.array([not lo <= n <= hi for _, lo, hi in INSTANCE_BUCKETS])    # (B,)
        return (np.repeat(out[:, None], len(video.gt_rows), 1),                  # (B, G)
                np.repeat(out[:, None], len(video.det_rows), 1))                 # (B, D)
