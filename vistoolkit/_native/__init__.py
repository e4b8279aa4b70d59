"""Native single-pass RLE kernel (issue 13): decode, validate and intersect compressed RLE once.

``AVAILABLE`` is False when the C extension was not built (no compiler at install time) or when
the environment variable ``VISTOOLKIT_NO_NATIVE`` is set to anything but ``""``/``"0"``, which is
how CI runs the pycocotools fallback path. Callers check ``AVAILABLE`` and otherwise use
``vistoolkit.eval.video_iou``.

Video IoU, as the official ``YTVOSeval.computeIoU`` (docs/ytvis_eval_semantics.md, quirk 2):
over ``zip(pred_frames, gt_frames)``, IoU = sum |d∩g| / sum |d∪g|; an absent frame (None) adds
the other side's area to the union; IoU is 0 where the union is 0.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Counts = str | bytes | bytearray | memoryview   # or msgspec.Raw (adopt_raw_frames)
# One frame as the kernel takes it: None (absent), counts, or a compressed-RLE segmentation dict
# {"size": [height, width], "counts": Counts} whose size is the video's.
KernelFrame = Counts | dict | None


class _UnavailableCountsError(ValueError):
    """Stand-in for the extension's ``CountsError`` when it is not loaded."""


class _UnavailableFrameFormError(TypeError):
    """Stand-in for the extension's ``FrameFormError`` when it is not loaded."""


def _load():  # -> module | None
    if os.environ.get("VISTOOLKIT_NO_NATIVE", "") not in ("", "0"):
        return None
    try:
        from vistoolkit._native import _rle_kernel
    except ImportError:
        return None
    return _rle_kernel


_kernel = _load()
AVAILABLE: bool = _kernel is not None
# A malformed counts string: ValueError with ``side`` ("gt"/"prediction"), ``track``, ``frame``.
CountsError: type[ValueError] = _kernel.CountsError if _kernel else _UnavailableCountsError
# A frame the kernel does not take: a polygon, uncompressed RLE, or an RLE dict whose ``size`` is
# not the video's [height, width] (TypeError with ``side``, ``track``, ``frame``).
FrameFormError: type[TypeError] = (_kernel.FrameFormError if _kernel
                                   else _UnavailableFrameFormError)


@dataclass(frozen=True, slots=True)
class RleOverlaps:
    """Kernel results for one video (D predictions, G GT tracks, L = longest track)."""

    iou: np.ndarray           # (D, G) float64 video IoU, 0 where the union is 0
    inter: np.ndarray         # (D, G) int64 sum over zip(frames) of |d∩g|
    union: np.ndarray         # (D, G) int64 sum over zip(frames) of |d∪g|
    det_areas: np.ndarray     # (D, L) int64 per-frame areas, 0 where absent or past the end
    gt_areas: np.ndarray      # (G, L) int64 per-frame areas, 0 where absent or past the end
    det_avg_area: np.ndarray  # (D,) float64 mean area over non-empty frames, 0 if none
    det_frames: np.ndarray    # (D,) int64 frames with a non-empty mask
    gt_frames: np.ndarray     # (G,) int64 frames with a non-empty mask
    zero_union: int           # pairs with an empty union


def rle_video_overlaps(gt_counts: Sequence[Sequence[KernelFrame]],
                       pred_counts: Sequence[Sequence[KernelFrame]], *,
                       height: int, width: int, gt_categories: Sequence[int] | None = None,
                       pred_categories: Sequence[int] | None = None) -> RleOverlaps:
    """Video IoU of every (prediction, GT) pair of one video from compressed RLE counts.

    Each counts string is decoded once and validated (alphabet '0'..'o', every number
    terminated, non-negative runs summing to exactly ``height * width``). The work runs without
    the GIL, so several videos can be processed on threads.

    Args:
        gt_counts: G tracks, each a sequence of per-frame counts (str or bytes-like, the
            pycocotools string encoding, or a ``msgspec.Raw`` span of a JSON string as
            ``adopt_raw_frames`` admits them: read between the quotes, "\\\\" as a backslash),
            None where the track is absent, or a segmentation dict ``{"size": [height,
            width], "counts": ...}`` (its size must be exactly the video's: a list of two ints).
        pred_counts: D tracks, same form. Tracks may differ in length (zip semantics).
        height: mask height of every frame.
        width: mask width of every frame.
        gt_categories, pred_categories: (G,) and (D,) ints, both or neither. Given, pairs of
            different categories are not intersected: their ``inter`` is 0 and their ``union``
            the sum of the areas, as the pycocotools path (``video_iou``) computes them.

    Returns:
        ``RleOverlaps``; ``iou`` is bit-identical to ``vistoolkit.eval.video_iou``'s.

    Raises:
        CountsError: (a ValueError) a malformed counts string, naming the track and frame.
        FrameFormError: (a TypeError) a frame of another form (polygon, uncompressed RLE,
            another size), naming the track and frame; convert it first (``data.rle.to_rle``).
        RuntimeError: the extension is not available (see ``AVAILABLE``).
    """
    if _kernel is None:
        raise RuntimeError("the native RLE kernel is not available (not built, or disabled by "
                           "VISTOOLKIT_NO_NATIVE)")
    inter, union, det_areas, gt_areas, length = _kernel.video_overlaps(
        gt_counts, pred_counts, height, width, gt_categories, pred_categories)
    n_det, n_gt = len(pred_counts), len(gt_counts)
    inter = np.frombuffer(inter, dtype=np.int64).reshape(n_det, n_gt)              # (D, G)
    union = np.frombuffer(union, dtype=np.int64).reshape(n_det, n_gt)              # (D, G)
    det_areas = np.frombuffer(det_areas, dtype=np.int64).reshape(n_det, length)    # (D, L)
    gt_areas = np.frombuffer(gt_areas, dtype=np.int64).reshape(n_gt, length)       # (G, L)
    iou = np.zeros(inter.shape, dtype=np.float64)                                  # (D, G)
    pos = union > 0
    iou[pos] = inter[pos].astype(np.float64) / union[pos].astype(np.float64)
    det_frames = (det_areas > 0).sum(1)                                            # (D,)
    det_sum = det_areas.sum(1).astype(np.float64)                                  # (D,)
    det_avg = np.divide(det_sum, det_frames, out=np.zeros(n_det), where=det_frames > 0)
    return RleOverlaps(iou, inter, union, det_areas, gt_areas, det_avg, det_frames,
                       (gt_areas > 0).sum(1), int((~pos).sum()))


def share_sizes(frames: list, cache: dict[tuple, list]) -> None:
    """Make the RLE dicts of ``frames`` with equal ``size`` lists share one list (in place).

    ``cache`` maps a size (as a tuple) to its shared list; pass the same dict for a whole file.
    A result file's frames then hold one list per mask size, not one each (about 170 bytes a
    frame). In C when the extension is loaded, else in Python; same result.
    """
    (_kernel.share_sizes if _kernel is not None else _share_sizes_python)(frames, cache)


def _share_sizes_python(frames: list, cache: dict[tuple, list]) -> None:
    for frame in frames:
        if type(frame) is dict and type(frame.get("size")) is list:
            size = frame["size"]
            frame["size"] = cache.setdefault(tuple(size), size)



def adopt_raw_frames(frames: list, cache: dict[tuple, list]) -> bool:
    """Make the frames of ``frames`` that are dicts of ``msgspec.Raw`` spans ordinary
    compressed-RLE dicts, in place: ``size`` the list [h, w] shared through ``cache`` (as
    ``share_sizes``), ``counts`` kept as the span of its JSON string (the kernel reads the
    characters between the quotes, a backslash written as two).

    True when every such dict is exactly ``{"size": [h, w], "counts": "..."}`` with a plain
    counts string (only the characters '0'..'o', no escape but the backslash's: nothing a str
    decode would refuse or change). False at the first other one (the list is then partly
    converted: read the file the strict way), and always without the extension.
    """
    if _kernel is None:
        return False
    return _kernel.adopt_raw_frames(frames, cache)
