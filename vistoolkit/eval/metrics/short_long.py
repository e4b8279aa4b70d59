"""AP on short and on long videos: videos with at most ``long_threshold`` frames are short,
longer ones long (YouTube-VIS 2022 reports AP on its long videos separately). A video outside
the subset is left out entirely, which equals evaluating the subset alone."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vistoolkit.eval.metrics.buckets import BucketAP, whole_video_out
from vistoolkit.eval.metrics.data import VideoData

DEFAULT_LONG_THRESHOLD = 36  # YouTube-VIS 2019/2021 videos have at most 36 annotated frames


@dataclass(frozen=True)
class ShortLongBreakdown(BucketAP):
    """AP_S / AP_L: videos of at most / more than ``long_threshold`` frames, all areas."""

    name = "short-long"
    long_threshold: int = DEFAULT_LONG_THRESHOLD

    def labels(self) -> tuple[str, ...]:
        return f"short (<={self.long_threshold})", f"long (>{self.long_threshold})"

    def outside(self, video: VideoData) -> tuple[np.ndarray, np.ndarray]:
        is_long = video.video.length > self.long_threshold
        return whole_video_out(np.array([is_long, not is_long]), video)
