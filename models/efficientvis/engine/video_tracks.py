"""Clip-to-video assembly of EfficientVIS inference (spec §8): query hand-over state, slot
re-initialisation, per-track running class sums, track scoring and the streamed result file.

A track is one query slot between two re-initialisations. It keeps its RLE masks (bounded by
the video) and running sums of its per-frame class probabilities, never decoded masks.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import numpy as np

from vistoolkit.atomic import atomic_open
from vistoolkit.linking.selection import select_pairs, track_overlaps


def update_background(bg_count: np.ndarray, fg_max: np.ndarray, *, tau_bg: float,
                      k_reinit: int) -> tuple[np.ndarray, np.ndarray]:
    """Re-initialisation rule (spec §8, §12.15).

    Args:
        bg_count: (N,) int, consecutive background clips per slot so far.
        fg_max: (N,) max over the clip's frames and foreground classes of p_k.
        tau_bg: a clip is background for a slot if ``fg_max < tau_bg``.
        k_reinit: clips in a row after which the slot is re-initialised with q*.
    Returns:
        (new bg_count (N,) with re-initialised slots reset to 0, reinit (N,) bool).
    """
    count = np.where(fg_max < tau_bg, bg_count + 1, 0)                   # (N,)
    reinit = count >= k_reinit                                            # (N,)
    return np.where(reinit, 0, count), reinit


@dataclass
class VideoTrack:
    """A track being assembled at inference: one query slot between two re-initialisations,
    with its RLEs of frames ``start ..`` and running sums of class probabilities."""

    track_id: int
    slot: int
    start: int
    num_classes: int
    segmentations: list[dict] = field(default_factory=list)
    sum_present: np.ndarray | None = None   # (K,) sum of p_k over present frames
    sum_all: np.ndarray | None = None       # (K,) sum of p_k over all frames
    n_present: int = 0

    def add(self, probs: np.ndarray, rles: Sequence[dict]) -> None:
        """probs: (T', K+1) per-frame class probabilities (background last); rles: T' masks."""
        fg = probs[:, : self.num_classes]                                 # (T', K)
        present = probs[:, self.num_classes] < 0.5                       # (T',) spec §8
        if self.sum_all is None:
            self.sum_all = np.zeros(self.num_classes)
            self.sum_present = np.zeros(self.num_classes)
        self.sum_all += fg.sum(0)
        self.sum_present += fg[present].sum(0)
        self.n_present += int(present.sum())
        self.segmentations.extend(rles)

    def class_scores(self) -> np.ndarray:
        """(K,) s_k: mean p_k over present frames, over all frames if there are none."""
        if self.n_present > 0:
            return self.sum_present / self.n_present
        return self.sum_all / max(len(self.segmentations), 1)


class VideoTracker:
    """State of clip-by-clip inference over one video (spec §8).

    Args:
        q_star: (N, C) learned initial queries (numpy or torch; kept as given).
        num_classes: K.
        tau_bg, k_reinit: re-initialisation rule.
    """

    def __init__(self, q_star: Any, *, num_classes: int, tau_bg: float, k_reinit: int) -> None:
        self.q_star, self.num_classes = q_star, num_classes
        self.tau_bg, self.k_reinit = tau_bg, k_reinit
        n = q_star.shape[0]
        self.next_queries = None                                          # None = q* for all
        self.bg_count = np.zeros(n, dtype=np.int64)                      # (N,)
        self.next_id = 0
        self.open = [self._new_track(i, 0) for i in range(n)]
        self.closed: list[VideoTrack] = []

    def _new_track(self, slot: int, start: int) -> VideoTrack:
        self.next_id += 1
        return VideoTrack(self.next_id - 1, slot, start, self.num_classes)

    def add_clip(self, start: int, probs: np.ndarray, rles: Sequence[Sequence[dict]],
                 handed_over: Any) -> None:
        """Record one clip and prepare the next clip's queries.

        Args:
            start: first video frame of the clip.
            probs: (N, T', K+1) class probabilities.
            rles: N lists of T' compressed RLEs (original resolution).
            handed_over: (N, C) time-averaged output queries of the clip.
        """
        for i, track in enumerate(self.open):
            track.add(probs[i], rles[i])
        fg_max = probs[:, :, : self.num_classes].max(axis=(1, 2))        # (N,)
        self.bg_count, reinit = update_background(self.bg_count, fg_max, tau_bg=self.tau_bg,
                                                  k_reinit=self.k_reinit)
        queries = handed_over.clone() if hasattr(handed_over, "clone") else handed_over.copy()
        end = start + probs.shape[1]
        for i in np.flatnonzero(reinit):
            queries[i] = self.q_star[i]                                   # slot back to q*
            self.closed.append(self.open[i])
            self.open[i] = self._new_track(int(i), end)
        self.next_queries = queries

    def tracks(self) -> list[VideoTrack]:
        """Every track with at least one frame, by id."""
        return sorted((t for t in self.closed + self.open if t.segmentations),
                      key=lambda t: t.track_id)


def _full_segments(track: VideoTrack, length: int) -> list[dict | None]:
    """A track's RLEs over the whole video, None outside its life."""
    segs: list[dict | None] = [None] * track.start + list(track.segmentations)
    return segs + [None] * (length - len(segs))


def video_predictions(tracks: Sequence[VideoTrack], *, video_id: int, length: int,
                      category_ids: Sequence[int], top_k: int = 10,
                      label_mode: str = "topk",
                      track_nms_iou: float | None = None) -> list[dict[str, Any]]:
    """YouTube-VIS result entries of one video (spec §8, §12.13).

    ``topk``: flatten (tracks x K) class scores and keep the ``top_k`` best (track, class)
    pairs; ``argmax``: one entry per track with its best class; ``track_nms_iou`` (None = off,
    the paper) first drops pairs that duplicate a better-scored track of the same class
    (``vistoolkit.linking.selection``). Frames outside a track's life are None.
    """
    if not tracks:
        return []
    scores = np.stack([t.class_scores() for t in tracks])                # (tracks, K)
    segs = [_full_segments(t, length) for t in tracks]
    size = next((r["size"] for t in tracks for r in t.segmentations if r), (1, 1))
    pairs = select_pairs(scores, top_k=top_k, label_mode=label_mode, track_nms_iou=track_nms_iou,
                         overlaps=lambda: track_overlaps(segs, height=size[0], width=size[1]))
    return [{"video_id": video_id, "category_id": int(category_ids[k]),
             "score": float(scores[i, k]), "segmentations": segs[i]} for i, k in pairs]


class PredictionStream:
    """Writes a YouTube-VIS result file (a JSON list) entry by entry, atomically on close."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.count = 0
        self._ctx = atomic_open(self.path, "w", encoding="utf-8")
        self._handle: IO[str] | None = None

    def __enter__(self) -> PredictionStream:  # noqa: PYI034
        self._handle = self._ctx.__enter__()
        self._handle.write("[")
        return self

    def add(self, entry: dict[str, Any]) -> None:
        assert self._handle is not None, "use PredictionStream as a context manager"
        self._handle.write(("," if self.count else "") + "\n" + json.dumps(entry))
        self.count += 1

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool | None:
        if exc_type is None and self._handle is not None:
            self._handle.write("\n]\n")
        return self._ctx.__exit__(exc_type, exc, tb)
