"""HOTA (Luiten et al., IJCV 2021) as TrackEval computes it: per sequence and class, then
combined over sequences, then over classes (class-averaged and detection-averaged).

Definitions follow TrackEval's ``trackeval/metrics/hota.py`` @ 12c8791, the reference the
numbers are checked against (``tests/data/ytvis_ref/hota_metrics.json``, to 1e-9):

* alphas: the 19 localisation thresholds ``np.arange(0.05, 0.99, 0.05)``; a matched pair counts
  at alpha when its similarity is ``>= alpha - eps`` (float64 eps).
* per frame, GT and predictions are paired by the Hungarian algorithm on
  ``A(g, d) * S_t(g, d)``, where S_t is the frame's mask IoU and A the global alignment
  ``sum_t sim_iou / (frames(g) + frames(d) - sum_t sim_iou)`` with
  ``sim_iou = S / (row sums + column sums - S)`` (TrackEval's ``potential_matches_count``).
* DetA = TP / (TP + FN + FP); AssA = sum over TP of |TPA| / (|TPA| + |FNA| + |FPA|), divided
  by TP (AssRe / AssPr: the same with |TPA| / |gt frames|, |TPA| / |pred frames|);
  LocA = mean similarity of TPs (1 where TP = 0); HOTA = sqrt(DetA * AssA); OWTA =
  sqrt(DetRe * AssA). Reported values are means over the 19 alphas; ``HOTA(0)``, ``LocA(0)``
  and ``HOTALocA(0)`` are the first alpha's.

Axes: H = 19 alphas; G / D = GT / predicted track ids of one sequence and class.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# TrackEval's alpha thresholds, built the same way so that they are the same floats.
ALPHAS: np.ndarray = np.arange(0.05, 0.99, 0.05)                                  # (H,)
_EPS = np.finfo("float").eps
# The reported fields, in TrackEval's order; the first nine are means over the alphas.
ARRAY_FIELDS: tuple[str, ...] = ("HOTA", "DetA", "AssA", "DetRe", "DetPr", "AssRe", "AssPr",
                                 "LocA", "OWTA")
FIELDS: tuple[str, ...] = (*ARRAY_FIELDS, "HOTA(0)", "LocA(0)", "HOTALocA(0)")


@dataclass(frozen=True, slots=True)
class HotaCounts:
    """HOTA state of one sequence and class (or a combination of them), per alpha.

    Attributes:
        tp, fn, fp: (H,) float64 detection counts.
        ass_a, ass_re, ass_pr: (H,) float64 association scores (0 where TP = 0).
        loc_a: (H,) float64 mean similarity of TPs (1 where TP = 0).
    """

    tp: np.ndarray
    fn: np.ndarray
    fp: np.ndarray
    ass_a: np.ndarray
    ass_re: np.ndarray
    ass_pr: np.ndarray
    loc_a: np.ndarray

    @classmethod
    def empty(cls, *, n_gt_dets: int = 0, n_det_dets: int = 0) -> HotaCounts:
        """A sequence with no GT or no predictions: every detection unmatched, LocA 1."""
        zero = np.zeros(len(ALPHAS))
        return cls(zero, zero + n_gt_dets, zero + n_det_dets, zero, zero, zero, zero + 1.0)

    def fields(self) -> dict[str, np.ndarray]:
        """Every ``FIELDS`` entry: (H,) arrays for ``ARRAY_FIELDS``, floats for the ``(0)`` ones."""
        det_re = self.tp / np.maximum(1, self.tp + self.fn)
        det_pr = self.tp / np.maximum(1, self.tp + self.fp)
        det_a = self.tp / np.maximum(1, self.tp + self.fn + self.fp)
        hota = np.sqrt(det_a * self.ass_a)
        out = {"HOTA": hota, "DetA": det_a, "AssA": self.ass_a, "DetRe": det_re, "DetPr": det_pr,
               "AssRe": self.ass_re, "AssPr": self.ass_pr, "LocA": self.loc_a,
               "OWTA": np.sqrt(det_re * self.ass_a)}
        out["HOTA(0)"], out["LocA(0)"] = float(hota[0]), float(self.loc_a[0])
        out["HOTALocA(0)"] = out["HOTA(0)"] * out["LocA(0)"]
        return out


def sequence_counts(gt_ids: Sequence[np.ndarray], det_ids: Sequence[np.ndarray],
                    similarity: Sequence[np.ndarray]) -> HotaCounts:
    """HOTA of one sequence and class (TrackEval ``HOTA.eval_sequence``).

    Args:
        gt_ids: per frame, (G_t,) int64 GT track ids present, contiguous from 0.
        det_ids: per frame, (D_t,) int64 predicted track ids present, contiguous from 0.
        similarity: per frame, (G_t, D_t) float64 mask IoU.
    """
    n_gt_dets, n_det_dets = sum(map(len, gt_ids)), sum(map(len, det_ids))
    if n_det_dets == 0 or n_gt_dets == 0:
        return HotaCounts.empty(n_gt_dets=n_gt_dets, n_det_dets=n_det_dets)
    n_g = 1 + max(int(g.max()) for g in gt_ids if len(g))
    n_d = 1 + max(int(d.max()) for d in det_ids if len(d))
    potential = np.zeros((n_g, n_d))                                               # (G, D)
    gt_frames, det_frames = np.zeros((n_g, 1)), np.zeros((1, n_d))
    for g, d, sim in zip(gt_ids, det_ids, similarity):
        denom = sim.sum(0)[None, :] + sim.sum(1)[:, None] - sim                     # (G_t, D_t)
        sim_iou = np.zeros_like(sim)
        ok = denom > 0 + _EPS
        sim_iou[ok] = sim[ok] / denom[ok]
        potential[g[:, None], d[None, :]] += sim_iou
        gt_frames[g] += 1
        det_frames[0, d] += 1
    alignment = potential / (gt_frames + det_frames - potential)                  # (G, D)
    n_alpha = len(ALPHAS)
    tp, fn, fp, loc = (np.zeros(n_alpha) for _ in range(4))
    matches = np.zeros((n_alpha, n_g, n_d))                                        # (H, G, D)
    # imported here: scipy.optimize costs ~0.35 s to import, every `vistool eval` would pay it
    from scipy.optimize import linear_sum_assignment

    for g, d, sim in zip(gt_ids, det_ids, similarity):
        if len(g) == 0 or len(d) == 0:
            fp += len(d)
            fn += len(g)
            continue
        rows, cols = linear_sum_assignment(-(alignment[g[:, None], d[None, :]] * sim))
        matched_sim = sim[rows, cols]
        for a, alpha in enumerate(ALPHAS):
            ok = matched_sim >= alpha - _EPS
            n = int(ok.sum())
            tp[a] += n
            fn[a] += len(g) - n
            fp[a] += len(d) - n
            if n:
                loc[a] += sum(matched_sim[ok])
                matches[a, g[rows[ok]], d[cols[ok]]] += 1
    weight = np.maximum(1, tp)
    ass_a = (matches * (matches / np.maximum(1, gt_frames + det_frames - matches))).sum((1, 2))
    ass_re = (matches * (matches / np.maximum(1, gt_frames))).sum((1, 2))               # (H,)
    ass_pr = (matches * (matches / np.maximum(1, det_frames))).sum((1, 2))
    return HotaCounts(tp, fn, fp, ass_a / weight, ass_re / weight, ass_pr / weight,
                      np.maximum(1e-10, loc) / np.maximum(1e-10, tp))


def combine_counts(parts: Sequence[HotaCounts]) -> HotaCounts:
    """Sequences of one class, or classes pooled by detections (TrackEval
    ``combine_sequences`` / ``combine_classes_det_averaged``): counts summed, association
    scores and LocA averaged with TP weights."""
    if not parts:
        return HotaCounts.empty()
    tp = sum(p.tp for p in parts)
    weight = np.maximum(1.0, tp)

    def weighted(name: str) -> np.ndarray:
        return sum(getattr(p, name) * p.tp for p in parts) / weight

    loc = sum(p.loc_a * p.tp for p in parts)
    return HotaCounts(tp, sum(p.fn for p in parts), sum(p.fp for p in parts), weighted("ass_a"),
                      weighted("ass_re"), weighted("ass_pr"),
                      np.maximum(1e-10, loc) / np.maximum(1e-10, tp))


def summarize_fields(fields: dict[str, np.ndarray | float]) -> dict[str, float]:
    """The reported numbers: each array field's mean over the alphas, the ``(0)`` floats."""
    return {k: float(np.mean(fields[k])) for k in FIELDS}


def class_averaged(per_class: Sequence[HotaCounts]) -> dict[str, float]:
    """TrackEval ``combine_classes_class_averaged`` (every class counts, absent ones as 0
    with LocA 1), then the means over alphas."""
    if not per_class:
        return {k: float("nan") for k in FIELDS}
    fields = [c.fields() for c in per_class]
    return summarize_fields({k: np.mean([f[k] for f in fields], axis=0) for k in FIELDS})


def detection_averaged(per_class: Sequence[HotaCounts]) -> dict[str, float]:
    """TrackEval ``combine_classes_det_averaged``, then the means over alphas."""
    return summarize_fields(combine_counts(per_class).fields())
