"""AP by bucket, reusing one evaluation's IoUs: the base of the length and short/long breakdowns.

Each bucket is evaluated like an official area range: GT outside the bucket is ignored (a
prediction matching it is ignored too) and an unmatched prediction outside it is ignored.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from vistoolkit.eval.metrics.base import Metric
from vistoolkit.eval.metrics.data import EvalData, VideoData
from vistoolkit.eval.summary import summary_value

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ("bucket", "n_gt", "AP", "AP50", "AP75", "AR100")


@dataclass(frozen=True, slots=True)
class BucketFlags:
    """One video's bucket membership: gt_out (B, G) / det_out (B, D) bool, True outside bucket
    b; n_gt (B,) int64 non-crowd GT inside each bucket."""

    gt_out: np.ndarray
    det_out: np.ndarray
    n_gt: np.ndarray


def whole_video_out(out: np.ndarray, video: VideoData) -> tuple[np.ndarray, np.ndarray]:
    """gt_out (B, G) and det_out (B, D) for buckets of whole videos: every track of ``video``
    is outside bucket b when ``out[b]`` (B,) is True."""
    return (np.repeat(out[:, None], len(video.gt_rows), 1),
            np.repeat(out[:, None], len(video.det_rows), 1))


class BucketAP(Metric[BucketFlags]):
    """A table ``bucket, n_gt, AP, AP50, AP75, AR100`` (all areas, largest maxDets), NaN where a
    bucket has no GT. Subclasses name the buckets and say which tracks fall outside each."""

    @abstractmethod
    def labels(self) -> tuple[str, ...]:
        """(B,) bucket names, in table order."""

    @abstractmethod
    def outside(self, video: VideoData) -> tuple[np.ndarray, np.ndarray]:
        """gt_out (B, G) and det_out (B, D) bool: the video's tracks outside each bucket."""

    def evaluate_video(self, video: VideoData) -> BucketFlags:
        gt_out, det_out = self.outside(video)
        n_gt = (~gt_out & ~video.gt_crowd[None, :]).sum(1)                      # (B,)
        return BucketFlags(gt_out, det_out, n_gt)

    def combine(self, per_video: Sequence[BucketFlags], data: EvalData) -> pd.DataFrame:
        import pandas as pd

        labels = self.labels()
        bparams, acc = data.rematch([f.gt_out for f in per_video], [f.det_out for f in per_video],
                                    labels=labels)
        n_gt = sum((f.n_gt for f in per_video), np.zeros(len(labels), dtype=np.int64))  # (B,)
        md = data.params.max_dets[-1]
        rows = []
        for label, n in zip(labels, n_gt.tolist()):
            rows.append({
                "bucket": label, "n_gt": n,
                "AP": summary_value(acc.precision, bparams, iou_thr=None, area=label, max_dets=md),
                "AP50": summary_value(acc.precision, bparams, iou_thr=0.5, area=label, max_dets=md),
                "AP75": summary_value(acc.precision, bparams, iou_thr=0.75, area=label,
                                      max_dets=md),
                "AR100": summary_value(acc.recall, bparams, iou_thr=None, area=label, max_dets=md),
            })
        return pd.DataFrame(rows, columns=list(COLUMNS))
