"""The data every metric receives, computed once per evaluation (TrackEval's preprocessed data).

``VideoData`` is one video, documented field by field; ``EvalData`` is the whole evaluation:
the parameters, the categories, every ``VideoData``, the official accumulation and a way to
re-match the same IoUs with other GT/prediction exclusions (buckets). Metrics never read files
and never recompute IoUs.

Axes: G GT tracks and D kept predictions of one video, K evaluated categories, A area ranges
(``params.area_rngs``), T IoU thresholds, R recall thresholds, M maxDets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vistoolkit.data.records import PredTrack, Track, Video
from vistoolkit.eval.accumulate import Accumulated
from vistoolkit.eval.params import EvalParams
from vistoolkit.eval.pipeline import (
    Matching,
    Prepared,
    accumulate_matching,
    match,
    match_and_accumulate,
)


@dataclass(frozen=True, slots=True)
class VideoData:
    """One video: its records, their video IoUs and the official matching.

    GT tracks are the video's tracks of the evaluated categories, ordered by (category, file
    order); predictions are the kept ones (top ``params.max_det`` per category by score, stable),
    ordered by (category, rank).

    Attributes:
        video: the GT video record.
        gt_tracks: (G,) GT records. preds: (D,) prediction records.
        iou: (D, G) float64 official video IoU; 0 between different categories.
        gt_rows: (G,) int64 rows of the evaluation's GT table. det_rows: (D,) int64 rows of its
            prediction table (``EvalData.rematch`` takes flags per video and places them).
        gt_ids: (G,) int64 annotation ids (a match to id 0 counts as a miss, quirk 13).
        gt_category: (G,) int64 category index k into ``EvalData.category_ids``.
        gt_crowd: (G,) bool ``iscrowd`` (an ignored GT, quirk 1).
        gt_area: (G,) float64 official average area (mean of the truthy ``areas``, quirk 4).
        gt_length: (G,) int64 frames with a non-empty mask.
        det_category: (D,) int64 category index. det_score: (D,) float64.
        det_rank: (D,) int64 rank within (video, category), 0 = highest score.
        det_area: (D,) float64 mean mask area over non-empty frames, 0 if none.
        det_length: (D,) int64 frames with a non-empty mask.
        n_pred_by_cat: (K,) int64 predictions of the video per category before the cut.
        gt_ignore: (A, G) bool, crowd or outside area range a.
        det_out: (A, D) bool, prediction outside area range a.
        match: (A, T, D) int64 column of ``iou`` (GT) each prediction matched, -1 if none.
        tp, fp: (A, T, D) bool official true / false positives (neither: ignored).
        all_preds: every prediction of the video in an evaluated category, in file order,
            before the max_det cut (``preds`` is the kept subset); TrackEval's HOTA keeps all.
    """

    video: Video
    gt_tracks: tuple[Track, ...]
    preds: tuple[PredTrack, ...]
    iou: np.ndarray
    gt_rows: np.ndarray
    det_rows: np.ndarray
    gt_ids: np.ndarray
    gt_category: np.ndarray
    gt_crowd: np.ndarray
    gt_area: np.ndarray
    gt_length: np.ndarray
    det_category: np.ndarray
    det_score: np.ndarray
    det_rank: np.ndarray
    det_area: np.ndarray
    det_length: np.ndarray
    n_pred_by_cat: np.ndarray
    gt_ignore: np.ndarray
    det_out: np.ndarray
    match: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    all_preds: tuple[PredTrack, ...] = ()


@dataclass(frozen=True, slots=True)
class EvalData:
    """The whole evaluation, as ``Metric.combine`` sees it.

    Attributes:
        params: the parameters used; ``category_ids`` / ``video_ids`` are the evaluated ones.
        category_ids: (K,) evaluated category ids. category_names: (K,) their names.
        videos: one ``VideoData`` per evaluated video, in video id order.
        official: precision (T, R, K, A, M), recall (T, K, A, M) and scores of the official
            accumulation over ``videos``, NaN where a setting has no GT.
        prepared: the IoU blocks and tables behind ``rematch``.
    """

    params: EvalParams
    category_ids: tuple[int, ...]
    category_names: tuple[str, ...]
    videos: tuple[VideoData, ...]
    official: Accumulated
    prepared: Prepared

    def rematch(self, gt_out: Sequence[np.ndarray], det_out: Sequence[np.ndarray], *,
                labels: Sequence[str]) -> tuple[EvalParams, Accumulated]:
        """Official matching and accumulation of the same IoUs with B other exclusions.

        Each bucket b is treated like an official area range: a GT outside it is ignored (and a
        prediction matching it), an unmatched prediction outside it is ignored.

        Args:
            gt_out: per video (``videos`` order), (B, G) bool: GT outside bucket b.
            det_out: per video, (B, D) bool: prediction outside bucket b.
            labels: (B,) bucket names.

        Returns:
            ``params`` with the B buckets as its area ranges (``area_labels`` = ``labels``, for
            ``summary_value``), and arrays with A = B (precision (T, R, K, B, M), ...), NaN
            where a bucket has no GT.
        """
        tables = self.prepared.tables
        n_b = len(labels)
        gt_flags = np.zeros((n_b, len(tables.gt.ids)), dtype=bool)           # (B, Ng)
        det_flags = np.zeros((n_b, len(tables.det.index)), dtype=bool)       # (B, Nd)
        for v, g, d in zip(self.videos, gt_out, det_out):
            gt_flags[:, v.gt_rows] = g
            det_flags[:, v.det_rows] = d
        bparams = EvalParams(iou_thrs=self.params.iou_thrs, rec_thrs=self.params.rec_thrs,
                             max_dets=self.params.max_dets,
                             area_rngs=tuple((0.0, 0.0) for _ in labels),
                             area_labels=tuple(labels))
        return bparams, match_and_accumulate(self.prepared, bparams, gt_out=gt_flags,
                                             det_out=det_flags)


def video_data(prep: Prepared, matching: Matching) -> tuple[VideoData, ...]:
    """Every video's slice of the tables, overlaps and official ``matching``."""
    t = prep.tables
    gt, det = t.gt, t.det
    out = []
    for item, ov in zip(t.videos, prep.overlaps):
        g, d = item.gt_rows, item.det_rows
        column = np.full(len(gt.ids) + 1, -1, dtype=np.int64)   # GT table row -> column, -1 -> -1
        column[g] = np.arange(len(g))
        out.append(VideoData(
            video=item.video, gt_tracks=item.gt_tracks, preds=item.preds, iou=ov.iou,
            gt_rows=g, det_rows=d, gt_ids=gt.ids[g], gt_category=gt.cat_index[g],
            gt_crowd=gt.crowd[g], gt_area=gt.avg_area[g], gt_length=prep.gt_frames[g],
            det_category=det.cat_index[d], det_score=det.score[d], det_rank=det.rank[d],
            det_area=prep.det_avg_area[d], det_length=prep.det_frames[d],
            n_pred_by_cat=item.n_pred_by_cat, gt_ignore=matching.gt_ignore[:, g],
            det_out=matching.det_out[:, d], match=column[matching.match[:, :, d]],
            tp=matching.tp[:, :, d], fp=matching.fp[:, :, d], all_preds=item.all_preds))
    return tuple(out)


def eval_data(prep: Prepared, params: EvalParams, category_names: tuple[str, ...]) -> EvalData:
    """Official matching and accumulation under ``params``' area ranges, sliced per video.

    ``params`` carries the evaluated ``category_ids`` / ``video_ids`` (those of ``prep``).
    """
    matching = match(prep, params, gt_out=params.area_out(prep.tables.gt.avg_area),
                     det_out=params.area_out(prep.det_avg_area))
    official = accumulate_matching(prep, params, matching)
    return EvalData(params, prep.tables.category_ids, category_names, video_data(prep, matching),
                    official, prep)
