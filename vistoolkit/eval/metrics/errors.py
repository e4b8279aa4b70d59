"""TIVE error analysis on top of the official AP: for each error type, the AP gained when that
error is fixed (dAP), at one IoU threshold (0.5, so the base is the official AP50).

Error types and thresholds are TIVE's (``vistoolkit.eval.tive``); the AP they are fixed in is
the official one (``vistoolkit.eval.error_fix``), so dAP adds up against the AP50 that
``vistool eval`` prints. TIVE's own mAP differs from the official on most files; see
docs/eval.md ("Error types") for where and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from vistoolkit.eval.error_fix import ApRows, concat_rows, error_table
from vistoolkit.eval.metrics.base import Metric
from vistoolkit.eval.metrics.data import EvalData, VideoData
from vistoolkit.eval.metrics.hota import require_masks
from vistoolkit.eval.tive import TiveThresholds, VideoErrors, classify_video

if TYPE_CHECKING:
    import pandas as pd

COLUMNS: tuple[str, ...] = ("error", "kind", "count", "AP", "dAP")


def _area_all(data: EvalData) -> int:
    labels = data.params.area_labels
    return labels.index("all") if "all" in labels else 0


def _threshold_index(data: EvalData, iou: float) -> int:
    hits = np.flatnonzero(np.isclose(data.params.iou_thrs, iou, rtol=0.0, atol=1e-12))
    if not len(hits):
        raise ValueError(f"IoU threshold {iou} is not one of the evaluation's thresholds")
    return int(hits[0])


def video_rows(video: VideoData, errors: VideoErrors, *, t: int, a: int) -> ApRows:
    """One video's kept predictions and GT tracks with their errors, as ``ApRows``."""
    return ApRows(
        category=video.det_category, score=video.det_score,
        video=np.full(len(video.det_rows), video.video.id, dtype=np.int64),
        file_index=np.array([p.index for p in video.preds], dtype=np.int64),
        tp=video.tp[a, t], fp=video.fp[a, t], error=errors.det_error,
        fix_category=errors.det_fix_category, fix_tp=errors.det_fix_tp,
        gt_category=video.gt_category, gt_valid=~video.gt_ignore[a],
        gt_missed=errors.gt_missed, gt_unmatched=errors.gt_unmatched)


def classify_all(data: EvalData, thresholds: TiveThresholds) -> tuple[list[VideoErrors], ApRows]:
    """Every video's ``VideoErrors`` (``data.videos`` order) and the flattened rows."""
    t, a = _threshold_index(data, thresholds.pos), _area_all(data)
    errors = [classify_video(v, t=t, a=a, thr=thresholds) for v in data.videos]
    rows = [video_rows(v, e, t=t, a=a) for v, e in zip(data.videos, errors)]
    return errors, concat_rows(rows)


@dataclass(frozen=True)
class ErrorAnalysis(Metric[None]):
    """A table ``error, kind, count, AP, dAP``: the base row (``none``: the official AP at
    ``iou_threshold``), the seven main TIVE errors, the special FalsePos / FalseNeg, and
    ``all`` (every main error fixed at once). ``count``: predictions (Miss, FalseNeg: GT
    tracks) of that type. AP values are fractions; NaN where no category has GT.

    The official matching at the threshold is needed, so the work runs in ``combine``.
    """

    name = "errors"
    iou_threshold: float = 0.5
    background_threshold: float = 0.1
    spatial_threshold: float = 0.1
    temporal_threshold: float = 0.7

    def evaluate_video(self, video: VideoData) -> None:
        return None

    def thresholds(self) -> TiveThresholds:
        return TiveThresholds(self.iou_threshold, self.background_threshold,
                              self.spatial_threshold, self.temporal_threshold)

    def combine(self, per_video: Sequence[None], data: EvalData) -> pd.DataFrame:
        import pandas as pd

        require_masks(data, "errors")
        if not data.videos:
            return pd.DataFrame(columns=list(COLUMNS))
        _, rows = classify_all(data, self.thresholds())
        table = error_table(rows, n_cat=len(data.category_ids), rec_thrs=data.params.rec_thrs)
        return pd.DataFrame(table, columns=list(COLUMNS))


def errors_json(df: pd.DataFrame) -> dict:
    """``{"AP": base, "AP_all_fixed": ..., "dAP": {type: v}, "count": {type: n}}`` (None
    for NaN); types are the main then the special errors."""
    def num(x: float) -> float | None:
        return None if np.isnan(x) else float(x)

    by = {r.error: r for r in df.itertuples()}
    kinds = ("main", "special")
    return {"AP": num(by["none"].AP) if "none" in by else None,
            "AP_all_fixed": num(by["all"].AP) if "all" in by else None,
            "dAP": {r.error: num(r.dAP) for r in df.itertuples() if r.kind in kinds},
            "count": {r.error: int(r.count) for r in df.itertuples() if r.kind in kinds}}


def format_errors(df: pd.DataFrame) -> str:
    """``error | count | dAP`` in AP points, the base and all-fixed AP around it."""
    if df.empty:
        return "errors: no videos"
    by = {r.error: r for r in df.itertuples()}

    def pts(x: float) -> str:
        return "-" if np.isnan(x) else f"{100 * x:.2f}"

    lines = [f"TIVE errors at IoU 0.5 on the official AP50 = {pts(by['none'].AP)}",
             f"{'error':<8} | {'count':>5} | {'dAP':>6}"]
    for r in df.itertuples():
        if r.kind in ("main", "special"):
            lines.append(f"{r.error:<8} | {r.count:>5} | {pts(r.dAP):>6}")
    lines.append(f"all main errors fixed: AP50 {pts(by['all'].AP)} (+{pts(by['all'].dAP)})")
    return "\n".join(lines)

