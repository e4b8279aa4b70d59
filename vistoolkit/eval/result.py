"""``EvalResult``: everything one evaluation produced."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vistoolkit.eval.params import EvalParams
from vistoolkit.eval.summary import STAT_KEYS, compact_table, summary_lines


@dataclass(frozen=True, slots=True)
class EvalResult:
    """Official-exact YouTube-VIS evaluation results.

    Attributes:
        stats: the 12 official numbers by short key (``AP``, ``AP50``, ... ``ARl``); like the
            official ``stats``, -1 (not NaN) where a number has no GT to be computed from.
        precision: (T, R, K, A, M) official ``eval['precision']``, -1 where no GT.
        recall: (T, K, A, M) official ``eval['recall']``.
        scores: (T, R, K, A, M) official ``eval['scores']``.
        params: the parameters used; ``category_ids``/``video_ids`` are the evaluated ones.
        category_names: (K,) names of ``params.category_ids``.
        per_category: one row per category: ``category_id, name, AP, AP50, n_gt, n_pred``
            (AP: mean of ``precision[:, :, k, 0, -1]`` over entries > -1, NaN if none).
        per_video: one row per video, worst first: ``video_id, n_gt, n_pred, mean_best_iou,
            min_best_iou, n_missed`` (best IoU of each non-crowd GT track with a prediction of
            its category; missed: best IoU < 0.5).
        warnings: one line per condition worth a look (GT id 0, tied scores, zero unions).
        tolerated: records affected per problem kind accepted by ``lenient``.
        breakdowns: ``"length"`` / ``"short-long"`` tables (bucket, n_gt, AP, AP50, AP75, AR100).
        timings: seconds per phase (load, validate, tables, iou, ...); with ``workers`` > 1 the
            RLE decodability check runs with the IoU phase, as ``rle+iou``.
    """

    stats: dict[str, float]
    precision: np.ndarray
    recall: np.ndarray
    scores: np.ndarray
    params: EvalParams
    category_names: tuple[str, ...]
    per_category: pd.DataFrame
    per_video: pd.DataFrame
    warnings: tuple[str, ...] = ()
    tolerated: dict[str, int] = field(default_factory=dict)
    breakdowns: dict[str, pd.DataFrame] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def stats_array(self) -> np.ndarray:
        """(12,) the stats in official order."""
        return np.array([self.stats[k] for k in STAT_KEYS])

    def summary(self) -> str:
        """The official 12-line block."""
        return "\n".join(summary_lines(self.stats_array, self.params))

    def table(self) -> str:
        """Compact ``AP AP50 AP75 APs APm APl AR1 AR10`` table in percent."""
        return compact_table(self.stats)

    def to_dict(self) -> dict:
        """JSON-ready: stats, per-category AP/AP50 (None for NaN) and warnings."""
        cats = [
            {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
            for row in self.per_category.to_dict(orient="records")
        ]
        return {"stats": dict(self.stats), "per_category": cats,
                "breakdowns": {k: v.to_dict(orient="records") for k, v in self.breakdowns.items()},
                "warnings": list(self.warnings), "tolerated": dict(self.tolerated)}


def per_category_ap(precision: np.ndarray, k: int, t: slice | int = slice(None)) -> float:
    """Mean of ``precision[t, :, k, 0, -1]`` over entries > -1; NaN if none."""
    p = precision[t, :, k, 0, -1]
    p = p[p > -1]
    return float(np.mean(p)) if p.size else float("nan")
