"""Evaluation parameters of the official YouTube-VIS evaluator (``ytvoseval.Params``, segm)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Area ranges in pixels (avg area over a track's non-empty frames), both ends inclusive (quirk 5).
YTVIS_AREA_RANGES: tuple[tuple[float, float], ...] = (
    (0.0, 1e5**2), (0.0, 128.0**2), (128.0**2, 256.0**2), (256.0**2, 1e5**2),
)
YTVIS_AREA_LABELS: tuple[str, ...] = ("all", "small", "medium", "large")
IOU_TYPES: tuple[str, ...] = ("segm", "bbox")


def _iou_thresholds() -> np.ndarray:
    """Official IoU thresholds: ``np.linspace(.5, .95, 10)`` (iouThrs[8] = 0.8999999999999999)."""
    return np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)


def _recall_thresholds() -> np.ndarray:
    """Official recall thresholds: ``np.linspace(0, 1, 101)`` (some 1 ulp above k/100)."""
    return np.linspace(0.0, 1.0, int(np.round((1.0 - 0.0) / 0.01)) + 1, endpoint=True)


@dataclass(frozen=True)
class EvalParams:
    """Frozen evaluation settings with the official defaults.

    Attributes:
        iou_thrs: (T,) IoU thresholds, official ``linspace(.5, .95, 10)``.
        rec_thrs: (R,) recall thresholds, official ``linspace(0, 1, 101)``.
        max_dets: (M,) detections kept per (video, category), ascending.
        area_rngs: (A,) inclusive [lo, hi] ranges of a track's average area.
        area_labels: (A,) names of ``area_rngs``.
        category_ids: evaluate only these categories (None: all GT categories).
        video_ids: evaluate only these videos (None: all GT videos).
        iou_type: ``"segm"`` (official video mask IoU) or ``"bbox"`` (tube-box IoU,
            ``vistoolkit.eval.tube_box``); official ``iouType``.
        use_cats: False pools the categories of each video (official ``useCats = 0``,
            ``vistoolkit.eval.agnostic``).
    """

    iou_thrs: np.ndarray = field(default_factory=_iou_thresholds)
    rec_thrs: np.ndarray = field(default_factory=_recall_thresholds)
    max_dets: tuple[int, ...] = (1, 10, 100)
    area_rngs: tuple[tuple[float, float], ...] = YTVIS_AREA_RANGES
    area_labels: tuple[str, ...] = YTVIS_AREA_LABELS
    category_ids: tuple[int | str, ...] | None = None
    video_ids: tuple[int, ...] | None = None
    iou_type: str = "segm"
    use_cats: bool = True

    def __post_init__(self) -> None:
        if len(self.area_rngs) != len(self.area_labels):
            raise ValueError("area_rngs and area_labels must have the same length")
        if list(self.max_dets) != sorted(self.max_dets) or not self.max_dets:
            raise ValueError(f"max_dets must be ascending and non-empty, got {self.max_dets}")
        if self.iou_type not in IOU_TYPES:
            raise ValueError(f"iou_type must be one of {', '.join(IOU_TYPES)}, "
                             f"got {self.iou_type!r}")
        object.__setattr__(self, "iou_thrs", np.asarray(self.iou_thrs, dtype=np.float64))
        object.__setattr__(self, "rec_thrs", np.asarray(self.rec_thrs, dtype=np.float64))

    @property
    def max_det(self) -> int:
        """Largest maxDets value: predictions kept per (video, category) (quirk 6)."""
        return self.max_dets[-1]

    @property
    def match_thrs(self) -> np.ndarray:
        """(T,) thresholds as used in matching: ``min(t, 1 - 1e-10)`` (official ``evaluateVid``)."""
        return np.array([min(t, 1 - 1e-10) for t in self.iou_thrs], dtype=np.float64)

    def area_out(self, avg_area: np.ndarray) -> np.ndarray:
        """(A, N) bool: True where ``avg_area`` (N,) lies outside each (inclusive) area range."""
        return range_out(avg_area, self.area_rngs)


def range_out(values: np.ndarray, ranges: tuple[tuple[float, float], ...]) -> np.ndarray:
    """(A, N) bool: ``values`` (N,) below ``lo`` or above ``hi`` of each inclusive range (A,)."""
    lo = np.array([r[0] for r in ranges], dtype=np.float64).reshape(-1, 1)
    hi = np.array([r[1] for r in ranges], dtype=np.float64).reshape(-1, 1)
    return (values[None, :] < lo) | (values[None, :] > hi)
