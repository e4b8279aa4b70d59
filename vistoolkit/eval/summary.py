"""The official 12-number summary (``YTVOSeval.summarize``) and its text block.

Values that cannot be computed (no GT in the setting) are NaN; the printed block shows them as
-1.000, as the official ``summarize`` prints them.
"""

from __future__ import annotations

import numpy as np

from vistoolkit.eval.params import EvalParams

STAT_KEYS: tuple[str, ...] = (
    "AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl",
)
# (is_ap, IoU threshold or None, area label, maxDets: int literal or index into params.max_dets)
_SPECS: tuple[tuple[bool, float | None, str, tuple[str, int]], ...] = (
    (True, None, "all", ("value", 100)),     # official default argument maxDets=100
    (True, 0.5, "all", ("index", 2)), (True, 0.75, "all", ("index", 2)),
    (True, None, "small", ("index", 2)), (True, None, "medium", ("index", 2)),
    (True, None, "large", ("index", 2)),
    (False, None, "all", ("index", 0)), (False, None, "all", ("index", 1)),
    (False, None, "all", ("index", 2)),
    (False, None, "small", ("index", 2)), (False, None, "medium", ("index", 2)),
    (False, None, "large", ("index", 2)),
)


def _max_dets(params: EvalParams, spec: tuple[str, int]) -> int:
    kind, v = spec
    return v if kind == "value" else params.max_dets[min(v, len(params.max_dets) - 1)]


def summary_value(arr: np.ndarray, params: EvalParams, *, iou_thr: float | None, area: str,
                  max_dets: int) -> float:
    """Mean of the defined (non-NaN) entries of one slice of ``precision`` (T, R, K, A, M) or
    ``recall`` (T, K, A, M), flattened in the official order (quirk 10); NaN if none (the
    official -1)."""
    aind = [i for i, lbl in enumerate(params.area_labels) if lbl == area]
    mind = [i for i, m in enumerate(params.max_dets) if m == max_dets]
    s = arr
    if iou_thr is not None:
        s = s[np.where(iou_thr == params.iou_thrs)[0]]
    s = s[..., aind, mind]
    valid = s[~np.isnan(s)]
    return float("nan") if len(valid) == 0 else float(np.mean(valid))


def summarize(precision: np.ndarray, recall: np.ndarray, params: EvalParams) -> np.ndarray:
    """(12,) float64 stats in ``STAT_KEYS`` order, NaN where undefined."""
    out = np.zeros(len(_SPECS))
    for i, (is_ap, thr, area, md) in enumerate(_SPECS):
        out[i] = summary_value(precision if is_ap else recall, params, iou_thr=thr, area=area,
                               max_dets=_max_dets(params, md))
    return out


def summary_lines(stats: np.ndarray, params: EvalParams) -> list[str]:
    """The official 12-line block, character for character (NaN printed as the official -1)."""
    lines = []
    lo, hi = params.iou_thrs[0], params.iou_thrs[-1]
    for value, (is_ap, thr, area, md) in zip(nan_to_official(stats), _SPECS):
        title = "Average Precision" if is_ap else "Average Recall"
        kind = "(AP)" if is_ap else "(AR)"
        iou = f"{lo:0.2f}:{hi:0.2f}" if thr is None else f"{thr:0.2f}"
        lines.append(f" {title:<18} {kind} @[ IoU={iou:<9} | area={area:>6s} | "
                     f"maxDets={_max_dets(params, md):>3d} ] = {value:0.3f}")
    return lines


def compact_table(stats: dict[str, float],
                  keys: tuple[str, ...] = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1",
                                           "AR10")) -> str:
    """Two-line table of ``keys`` (default ``AP AP50 AP75 APs APm APl AR1 AR10``; percent, one
    decimal)."""
    width = max(6, *map(len, keys))
    head = " ".join(f"{k:>{width}}" for k in keys)
    vals = " ".join(f"{'-':>{width}}" if np.isnan(stats[k]) else f"{100 * stats[k]:{width}.1f}"
                    for k in keys)
    return f"{head}\n{vals}"


def nan_to_official(values: np.ndarray) -> np.ndarray:
    """``values`` (stats or evaluation arrays) with NaN replaced by the official -1, for the
    printout and the compatibility layer."""
    return np.where(np.isnan(values), -1.0, values)
