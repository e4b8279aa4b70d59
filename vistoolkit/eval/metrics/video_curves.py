"""The inputs of the official accumulation, per video, so that videos can be resampled
(``vistoolkit.eval.bootstrap``) without matching again. Not printed and not written to JSON:
``vistoolkit.eval.compare`` reads it from ``EvalResult.breakdowns["video-curves"]``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from vistoolkit.eval.metrics.base import Metric
from vistoolkit.eval.metrics.data import EvalData, VideoData

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, slots=True)
class VideoCurves:
    """One video's kept predictions with their official outcome, and its GT counts.

    Attributes:
        video_id: the video.
        category, rank: (D,) int64 category index, rank within (video, category).
        score: (D,) float64.
        tp, fp: (A, T, D) bool official true / false positives (neither: ignored).
        num_gt: (K, A) int64 non-ignored GT tracks per category and area range.
    """

    video_id: int
    category: np.ndarray
    rank: np.ndarray
    score: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    num_gt: np.ndarray


class VideoCurvesMetric(Metric[VideoCurves]):
    """One row per video: ``video_id`` and ``curves`` (its ``VideoCurves``)."""

    name = "video-curves"

    def evaluate_video(self, video: VideoData) -> VideoCurves:
        n_cat, n_area = len(video.n_pred_by_cat), video.gt_ignore.shape[0]
        num_gt = np.zeros((n_cat, n_area), dtype=np.int64)                         # (K, A)
        for a in range(n_area):
            num_gt[:, a] = np.bincount(video.gt_category[~video.gt_ignore[a]], minlength=n_cat)
        return VideoCurves(video.video.id, video.det_category, video.det_rank, video.det_score,
                           video.tp, video.fp, num_gt)

    def combine(self, per_video: Sequence[VideoCurves], data: EvalData) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame({"video_id": [c.video_id for c in per_video],
                             "curves": list(per_video)}, columns=["video_id", "curves"])
