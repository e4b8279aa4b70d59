"""Per-video diagnosis: how well each video's GT tracks are covered by a prediction."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from vistoolkit.eval.metrics.base import Metric
from vistoolkit.eval.metrics.data import EvalData, VideoData
from vistoolkit.eval.row_table import RowTable

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, slots=True)
class VideoCoverage:
    """One video's row: best IoU of each non-crowd GT track with a kept prediction of its
    category (0 without one), summarised; NaN mean and minimum for a video without GT.
    ``n_missed``: GT tracks whose best IoU is below 0.5."""

    video_id: int
    n_gt: int
    n_pred: int
    mean_best_iou: float
    min_best_iou: float
    n_missed: int


class PerVideo(Metric[VideoCoverage]):
    """One row per video (``VideoCoverage`` fields), worst first: by ``mean_best_iou``, NaN
    last, then video id."""

    name = "per-video"

    def evaluate_video(self, video: VideoData) -> VideoCoverage:
        same = video.gt_category[None, :] == video.det_category[:, None]       # (D, G)
        best = np.where(same, video.iou, 0.0).max(0, initial=0.0)              # (G,)
        best = best[~video.gt_crowd]
        return VideoCoverage(video_id=video.video.id, n_gt=len(best), n_pred=len(video.det_rows),
                             mean_best_iou=float(best.mean()) if len(best) else float("nan"),
                             min_best_iou=float(best.min()) if len(best) else float("nan"),
                             n_missed=int((best < 0.5).sum()))

    def combine(self, per_video: Sequence[VideoCoverage], data: EvalData) -> pd.DataFrame:
        return self.table(per_video, data).frame()

    def table(self, per_video: Sequence[VideoCoverage], data: EvalData) -> RowTable:
        """``combine``'s rows, a DataFrame only when asked for (``EvalResult``); sorted as
        ``sort_values(["mean_best_iou", "video_id"], na_position="last", kind="stable")``."""
        columns = [f.name for f in dataclasses.fields(VideoCoverage)]

        def worst_first(r: VideoCoverage) -> tuple:
            nan = math.isnan(r.mean_best_iou)
            return (nan, 0.0 if nan else r.mean_best_iou, r.video_id)

        return RowTable(columns, [dataclasses.asdict(r) for r in sorted(per_video,
                                                                         key=worst_first)])
