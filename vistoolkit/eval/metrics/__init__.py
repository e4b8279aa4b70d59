"""Metric plug-ins (``base.Metric``): one module a metric, registered here by name.

Adding a metric: a module with a ``Metric`` subclass, and its class in ``_CLASSES``. Nothing
else dispatches on names: ``vistoolkit.eval.evaluate`` looks metrics up in ``METRICS``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from vistoolkit.eval.metrics.base import Metric
from vistoolkit.eval.metrics.data import EvalData, VideoData
from vistoolkit.eval.metrics.errors import ErrorAnalysis
from vistoolkit.eval.metrics.hota import Hota
from vistoolkit.eval.metrics.instances import InstancesBreakdown
from vistoolkit.eval.metrics.length import LengthBreakdown
from vistoolkit.eval.metrics.long_videos import LongVideos
from vistoolkit.eval.metrics.ovis import OvisSummary
from vistoolkit.eval.metrics.per_category import PerCategory
from vistoolkit.eval.metrics.per_video import PerVideo
from vistoolkit.eval.metrics.short_long import ShortLongBreakdown
from vistoolkit.eval.metrics.summary import OfficialSummary
from vistoolkit.eval.metrics.video_ap import VideoAP
from vistoolkit.eval.metrics.video_curves import VideoCurvesMetric

_CLASSES: tuple[type[Metric], ...] = (
    OfficialSummary, PerCategory, PerVideo, LengthBreakdown, ShortLongBreakdown,
    InstancesBreakdown, Hota, ErrorAnalysis, VideoAP, VideoCurvesMetric,
    OvisSummary, LongVideos,
)
METRICS: Mapping[str, type[Metric]] = MappingProxyType({c.name: c for c in _CLASSES})


def make_metric(name: str, **options: Any) -> Metric:
    """The metric registered as ``name``, built with the ``options`` it has fields for
    (``long_threshold`` goes to ``short-long`` only).

    Raises:
        ValueError: no metric has this name.
    """
    cls = METRICS.get(name)
    if cls is None:
        raise ValueError(f"unknown metric {name!r}; choose from {', '.join(METRICS)}")
    fields = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    return cls(**{k: v for k, v in options.items() if k in fields})


__all__ = ["METRICS", "EvalData", "Metric", "VideoData", "make_metric"]
