"""HOTA, DetA, AssA, LocA, DetRe, DetPr, AssRe, AssPr (and OWTA, HOTA(0), LocA(0),
HOTALocA(0)) per class, class-averaged and detection-averaged, as TrackEval's YouTube-VIS run
gives them (``vistoolkit.eval.hota`` has the formulas).

TrackEval's YouTube-VIS protocol, reproduced here (``trackeval/datasets/youtube_vis.py``):

* every prediction of a GT video in a GT category is kept (no score threshold, no 100 cut);
  predictions of other videos or categories are never read;
* a frame is a detection when its segmentation is truthy, so an RLE of an empty mask is a
  detection (an FP at every alpha); only None is absent;
* crowd GT tracks are ordinary GT tracks;
* the class average runs over every evaluated GT category, a category without GT and without
  predictions scoring HOTA 0 (LocA 1), one that is only predicted HOTA 0.

Where TrackEval would stop (a track shorter than its video, mask sizes that differ; only
possible with ``--lenient``), the missing frames are absent and the IoU of differing sizes is 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from vistoolkit.errors import InputError
from vistoolkit.eval.frame_iou import FrameOverlap, frame_overlaps
from vistoolkit.eval.hota import (
    FIELDS,
    HotaCounts,
    class_averaged,
    combine_counts,
    detection_averaged,
    sequence_counts,
    summarize_fields,
)
from vistoolkit.eval.metrics.base import Metric
from vistoolkit.eval.metrics.data import EvalData, VideoData

if TYPE_CHECKING:
    import pandas as pd

COLUMNS: tuple[str, ...] = ("scope", "category_id", "name", *FIELDS)
CLASS_AVERAGED, DETECTION_AVERAGED, CLASS = "class_averaged", "detection_averaged", "class"


@dataclass(frozen=True, slots=True)
class HotaVideo:
    """One video's HOTA state per category id with a GT track or a prediction in it."""

    by_category: dict[int, HotaCounts]


def _class_sequence(frames: Sequence[FrameOverlap], gt_of_class: np.ndarray,
                    det_of_class: np.ndarray) -> HotaCounts:
    """``sequence_counts`` for the tracks of one class; ids relabelled to 0.. in track order
    (G,) / (D,) bool ``*_of_class`` select the class's tracks."""
    gt_ids, det_ids, sims = [], [], []
    for fr in frames:
        g_keep, d_keep = gt_of_class[fr.gt], det_of_class[fr.det]
        gt_ids.append(fr.gt[g_keep])
        det_ids.append(fr.det[d_keep])
        sims.append(fr.iou[np.ix_(g_keep, d_keep)])                                # (G_t, D_t)
    none = np.zeros(0, dtype=np.int64)
    g_label = np.cumsum(np.isin(np.arange(len(gt_of_class)), np.concatenate([none, *gt_ids]))) - 1
    d_label = np.cumsum(np.isin(np.arange(len(det_of_class)), np.concatenate([none, *det_ids])))
    d_label -= 1
    return sequence_counts([g_label[g] for g in gt_ids], [d_label[d] for d in det_ids], sims)


def require_masks(data: EvalData, metric: str) -> None:
    """Mask metrics say so when the evaluation matched tube boxes (``iou_type="bbox"``)."""
    if data.params.iou_type != "segm":
        raise InputError(f"{metric} is defined on masks; evaluate with iou_type 'segm', not "
                         f"{data.params.iou_type!r}", where=f"metric {metric}")


class Hota(Metric[HotaVideo]):
    """HOTA and its sub-metrics: a table with the rows ``class_averaged``,
    ``detection_averaged`` and one ``class`` row per evaluated category (``COLUMNS``)."""

    name = "hota"

    def evaluate_video(self, video: VideoData) -> HotaVideo:
        gt_cat = np.array([t.category_id for t in video.gt_tracks], dtype=np.int64)     # (G,)
        det_cat = np.array([p.category_id for p in video.all_preds], dtype=np.int64)    # (D,)
        frames = frame_overlaps(video.video, [t.segmentations for t in video.gt_tracks],
                                [p.segmentations for p in video.all_preds],
                                pairs=gt_cat[:, None] == det_cat[None, :])
        out = {}
        for c in np.union1d(gt_cat, det_cat).tolist():
            out[c] = _class_sequence(frames, gt_cat == c, det_cat == c)
        return HotaVideo(out)

    def combine(self, per_video: Sequence[HotaVideo], data: EvalData) -> pd.DataFrame:
        import pandas as pd

        require_masks(data, "hota")
        per_class = [combine_counts([v.by_category[c] for v in per_video if c in v.by_category])
                     for c in data.category_ids]
        rows = [{"scope": CLASS_AVERAGED, "category_id": None, "name": "",
                 **class_averaged(per_class)},
                {"scope": DETECTION_AVERAGED, "category_id": None, "name": "",
                 **detection_averaged(per_class)}]
        rows += [{"scope": CLASS, "category_id": c, "name": n, **summarize_fields(k.fields())}
                 for c, n, k in zip(data.category_ids, data.category_names, per_class)]
        df = pd.DataFrame(rows, columns=list(COLUMNS))
        df["category_id"] = df["category_id"].astype("Int64")
        return df


def hota_json(df: pd.DataFrame) -> dict:
    """``{"class_averaged": {field: v}, "detection_averaged": {...},
    "per_class": {"<category id>": {"name": ..., field: v}}}``, NaN as None."""

    def clean(row: pd.Series) -> dict:
        return {k: (None if np.isnan(row[k]) else float(row[k])) for k in FIELDS}

    by_scope = {r.scope: r for _, r in df[df.scope != CLASS].iterrows()}
    return {CLASS_AVERAGED: clean(by_scope[CLASS_AVERAGED]),
            DETECTION_AVERAGED: clean(by_scope[DETECTION_AVERAGED]),
            "per_class": {str(int(r.category_id)): {"name": r["name"], **clean(r)}
                          for _, r in df[df.scope == CLASS].iterrows()}}


def format_hota(df: pd.DataFrame) -> str:
    """``scope | HOTA | DetA | AssA | LocA | DetRe | DetPr | AssRe | AssPr`` in percent."""
    keys = ("HOTA", "DetA", "AssA", "LocA", "DetRe", "DetPr", "AssRe", "AssPr")
    labels = [r.scope if r.scope != CLASS else f"{r['name']} ({r.category_id})"
              for _, r in df.iterrows()]
    width = max(len("HOTA"), *map(len, labels))
    lines = [f"{'HOTA':<{width}} | " + " | ".join(f"{k:>5}" for k in keys)]
    for label, (_, r) in zip(labels, df.iterrows()):
        cells = " | ".join("    -" if np.isnan(r[k]) else f"{100 * r[k]:5.1f}" for k in keys)
        lines.append(f"{label:<{width}} | {cells}")
    return "\n".join(lines)
