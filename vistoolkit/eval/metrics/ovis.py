"""The OVIS evaluator's 18 stats (qjy981010/cocoapi ``oviseval.py``), from the shared IoUs.

OVIS adds occlusion ranges to the YouTube-VIS evaluator: ``occRng`` all [0, 1], light
[0, 0.25], medium [0.25, 0.5], heavy [0.5, 1], inclusive at both ends (a score of 0.25 is light
and medium). In ``OVISeval.evaluateVid`` a GT track outside the occlusion range is ignored like
one outside the area range (and a prediction matched to it too), but an unmatched prediction is
only ever ignored for its area: every false positive counts in all three occlusion buckets.
``summarize`` reads (area all, occlusion bucket) and (area bucket, occlusion all); the latter
are the official YouTube-VIS arrays, so only the three occlusion buckets at area "all" are
re-matched here (``EvalData.rematch``, no second IoU pass).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vistoolkit.eval.accumulate import Accumulated
from vistoolkit.eval.metrics.base import Metric
from vistoolkit.eval.metrics.data import EvalData, VideoData
from vistoolkit.eval.occlusion import track_occlusion_score
from vistoolkit.eval.params import EvalParams, range_out
from vistoolkit.eval.summary import STAT_KEYS, nan_to_official, summarize, summary_value

OCCLUSION_RANGES: tuple[tuple[str, float, float], ...] = (
    ("light", 0.0, 0.25), ("medium", 0.25, 0.5), ("heavy", 0.5, 1.0),
)
OVIS_STAT_KEYS: tuple[str, ...] = (
    "AP", "AP50", "AP75", "APs", "APm", "APl", "AP_light", "AP_medium", "AP_heavy",
    "AR1", "AR10", "AR100", "ARs", "ARm", "ARl", "AR_light", "AR_medium", "AR_heavy",
)


@dataclass(frozen=True, slots=True)
class OcclusionFlags:
    """One video: occ_out (O, G) bool, GT track outside occlusion bucket o (``OCCLUSION_RANGES``),
    and the video's official per-area-range flags gt_ignore (A, G) / det_out (A, D)."""

    occ_out: np.ndarray
    gt_ignore: np.ndarray
    det_out: np.ndarray


def _all_index(params: EvalParams) -> int:
    return params.area_labels.index("all") if "all" in params.area_labels else 0


class OvisSummary(Metric[OcclusionFlags]):
    """``OVIS_STAT_KEYS`` -> value (NaN where the OVIS evaluator prints -1)."""

    name = "ovis"

    def evaluate_video(self, video: VideoData) -> OcclusionFlags:
        occ = np.array([track_occlusion_score(t) for t in video.gt_tracks], dtype=np.float64)
        ranges = tuple((lo, hi) for _, lo, hi in OCCLUSION_RANGES)
        return OcclusionFlags(range_out(occ, ranges), video.gt_ignore, video.det_out)  # (O, G)

    def combine(self, per_video: Sequence[OcclusionFlags], data: EvalData) -> dict[str, float]:
        p = data.params
        acc = data.official
        base = dict(zip(STAT_KEYS, map(float, summarize(acc.precision, acc.recall, p))))
        a = _all_index(p)
        labels = tuple(lbl for lbl, _, _ in OCCLUSION_RANGES)
        bparams, occ = data.rematch([f.occ_out | f.gt_ignore[a][None, :] for f in per_video],
                                    [np.repeat(f.det_out[a][None, :], len(labels), 0)
                                     for f in per_video], labels=labels)
        md = p.max_dets[min(2, len(p.max_dets) - 1)]       # OVIS: maxDets=self.params.maxDets[2]
        for lbl in labels:
            base[f"AP_{lbl}"] = summary_value(occ.precision, bparams, iou_thr=None, area=lbl,
                                              max_dets=md)
            base[f"AR_{lbl}"] = summary_value(occ.recall, bparams, iou_thr=None, area=lbl,
                                              max_dets=md)
        return {k: base[k] for k in OVIS_STAT_KEYS}


def ovis_arrays(data: EvalData) -> Accumulated:
    """The OVIS evaluator's full ``eval`` arrays: precision (T, R, K, A, O, M), recall
    (T, K, A, O, M), scores (T, R, K, A, O, M), O = 4 (all, light, medium, heavy); NaN where
    OVIS has -1. Every (area, occlusion) pair is re-matched, so this costs A x O matchings."""
    flags = [OvisSummary().evaluate_video(v) for v in data.videos]
    n_a, n_o = len(data.params.area_labels), len(OCCLUSION_RANGES) + 1
    gt_out, det_out = [], []
    for f in flags:
        occ = np.vstack([np.zeros((1, f.occ_out.shape[1]), dtype=bool), f.occ_out])   # (O, G)
        gt_out.append((f.gt_ignore[:, None, :] | occ[None, :, :]).reshape(n_a * n_o, -1))
        det_out.append(np.repeat(f.det_out, n_o, axis=0))                           # (A*O, D)
    labels = tuple(f"{a}/{o}" for a in range(n_a) for o in range(n_o))
    _, acc = data.rematch(gt_out, det_out, labels=labels)
    t, r, k, _, m = acc.precision.shape
    return Accumulated(acc.precision.reshape(t, r, k, n_a, n_o, m),
                       acc.recall.reshape(t, k, n_a, n_o, m),
                       acc.scores.reshape(t, r, k, n_a, n_o, m))


def ovis_summary_lines(stats: dict[str, float], params: EvalParams) -> list[str]:
    """The OVIS evaluator's 18-line block (``OVISeval.summarize``), -1.000 where undefined."""
    lo, hi = params.iou_thrs[0], params.iou_thrs[-1]
    md = params.max_dets
    lines = []
    for key in OVIS_STAT_KEYS:
        is_ap = key.startswith("AP")
        rest = key[2:]
        iou = {"50": "0.50", "75": "0.75"}.get(rest, f"{lo:0.2f}:{hi:0.2f}")
        area = {"s": "small", "m": "medium", "l": "large"}.get(rest, "all")
        occ = rest[1:] if rest.startswith("_") else "all"
        max_det = {"1": md[0], "10": md[min(1, len(md) - 1)]}.get(rest, md[min(2, len(md) - 1)])
        if key == "AP":
            max_det = 100                                   # official default argument
        title = "Average Precision" if is_ap else "Average Recall"
        value = float(nan_to_official(np.array(stats[key])))
        lines.append(f" {title:<18} {'(AP)' if is_ap else '(AR)'} @[ IoU={iou:<9} | "
                     f"area={area:>6s} | occ={occ:>6s} | maxDets={max_det:>3d} ] = {value:0.3f}")
    return lines
