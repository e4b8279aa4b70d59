"""``EvalResult``: everything one evaluation produced (NaN where a number is undefined)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from vistoolkit.eval.analyses import FORMS, analyses_json
from vistoolkit.eval.metrics.ovis import ovis_summary_lines
from vistoolkit.eval.params import EvalParams
from vistoolkit.eval.row_table import RowTable, json_value
from vistoolkit.eval.summary import STAT_KEYS, compact_table, summary_lines

if TYPE_CHECKING:
    import pandas as pd

OVIS_TABLE_KEYS: tuple[str, ...] = (
    "AP", "AP50", "AP75", "AP_light", "AP_medium", "AP_heavy", "AR1", "AR10",
)




def records_json(df: pd.DataFrame | RowTable) -> list[dict]:
    """A table as JSON-ready records, NaN as None (``null``)."""
    if isinstance(df, RowTable):
        return df.records()
    return [{k: json_value(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


@dataclass(frozen=True, slots=True)
class EvalResult:
    """Official-exact YouTube-VIS evaluation results.

    Attributes:
        stats: the 12 official numbers by short key (``AP``, ``AP50``, ... ``ARl``); NaN where
            a number has no GT to be computed from (the official prints -1 there). With
            ``protocol == "ovis"`` the OVIS evaluator's 18 (``OVIS_STAT_KEYS``: the 12 plus
            ``AP_light``, ``AP_medium``, ``AP_heavy``, ``AR_light``, ``AR_medium``,
            ``AR_heavy``), in its order.
        precision: (T, R, K, A, M) official ``eval['precision']``, NaN where the official has -1
            (no GT). Axes: IoU thresholds, recall thresholds, categories, areas, maxDets.
        recall: (T, K, A, M) official ``eval['recall']``, NaN where no GT.
        scores: (T, R, K, A, M) official ``eval['scores']``, NaN where no GT.
        params: the parameters used; ``category_ids``/``video_ids`` are the evaluated ones.
        category_names: (K,) names of ``params.category_ids``.
        per_category: (a property) one row per category: ``category_id, name, AP, AP50,
            n_gt, n_pred`` (AP: mean of the defined ``precision[:, :, k, 0, -1]``, NaN if
            none); a DataFrame built on first use from ``category_table``.
        per_video: (a property) one row per video, worst first: ``video_id, n_gt, n_pred,
            mean_best_iou, min_best_iou, n_missed`` (best IoU of each non-crowd GT track with a
            prediction of its category; missed: best IoU < 0.5); from ``video_table``.
        category_table, video_table: the rows of those two tables (``RowTable``: JSON
            output without pandas).
        warnings: one line per condition worth a look (GT id 0, tied scores, zero unions).
        tolerated: records affected per problem kind accepted by ``lenient``.
        breakdowns: the further metrics asked for, by name (``"length"`` / ``"short-long"``:
            tables ``bucket, n_gt, AP, AP50, AP75, AR100``, NaN where a bucket has no GT).
        timings: seconds per phase (load, validate, tables, iou, ...); with ``workers`` > 1 the
            RLE decodability check runs with the IoU phase, as ``rle+iou``.
        protocol: ``"ytvis"`` or ``"ovis"`` (which evaluator ``stats`` and ``summary`` follow).
        long_videos: YouTube-VIS 2022 numbers when long videos were given
            (``LONG_VIDEO_KEYS``: ``mAP`` = (``AP_S`` + ``AP_L``) / 2, then AP, AP50, AP75,
            AR1, AR10 of the short ``_S`` and long ``_L`` subsets), else empty.
    """

    stats: dict[str, float]
    precision: np.ndarray
    recall: np.ndarray
    scores: np.ndarray
    params: EvalParams
    category_names: tuple[str, ...]
    category_table: RowTable
    video_table: RowTable
    warnings: tuple[str, ...] = ()
    tolerated: dict[str, int] = field(default_factory=dict)
    breakdowns: dict[str, pd.DataFrame] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    protocol: str = "ytvis"
    long_videos: dict[str, float] = field(default_factory=dict)

    @property
    def per_category(self) -> pd.DataFrame:
        return self.category_table.frame()

    @property
    def per_video(self) -> pd.DataFrame:
        return self.video_table.frame()

    @property
    def stats_array(self) -> np.ndarray:
        """(12,) the stats in official order, NaN where undefined."""
        return np.array([self.stats[k] for k in STAT_KEYS])

    def summary(self) -> str:
        """The official 12-line block (-1.000 where undefined, as officially printed); the
        OVIS evaluator's 18 lines for ``protocol == "ovis"``."""
        if self.protocol == "ovis":
            return "\n".join(ovis_summary_lines(self.stats, self.params))
        return "\n".join(summary_lines(self.stats_array, self.params))

    def table(self) -> str:
        """Compact ``AP AP50 AP75 APs APm APl AR1 AR10`` table in percent (OVIS: the occlusion
        APs in place of APs/m/l)."""
        if self.protocol == "ovis":
            return compact_table(self.stats, keys=OVIS_TABLE_KEYS)
        return compact_table(self.stats)

    def to_dict(self) -> dict:
        """JSON-ready: stats, per-category AP/AP50, breakdowns (None for NaN) and warnings;
        ``protocol``, ``iou_type`` / ``class_agnostic`` and ``long_videos`` when not the
        defaults."""
        out = {"stats": {k: json_value(v) for k, v in self.stats.items()},
               "per_category": self.category_table.records(),
               "breakdowns": {k: records_json(v) for k, v in self.breakdowns.items()
                              if k not in FORMS},
               "warnings": list(self.warnings), "tolerated": dict(self.tolerated)}
        if self.protocol != "ytvis":
            out["protocol"] = self.protocol
        if self.params.iou_type != "segm" or not self.params.use_cats:
            out["iou_type"], out["class_agnostic"] = self.params.iou_type, not self.params.use_cats
        out.update(analyses_json(self.breakdowns))  # hota, errors, video_ap
        if self.long_videos:
            out["long_videos"] = {k: json_value(v) for k, v in self.long_videos.items()}
        return out
