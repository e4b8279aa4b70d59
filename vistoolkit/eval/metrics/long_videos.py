"""YouTube-VIS 2022: the short and the long videos scored separately, mAP = (mAP_S + mAP_L) / 2.

The 2022 protocol runs the unchanged 2021 evaluator twice, once on the GT of the short videos
and once on the GT of the long ones (predictions for the other subset are not read), and
publishes the mean of the two APs with AP50, AP75, AR1 and AR10 of each subset. Here each
subset is a bucket of ``EvalData.rematch`` over the shared IoUs: GT and predictions of the other
subset's videos are excluded, which gives the numbers of evaluating the subset alone (a
category without GT in the subset drops out of its mean, as it would there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vistoolkit.eval.metrics.base import Metric
from vistoolkit.eval.metrics.data import EvalData, VideoData
from vistoolkit.eval.summary import summary_value

SUBSETS: tuple[str, ...] = ("S", "L")
# key prefix -> (is AP, IoU threshold or None, index into maxDets or the literal 100 of "AP")
_STATS: tuple[tuple[str, bool, float | None, int | None], ...] = (
    ("AP", True, None, None), ("AP50", True, 0.5, 2), ("AP75", True, 0.75, 2),
    ("AR1", False, None, 0), ("AR10", False, None, 1),
)
LONG_VIDEO_KEYS: tuple[str, ...] = ("mAP", *(f"{k}_{s}" for s in SUBSETS for k, *_ in _STATS))


@dataclass(frozen=True, slots=True)
class SubsetFlags:
    """One video: is_long; gt_ignore (A, G) / det_out (A, D) official per-area-range flags."""

    is_long: bool
    gt_ignore: np.ndarray
    det_out: np.ndarray


@dataclass(frozen=True)
class LongVideos(Metric[SubsetFlags]):
    """``LONG_VIDEO_KEYS`` -> value: mAP, then AP, AP50, AP75, AR1, AR10 of the short (``_S``)
    and the long (``_L``) subset; NaN where a subset has no GT (mAP then NaN too)."""

    name = "ytvis2022"
    long_video_ids: frozenset[int] = frozenset()

    def evaluate_video(self, video: VideoData) -> SubsetFlags:
        return SubsetFlags(video.video.id in self.long_video_ids, video.gt_ignore, video.det_out)

    def combine(self, per_video: Sequence[SubsetFlags], data: EvalData) -> dict[str, float]:
        p = data.params
        a = p.area_labels.index("all") if "all" in p.area_labels else 0
        gt_out, det_out = [], []
        for f in per_video:
            other = np.array([[f.is_long], [not f.is_long]])                  # (2, 1): S, L
            gt_out.append(other | f.gt_ignore[a][None, :])                     # (2, G)
            det_out.append(other | f.det_out[a][None, :])                      # (2, D)
        bparams, acc = data.rematch(gt_out, det_out, labels=SUBSETS)
        out: dict[str, float] = {}
        for subset in SUBSETS:
            for key, is_ap, thr, m in _STATS:
                max_det = 100 if m is None else p.max_dets[min(m, len(p.max_dets) - 1)]
                out[f"{key}_{subset}"] = summary_value(acc.precision if is_ap else acc.recall,
                                                       bparams, iou_thr=thr, area=subset,
                                                       max_dets=max_det)
        return {"mAP": (out["AP_S"] + out["AP_L"]) / 2, **out}
