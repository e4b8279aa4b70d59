"""Summary statistics of annotation and result files (``vistool data stats``).

Track length = frames with a present mask (segmentation not None and, where ``areas`` is given,
area > 0). Mean area = mean over the track's non-empty frames (the official ``avg_area``), from
``areas`` when present, else measured on the masks. Area buckets partition at 128^2 and 256^2
(boundary values go to the larger bucket; the evaluator's ranges overlap at the boundaries).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vistoolkit.data import rle
from vistoolkit.data.checked import (
    load_checked_dataset,
    parse_checked_dataset,
    parse_checked_predictions,
)
from vistoolkit.data.json_io import read_json
from vistoolkit.data.problems import WARNING_KINDS
from vistoolkit.data.records import Dataset, PredTrack, Segmentation

SMALL, LARGE = 128**2, 256**2
LENGTH_BUCKETS = ("<=16", "17-32", ">32")
AREA_BUCKETS = ("small", "medium", "large")


def _mask_areas(segs: Sequence[Segmentation], h: int, w: int) -> list[float]:
    return [float(rle.area(s, h, w)) for s in segs]


def mean_area(areas: Sequence[float | None]) -> float:
    """Mean of the truthy per-frame areas (None and 0 dropped), 0 if none."""
    kept = [a for a in areas if a]
    return float(sum(kept) / len(kept)) if kept else 0.0


def area_bucket(a: float) -> str:
    """``small`` below 128^2, ``medium`` below 256^2, ``large`` otherwise."""
    return "small" if a < SMALL else "medium" if a < LARGE else "large"


def length_bucket(n: int) -> str:
    return LENGTH_BUCKETS[0] if n <= 16 else LENGTH_BUCKETS[1] if n <= 32 else LENGTH_BUCKETS[2]


def _distribution(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {"min": float("nan"), "median": float("nan"), "mean": float("nan"), "max": float("nan")}
    return {"min": float(min(values)), "median": float(statistics.median(values)),
            "mean": float(np.mean(values)), "max": float(max(values))}


def _counts(labels: Sequence[str], keys: Sequence[str]) -> dict[str, int]:
    return {k: sum(1 for x in labels if x == k) for k in keys}


def dataset_stats(ds: Dataset) -> dict[str, Any]:
    """Counts, track lengths, mean-area buckets and per-category counts of a ground truth."""
    videos = ds.video_index()
    names = {c.id: c.name for c in ds.categories}
    per_video = [len(ts) for ts in ds.tracks_by_video().values()]
    lengths, buckets = [], []
    per_cat: dict[int, int] = {c.id: 0 for c in ds.categories}
    for t in ds.tracks:
        v = videos.get(t.video_id)
        h, w = (v.height, v.width) if v else (0, 0)
        areas = list(t.areas) if t.areas is not None else _mask_areas(t.segmentations, h, w)
        present = [s is not None and (a is None or a > 0) for s, a in zip(t.segmentations, areas)]
        lengths.append(sum(present))
        buckets.append(area_bucket(mean_area(areas)))
        per_cat[t.category_id] = per_cat.get(t.category_id, 0) + 1
    return {
        "kind": "annotations",
        "videos": len(ds.videos),
        "frames": sum(v.length for v in ds.videos),
        "tracks": len(ds.tracks),
        "tracks_per_video": {"mean": float(np.mean(per_video)) if per_video else float("nan"),
                             "max": max(per_video, default=0)},
        "track_length": _distribution(lengths),
        "track_length_hist": _counts([length_bucket(n) for n in lengths], LENGTH_BUCKETS),
        "mean_area_buckets": _counts(buckets, AREA_BUCKETS),
        "categories": [{"id": cid, "name": names.get(cid, str(cid)), "tracks": n}
                       for cid, n in sorted(per_cat.items())],
    }


def prediction_stats(preds: Sequence[PredTrack], gt: Dataset | None = None) -> dict[str, Any]:
    """Counts, scores per category and (RLE masks, or any mask with ``gt``) mean-area buckets."""
    names = {c.id: c.name for c in gt.categories} if gt is not None else {}
    sizes = {v.id: (v.height, v.width) for v in gt.videos} if gt is not None else {}
    by_cat: dict[int, list[float]] = {}
    lengths, buckets = [], []
    for p in preds:
        by_cat.setdefault(p.category_id, []).append(p.score)
        h, w = sizes.get(p.video_id, (0, 0))
        measurable = gt is not None or all(s is None or isinstance(s, dict) for s in p.segmentations)
        areas = _mask_areas(p.segmentations, h, w) if measurable else None
        lengths.append(sum(1 for i, s in enumerate(p.segmentations)
                           if s is not None and (areas is None or areas[i] > 0)))
        if areas is not None:
            buckets.append(area_bucket(mean_area(areas)))
    scores = [p.score for p in preds]
    return {
        "kind": "predictions",
        "predictions": len(preds),
        "videos": len({p.video_id for p in preds}),
        "frames": sum(len(p.segmentations) for p in preds),
        "score": _distribution(scores),
        "track_length": _distribution(lengths),
        "track_length_hist": _counts([length_bucket(n) for n in lengths], LENGTH_BUCKETS),
        "mean_area_buckets": _counts(buckets, AREA_BUCKETS),
        "categories": [{"id": cid, "name": names.get(cid, str(cid)), "predictions": len(s),
                        "score_mean": float(np.mean(s)), "score_max": float(max(s))}
                       for cid, s in sorted(by_cat.items())],
    }


def format_stats(stats: dict[str, Any]) -> str:
    """Aligned text: one ``key  value`` line per scalar, then the per-category table."""
    lines = []
    for key, value in stats.items():
        if key in ("kind", "categories"):
            continue
        if isinstance(value, dict):
            value = "  ".join(f"{k}={_fmt(x)}" for k, x in value.items())
        lines.append(f"{key:<18} {_fmt(value)}")
    table = pd.DataFrame(stats["categories"])
    if not table.empty:
        lines += ["", table.to_string(index=False, float_format=lambda x: f"{x:.3f}")]
    return "\n".join(lines)


def _fmt(x: object) -> str:
    if isinstance(x, float):
        return "nan" if math.isnan(x) else f"{x:.3f}".rstrip("0").rstrip(".")
    return str(x)


def file_stats(path: Path | str, *, gt_path: Path | str | None = None) -> dict[str, Any]:
    """``dataset_stats`` of an annotation file or ``prediction_stats`` of a result file, both
    checked first (``vistoolkit.data.checked``; a result file against ``gt_path`` if given).

    Raises:
        InputError: a file ``vistool validate`` would fail (an unknown category is accepted).
    """
    raw = read_json(path)
    if isinstance(raw, dict):
        return dataset_stats(parse_checked_dataset(raw, path=path))
    gt = load_checked_dataset(gt_path) if gt_path is not None else None
    preds = parse_checked_predictions(raw, gt, path=path,
                                      tolerate=WARNING_KINDS | {"unknown_category"})
    return prediction_stats(preds, gt)
