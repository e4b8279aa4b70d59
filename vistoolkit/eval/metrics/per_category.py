"""AP and AP50 of each category, with its GT and prediction counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from vistoolkit.eval.metrics.base import Metric
from vistoolkit.eval.metrics.data import EvalData, VideoData
from vistoolkit.eval.row_table import RowTable

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ("category_id", "name", "AP", "AP50", "n_gt", "n_pred")


@dataclass(frozen=True, slots=True)
class CategoryCounts:
    """One video's counts per category: n_gt (K,) non-crowd GT, n_pred (K,) predictions before
    the max_det cut."""

    n_gt: np.ndarray
    n_pred: np.ndarray


def category_ap(precision: np.ndarray, k: int, t: slice | int = slice(None)) -> float:
    """Mean of the defined entries of ``precision[t, :, k, 0, -1]`` (first area range, largest
    maxDets); NaN if none. ``precision``: (T, R, K, A, M)."""
    p = precision[t, :, k, 0, -1]
    p = p[~np.isnan(p)]
    return float(np.mean(p)) if p.size else float("nan")


class PerCategory(Metric[CategoryCounts]):
    """One row per evaluated category: ``category_id, name, AP, AP50, n_gt, n_pred``.

    AP is the mean of ``precision[:, :, k, 0, -1]`` over its defined entries (AP50: at IoU 0.5),
    NaN for a category without GT.
    """

    name = "per-category"

    def evaluate_video(self, video: VideoData) -> CategoryCounts:
        n_cat = len(video.n_pred_by_cat)
        n_gt = np.bincount(video.gt_category[~video.gt_crowd], minlength=n_cat)   # (K,)
        return CategoryCounts(n_gt, video.n_pred_by_cat)

    def combine(self, per_video: Sequence[CategoryCounts], data: EvalData) -> pd.DataFrame:
        return self.table(per_video, data).frame()

    def table(self, per_video: Sequence[CategoryCounts], data: EvalData) -> RowTable:
        """``combine``'s rows, a DataFrame only when asked for (``EvalResult``)."""
        n_cat = len(data.category_ids)
        n_gt = sum((c.n_gt for c in per_video), np.zeros(n_cat, dtype=np.int64))    # (K,)
        n_pred = sum((c.n_pred for c in per_video), np.zeros(n_cat, dtype=np.int64))
        precision = data.official.precision
        rows: list[dict[str, Any]] = [
            {"category_id": int(c), "name": name, "AP": category_ap(precision, k),
             "AP50": category_ap(precision, k, 0), "n_gt": int(n_gt[k]), "n_pred": int(n_pred[k])}
            for k, (c, name) in enumerate(zip(data.category_ids, data.category_names))]
        return RowTable(COLUMNS, rows)
