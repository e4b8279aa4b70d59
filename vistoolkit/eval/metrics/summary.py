"""The official 12 numbers (``YTVOSeval.summarize``): AP, AP50, AP75, APs/m/l, AR1/10/100,
ARs/m/l."""

from __future__ import annotations

from collections.abc import Sequence

from vistoolkit.eval.metrics.base import Metric
from vistoolkit.eval.metrics.data import EvalData, VideoData
from vistoolkit.eval.summary import STAT_KEYS, summarize


class OfficialSummary(Metric[None]):
    """The official summary of the shared accumulation (``EvalData.official``); NaN where the
    official prints -1.

    The per-video part of the official protocol (greedy matching, ``evaluateVid``) is shared
    by every AP metric and already in ``VideoData``; accumulation runs over all videos at once,
    so this metric keeps nothing per video.
    """

    name = "summary"

    def evaluate_video(self, video: VideoData) -> None:
        return None

    def combine(self, per_video: Sequence[None], data: EvalData) -> dict[str, float]:
        acc = data.official
        return dict(zip(STAT_KEYS, map(float, summarize(acc.precision, acc.recall, data.params))))
