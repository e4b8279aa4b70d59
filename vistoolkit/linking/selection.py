"""Which (track, class) pairs a video reports (spec §8, §12.13), with optional suppression of
duplicate tracks; shared by the model's end-to-end inference and the linking baselines."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from vistoolkit.data.records import PredTrack, Segmentation, Track, Video
from vistoolkit.eval.video_iou import agnostic_video_iou

LABEL_MODES = ("topk", "argmax")


def track_overlaps(segmentations: Sequence[Sequence[Segmentation]], *, height: int,
                   width: int) -> np.ndarray:
    """(n, n) video IoU between every two tracks of one video (the evaluator's definition).

    Args:
        segmentations: n tracks, each one segmentation (or None) per video frame.
    """
    length = max((len(s) for s in segmentations), default=0)
    video = Video(id=0, width=width, height=height, length=length, file_names=())
    segs = [tuple(s) for s in segmentations]
    as_gt = tuple(Track(id=i, video_id=0, category_id=0, segmentations=s)
                  for i, s in enumerate(segs))
    as_pred = tuple(PredTrack(video_id=0, category_id=0, score=0.0, segmentations=s)
                    for s in segs)
    return agnostic_video_iou(video, as_gt, as_pred)                      # (n, n)


def suppress_duplicates(pairs: Sequence[tuple[int, int]], scores: np.ndarray,
                        overlaps: np.ndarray, iou: float) -> list[tuple[int, int]]:
    """Greedy duplicate suppression, best score first: a (track, class) pair is dropped when a
    kept pair of the same class is another track with video IoU above ``iou``.

    Args:
        pairs: candidate (track, class) pairs; scores: (tracks, K); overlaps: (tracks, tracks).
    """
    kept: list[tuple[int, int]] = []
    for i, k in sorted(pairs, key=lambda p: -scores[p]):
        if all(c != k or j == i or overlaps[i, j] <= iou for j, c in kept):
            kept.append((i, k))
    return kept


def select_pairs(scores: np.ndarray, *, top_k: int = 10, label_mode: str = "topk",
                 track_nms_iou: float | None = None,
                 overlaps: Callable[[], np.ndarray] | None = None) -> list[tuple[int, int]]:
    """The (track, class) pairs a video reports, best score first.

    ``topk``: the ``top_k`` best pairs of the flattened (tracks x K) scores; ``argmax``: each
    track with its best class. With ``track_nms_iou`` (None = off, the paper) pairs are first
    passed through ``suppress_duplicates``, ``overlaps()`` giving the (tracks, tracks) video IoU.

    Args:
        scores: (tracks, K) class scores.
    """
    if label_mode not in LABEL_MODES:
        raise ValueError(f"label_mode must be 'topk' or 'argmax', not {label_mode!r}")
    if label_mode == "argmax":
        pairs = [(a, int(scores[a].argmax())) for a in range(len(scores))]
    else:
        flat = np.argsort(-scores.ravel(), kind="stable")                 # (tracks * K,)
        pairs = [divmod(int(f), scores.shape[1]) for f in flat]
    if track_nms_iou is not None:
        if overlaps is None:
            raise ValueError("track_nms_iou needs the tracks' overlaps")
        pairs = suppress_duplicates(pairs, scores, overlaps(), track_nms_iou)
    pairs = sorted(pairs, key=lambda p: -scores[p])
    return pairs if label_mode == "argmax" else pairs[:top_k]
