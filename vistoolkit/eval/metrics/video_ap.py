"""AP of each video alone: the official protocol restricted to one video (its GT, its kept
predictions, the official matching), so that the worst videos can be named and two result
files compared video by video."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from vistoolkit.eval.accumulate import pr_at_thresholds
from vistoolkit.eval.metrics.base import Metric
from vistoolkit.eval.metrics.data import EvalData, VideoData

if TYPE_CHECKING:
    import pandas as pd

COLUMNS: tuple[str, ...] = ("video_id", "n_gt", "n_pred", "AP", "AP50", "AP75")


def video_precision(video: VideoData, *, a: int, rec_thrs: np.ndarray) -> np.ndarray:
    """(T, R, K) interpolated precision of this video alone (area range ``a``, every kept
    prediction), NaN for categories without non-ignored GT in it."""
    n_cat = len(video.n_pred_by_cat)
    n_thr = video.tp.shape[1]
    out = np.full((n_thr, len(rec_thrs), n_cat), np.nan)                           # (T, R, K)
    num_gt = np.bincount(video.gt_category[~video.gt_ignore[a]], minlength=n_cat)  # (K,)
    for k in np.flatnonzero(num_gt).tolist():
        rows = np.flatnonzero(video.det_category == k)
        rows = rows[np.argsort(video.det_rank[rows], kind="mergesort")]           # score order
        tp_sum = np.cumsum(video.tp[a][:, rows], axis=1).astype(np.float64)       # (T, n)
        fp_sum = np.cumsum(video.fp[a][:, rows], axis=1).astype(np.float64)
        out[:, :, k] = pr_at_thresholds(tp_sum, fp_sum, video.det_score[rows], int(num_gt[k]),
                                        rec_thrs)[0]
    return out


def _mean(values: np.ndarray) -> float:
    valid = values[~np.isnan(values)]
    return float(np.mean(valid)) if valid.size else float("nan")


class VideoAP(Metric[None]):
    """One row per video (``COLUMNS``), worst first (lowest AP, videos without GT last, then
    video id): AP, AP50, AP75 over the categories with GT in the video (area all, maxDets
    100), NaN without GT; ``n_gt`` non-crowd GT tracks, ``n_pred`` kept predictions."""

    name = "video-ap"

    def evaluate_video(self, video: VideoData) -> None:
        return None

    def combine(self, per_video: Sequence[None], data: EvalData) -> pd.DataFrame:
        import pandas as pd

        labels, thrs = data.params.area_labels, data.params.iou_thrs
        a = labels.index("all") if "all" in labels else 0
        t50, t75 = (np.flatnonzero(np.isclose(thrs, x, rtol=0, atol=1e-12)) for x in (.5, .75))
        rows = []
        for v in data.videos:
            q = video_precision(v, a=a, rec_thrs=data.params.rec_thrs)             # (T, R, K)
            rows.append({"video_id": v.video.id, "n_gt": int((~v.gt_crowd).sum()),
                         "n_pred": len(v.det_rows), "AP": _mean(q),
                         "AP50": _mean(q[t50]), "AP75": _mean(q[t75])})
        df = pd.DataFrame(rows, columns=list(COLUMNS))
        return df.sort_values(["AP", "video_id"], na_position="last", kind="stable",
                              ignore_index=True)


def video_ap_json(df: pd.DataFrame) -> list[dict]:
    """The table as records, worst first, NaN as None."""
    return [{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
            for row in df.to_dict(orient="records")]


def format_worst_videos(df: pd.DataFrame, *, limit: int = 10) -> str:
    """The ``limit`` videos with the lowest AP, with a ``vistool viz`` hint."""
    head = f"{'video_id':>8} | {'#gt':>4} | {'#pred':>5} | {'AP':>5} | {'AP50':>5} | {'AP75':>5}"
    lines = ["worst videos (AP of the video alone):", head]

    def pct(x: float) -> str:
        return "-" if np.isnan(x) else f"{100 * x:.1f}"

    shown = df[~df.AP.isna()].head(limit)
    for r in shown.itertuples():
        lines.append(f"{r.video_id:>8} | {r.n_gt:>4} | {r.n_pred:>5} | {pct(r.AP):>5} | "
                     f"{pct(r.AP50):>5} | {pct(r.AP75):>5}")
    if len(shown):
        first = shown.video_id.iloc[0]
        lines.append(f"see one: vistool viz GT.json --pred PRED.json --video {first}")
    return "\n".join(lines)
