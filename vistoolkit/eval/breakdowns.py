"""AP broken down by track length or by video length, reusing one evaluation's IoUs.

Each bucket is evaluated like an official area range: GT outside the bucket is ignored (a
prediction matching it is ignored too) and an unmatched prediction outside it is ignored.

- ``length``: a track's length is its number of frames with a non-empty mask (GT: measured on
  the masks; prediction: likewise). Buckets 1-16, 17-32 and >= 33 frames, inclusive.
- ``short-long``: videos with at most ``long_threshold`` frames are short, longer ones long
  (YouTube-VIS 2022 reports AP on its long videos separately). A video outside the subset is
  left out entirely, which equals evaluating the subset alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vistoolkit.eval.params import EvalParams, range_out
from vistoolkit.eval.pipeline import Prepared, match_and_accumulate
from vistoolkit.eval.summary import summary_value

LENGTH_BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("1-16", 1, 16), ("17-32", 17, 32), (">32", 33, np.inf),
)
DEFAULT_LONG_THRESHOLD = 36  # YouTube-VIS 2019/2021 videos have at most 36 annotated frames


def _bucket_table(prep: Prepared, params: EvalParams, labels: list[str], gt_out: np.ndarray,
                  det_out: np.ndarray, n_gt: list[int]) -> pd.DataFrame:
    """AP, AP50, AP75, AR100 per bucket; -1 where a bucket has no GT."""
    bparams = EvalParams(iou_thrs=params.iou_thrs, rec_thrs=params.rec_thrs,
                         max_dets=params.max_dets, area_rngs=tuple((0.0, 0.0) for _ in labels),
                         area_labels=tuple(labels))
    acc = match_and_accumulate(prep, bparams, gt_out=gt_out, det_out=det_out)
    md = params.max_dets[-1]
    rows = []
    for label, n in zip(labels, n_gt):
        rows.append({
            "bucket": label, "n_gt": n,
            "AP": summary_value(acc.precision, bparams, iou_thr=None, area=label, max_dets=md),
            "AP50": summary_value(acc.precision, bparams, iou_thr=0.5, area=label, max_dets=md),
            "AP75": summary_value(acc.precision, bparams, iou_thr=0.75, area=label, max_dets=md),
            "AR100": summary_value(acc.recall, bparams, iou_thr=None, area=label, max_dets=md),
        })
    return pd.DataFrame(rows, columns=["bucket", "n_gt", "AP", "AP50", "AP75", "AR100"])


def length_breakdown(prep: Prepared, params: EvalParams) -> pd.DataFrame:
    """AP of GT tracks by number of non-empty frames (``LENGTH_BUCKETS``), all areas."""
    ranges = tuple((lo, hi) for _, lo, hi in LENGTH_BUCKETS)
    gt_out = range_out(prep.gt_frames.astype(np.float64), ranges)        # (3, Ng)
    det_out = range_out(prep.det_frames.astype(np.float64), ranges)      # (3, Nd)
    counted = ~gt_out & ~prep.tables.gt.crowd[None, :]
    return _bucket_table(prep, params, [b[0] for b in LENGTH_BUCKETS], gt_out, det_out,
                         counted.sum(1).tolist())


def short_long_breakdown(prep: Prepared, params: EvalParams, *,
                         long_threshold: int = DEFAULT_LONG_THRESHOLD) -> pd.DataFrame:
    """AP_S / AP_L: videos of at most / more than ``long_threshold`` frames, all areas."""
    t = prep.tables
    lengths = {it.video.id: it.video.length for it in t.videos}
    gt_long = np.array([lengths[v] > long_threshold for v in t.gt.video_ids], dtype=bool)
    det_long = np.array([lengths[v] > long_threshold for v in t.det.video_ids], dtype=bool)
    gt_out = np.stack([gt_long, ~gt_long])                               # (2, Ng): short, long
    det_out = np.stack([det_long, ~det_long])                            # (2, Nd)
    counted = ~gt_out & ~t.gt.crowd[None, :]
    return _bucket_table(prep, params, [f"short (<={long_threshold})", f"long (>{long_threshold})"],
                         gt_out, det_out, counted.sum(1).tolist())
