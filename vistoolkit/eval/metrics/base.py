"""The metric plug-in interface, in the manner of TrackEval's ``metrics/_base_metric.py``.

A metric is a class with a ``name`` (its key in ``vistoolkit.eval.metrics.METRICS`` and in
``EvalResult``), a per-video step and a combining step::

    class CountGT(Metric[int]):
        name = "count-gt"

        def evaluate_video(self, video: VideoData) -> int:
            return int((~video.gt_crowd).sum())

        def combine(self, per_video: Sequence[int], data: EvalData) -> dict[str, float]:
            return {"n_gt": float(sum(per_video))}

``evaluate_video`` sees one ``VideoData`` (records, the (D, G) video IoU matrix, GT/prediction
rows with category, score, area, crowd and length, and the official matching); ``combine``
gets the per-video results in video id order and the ``EvalData`` of the whole evaluation (the
parameters, categories, the official accumulation and ``rematch`` for bucketed AP). Both are
pure: no file access, no printing. A value that cannot be computed is NaN, never -1.
Options are keyword arguments of the constructor, with defaults (``ShortLong(long_threshold=36)``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from vistoolkit.eval.metrics.data import EvalData, VideoData

if TYPE_CHECKING:
    import pandas as pd

    # annotations only: importing the metrics does not import pandas
    MetricOutput = dict[str, float] | pd.DataFrame

VideoStats = TypeVar("VideoStats")


class Metric(ABC, Generic[VideoStats]):
    """A metric: ``evaluate_video`` per video, then ``combine`` over videos (and categories).

    Attributes:
        name: the key users ask for (``"summary"``, ``"length"``, ...), unique among metrics.
    """

    name: ClassVar[str]

    @abstractmethod
    def evaluate_video(self, video: VideoData) -> VideoStats:
        """This video's statistics (whatever ``combine`` needs from it)."""

    @abstractmethod
    def combine(self, per_video: Sequence[VideoStats], data: EvalData) -> MetricOutput:
        """Numbers by their usual keys (``{"AP": ...}``) or a table with one row per item."""

    def compute(self, data: EvalData) -> MetricOutput:
        """``evaluate_video`` on every video, then ``combine``."""
        return self.combine([self.evaluate_video(v) for v in data.videos], data)
