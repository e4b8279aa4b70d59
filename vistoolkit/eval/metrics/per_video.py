"""Per-video diagnosis: how well each video's GT tracks are covered by a prediction."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from vistoolkit.eval.metrics.base import Metric
from vistoolkit.eval.metrics.data import EvalData, VideoData

COLUMNS = ("video_id", "n_gt", "n_pred", "mean_best_iou", "min_best_iou", "n_missed")


class PerVideo(Metric[dict]):
    """One row per video, worst first: ``video_id, n_gt, n_pred, mean_best_iou, min_best_iou,
    n_missed``.

    Best IoU of each non-crowd GT track with a kept prediction of its category (0 without one);
    missed: best IoU < 0.5. NaN means and minima for a video without GT.
    """

    name = "per-video"

    def evaluate_video(self, video: VideoData) -> dict:
        same = video.gt_category[None, :] == video.det_category[:, None]       # (D, G)
        best = np.where(same, video.iou, 0.0).max(0, initial=0.0)              # (G,)
        best = best[~video.gt_crowd]
        return {"video_id": video.video.id, "n_gt": len(best), "n_pred": len(video.det_rows),
                "mean_best_iou": float(best.mean()) if len(best) else float("nan"),
                "min_best_iou": float(best.min()) if len(best) else float("nan"),
                "n_missed": int((best < 0.5).sum())}

    def combine(self, per_video: Sequence[dict], data: EvalData) -> pd.DataFrame:
        df = pd.DataFrame(list(per_video), columns=list(COLUMNS))
        return df.sort_values(["mean_best_iou", "video_id"], na_position="last", kind="stable",
                              ignore_index=True)
