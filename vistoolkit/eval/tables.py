"""Flat GT and prediction tables in the order the official ``accumulate`` concatenates them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vistoolkit.data.records import Dataset, PredTrack, Track, Video
from vistoolkit.errors import InputError


@dataclass(frozen=True, slots=True)
class VideoItems:
    """What one video contributes: its GT tracks and kept predictions with their table rows."""

    video: Video
    gt_tracks: tuple[Track, ...]
    gt_rows: np.ndarray         # (G,) rows of ``GTTable``
    preds: tuple[PredTrack, ...]
    det_rows: np.ndarray        # (D,) rows of ``DetTable``
    n_pred_by_cat: np.ndarray   # (K,) int64 predictions per category before the max_det cut
    # every prediction of the video in an evaluated category, file order, before the max_det
    # cut (TrackEval's HOTA keeps them all)
    all_preds: tuple[PredTrack, ...] = ()


@dataclass(frozen=True, slots=True)
class GTTable:
    """Evaluated GT tracks, ordered by (category, video id, file order). All arrays (Ng,)."""

    ids: np.ndarray        # int64 annotation ids (0 counts as unmatched, quirk 13)
    video_ids: np.ndarray  # int64
    cat_index: np.ndarray  # int64 index into ``category_ids``
    crowd: np.ndarray      # bool; official ignore := iscrowd (quirk 1)
    avg_area: np.ndarray   # float64 mean of truthy JSON ``areas`` (quirk 4)


@dataclass(frozen=True, slots=True)
class DetTable:
    """Kept predictions (top ``max_det`` per (video, category) by score, stable), ordered by
    (category, video id, rank). All arrays (Nd,)."""

    index: np.ndarray      # int64 position in the result file
    video_ids: np.ndarray  # int64
    cat_index: np.ndarray  # int64
    score: np.ndarray      # float64
    rank: np.ndarray       # int64 rank within its (video, category), 0 = highest score


@dataclass(frozen=True, slots=True)
class EvalTables:
    category_ids: tuple[int, ...]
    video_ids: tuple[int, ...]
    gt: GTTable
    det: DetTable
    videos: tuple[VideoItems, ...]


def gt_avg_area(track: Track, *, path: Path | str | None) -> float:
    """Official GT ``avg_area``: mean of the truthy ``areas`` entries as given, 0 if none."""
    if track.areas is None:
        raise InputError("ground-truth annotation has no 'areas' (needed for area ranges)",
                         path=path, where=f"annotation id={track.id} (video_id={track.video_id})")
    kept = [a for a in track.areas if a]
    return float(np.array(kept).mean()) if kept else 0.0


def _select(all_ids: list[int], subset: tuple[int, ...] | None) -> tuple[int, ...]:
    return tuple(sorted(set(all_ids) if subset is None else set(all_ids) & set(subset)))


def _flatten(gt_groups: dict, dt_groups: dict, n_cat: int, vids: tuple[int, ...], max_det: int,
             gt_path: Path | str | None) -> tuple[dict, dict, dict]:
    """Columns of both tables in (category, video, order) order, and each video's rows."""
    g_cols: dict[str, list] = {k: [] for k in ("ids", "video_ids", "cat_index", "crowd", "area")}
    d_cols: dict[str, list] = {k: [] for k in ("index", "video_ids", "cat_index", "score", "rank")}
    per_video: dict[int, tuple[list, list, list, list]] = {v: ([], [], [], []) for v in vids}
    for k in range(n_cat):
        for v in vids:
            for t in gt_groups.get((k, v), ()):
                per_video[v][0].append(t)
                per_video[v][1].append(len(g_cols["ids"]))
                g_cols["ids"].append(t.id)
                g_cols["video_ids"].append(v)
                g_cols["cat_index"].append(k)
                g_cols["crowd"].append(bool(t.iscrowd))
                g_cols["area"].append(gt_avg_area(t, path=gt_path))
            group = dt_groups.get((k, v))
            if not group:
                continue
            order = np.argsort([-p.score for p in group], kind="mergesort")[:max_det]
            for rank, i in enumerate(order):
                p = group[i]
                per_video[v][2].append(p)
                per_video[v][3].append(len(d_cols["index"]))
                d_cols["index"].append(p.index)
                d_cols["video_ids"].append(v)
                d_cols["cat_index"].append(k)
                d_cols["score"].append(p.score)
                d_cols["rank"].append(rank)
    return g_cols, d_cols, per_video


def build_tables(gt: Dataset, preds: list[PredTrack], *, max_det: int,
                 category_ids: tuple[int, ...] | None = None,
                 video_ids: tuple[int, ...] | None = None,
                 gt_path: Path | str | None = None) -> EvalTables:
    """Group GT and predictions by (category, video) as the official evaluator does.

    Predictions of categories or videos outside the evaluated sets are dropped here (the caller
    has validated them). Each (video, category) list is sorted by score, stable (mergesort),
    and cut at ``max_det`` (quirks 6, 7).
    """
    cats = _select([c.id for c in gt.categories], category_ids)
    vids = _select([v.id for v in gt.videos], video_ids)
    kpos = {c: k for k, c in enumerate(cats)}
    vset = set(vids)
    gt_groups: dict[tuple[int, int], list[Track]] = defaultdict(list)
    for t in gt.tracks:
        if t.category_id in kpos and t.video_id in vset:
            gt_groups[kpos[t.category_id], t.video_id].append(t)
    dt_groups: dict[tuple[int, int], list[PredTrack]] = defaultdict(list)
    n_pred = {v: np.zeros(len(cats), dtype=np.int64) for v in vids}   # (K,) per video
    all_preds: dict[int, list[PredTrack]] = {v: [] for v in vids}
    for p in preds:
        k = kpos.get(p.category_id)
        if k is not None and p.video_id in vset:
            dt_groups[k, p.video_id].append(p)
            n_pred[p.video_id][k] += 1
            all_preds[p.video_id].append(p)
    g_cols, d_cols, per_video = _flatten(gt_groups, dt_groups, len(cats), vids, max_det, gt_path)
    vindex = gt.video_index()
    items = tuple(
        VideoItems(vindex[v], tuple(g), np.array(gr, dtype=np.int64), tuple(d),
                   np.array(dr, dtype=np.int64), n_pred[v], tuple(all_preds[v]))
        for v, (g, gr, d, dr) in per_video.items()
    )
    gtab = GTTable(np.array(g_cols["ids"], dtype=np.int64),
                   np.array(g_cols["video_ids"], dtype=np.int64),
                   np.array(g_cols["cat_index"], dtype=np.int64),
                   np.array(g_cols["crowd"], dtype=bool),
                   np.array(g_cols["area"], dtype=np.float64))
    dtab = DetTable(np.array(d_cols["index"], dtype=np.int64),
                    np.array(d_cols["video_ids"], dtype=np.int64),
                    np.array(d_cols["cat_index"], dtype=np.int64),
                    np.array(d_cols["score"], dtype=np.float64),
                    np.array(d_cols["rank"], dtype=np.int64))
    return EvalTables(cats, vids, gtab, dtab, items)
