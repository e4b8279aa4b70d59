"""``evaluate``: official-exact YouTube-VIS video AP/AR, from files or records."""

from __future__ import annotations

import dataclasses
import itertools
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vistoolkit.data.json_io import gc_paused
from vistoolkit.data.records import Dataset, PredTrack
from vistoolkit.data.ytvis_io import load_gt, load_preds
from vistoolkit.eval.accumulate import Accumulated
from vistoolkit.eval.breakdowns import (
    DEFAULT_LONG_THRESHOLD,
    length_breakdown,
    short_long_breakdown,
)
from vistoolkit.eval.input_checks import check_inputs, finish_check
from vistoolkit.eval.parallel import checked_overlaps, resolve_workers
from vistoolkit.eval.params import EvalParams
from vistoolkit.eval.pipeline import Prepared, match_and_accumulate, prepare
from vistoolkit.eval.report import resolve_categories
from vistoolkit.eval.result import EvalResult, per_category_ap
from vistoolkit.eval.summary import STAT_KEYS, summarize
from vistoolkit.eval.tables import EvalTables, build_tables
from vistoolkit.eval.video_iou import VideoOverlaps

logger = logging.getLogger(__name__)


def _warnings(tables: EvalTables, overlaps: tuple[VideoOverlaps, ...],
              duplicates: int) -> list[str]:
    out = []
    if duplicates:
        out.append(f"{duplicates} prediction(s) repeat an earlier one exactly (same video, "
                   "category and masks): scored as officially, the copies count as false positives")
    n_zero = int((tables.gt.ids == 0).sum())
    if n_zero:
        out.append(f"{n_zero} ground-truth track(s) have id 0: the official evaluator treats "
                   "their matches as false positives, and so does this one")
    det = tables.det
    order = np.lexsort((det.score, det.cat_index))
    same = (np.diff(det.cat_index[order]) == 0) & (np.diff(det.score[order]) == 0)
    tied = np.zeros(len(order), dtype=bool)
    tied[1:] |= same
    tied[:-1] |= same
    if tied.any():
        out.append(f"{int(tied.sum())} prediction(s) share their score with another of the same "
                   "category: their order (video id, then file order) decides, as officially")
    zero = sum(ov.zero_union for ov in overlaps)
    if zero:
        out.append(f"{zero} (prediction, GT) pair(s) have an empty union (IoU 0); the official "
                   "evaluator prints 'Mask sizes ... may not match!' for each")
    return out


def _per_video(prep: Prepared) -> pd.DataFrame:
    rows = []
    t = prep.tables
    for item, ov in zip(t.videos, prep.overlaps):
        g_cat, d_cat = t.gt.cat_index[item.gt_rows], t.det.cat_index[item.det_rows]
        same = g_cat[None, :] == d_cat[:, None]                                 # (D, G)
        best = np.where(same, ov.iou, 0.0).max(0, initial=0.0)                  # (G,)
        best = best[~t.gt.crowd[item.gt_rows]]
        rows.append({"video_id": item.video.id, "n_gt": len(best), "n_pred": len(item.det_rows),
                     "mean_best_iou": float(best.mean()) if len(best) else float("nan"),
                     "min_best_iou": float(best.min()) if len(best) else float("nan"),
                     "n_missed": int((best < 0.5).sum())})
    df = pd.DataFrame(rows, columns=["video_id", "n_gt", "n_pred", "mean_best_iou",
                                     "min_best_iou", "n_missed"])
    return df.sort_values(["mean_best_iou", "video_id"], na_position="last", kind="stable",
                          ignore_index=True)


def _per_category(acc: Accumulated, gt: Dataset, tables: EvalTables) -> pd.DataFrame:
    names = gt.category_index()
    n_gt = np.bincount(tables.gt.cat_index[~tables.gt.crowd], minlength=len(tables.category_ids))
    rows = [{"category_id": c, "name": names[c].name,
             "AP": per_category_ap(acc.precision, k), "AP50": per_category_ap(acc.precision, k, 0),
             "n_gt": int(n_gt[k]), "n_pred": int(tables.n_pred_by_cat[k])}
            for k, c in enumerate(tables.category_ids)]
    return pd.DataFrame(rows, columns=["category_id", "name", "AP", "AP50", "n_gt", "n_pred"])


def _breakdowns(prep: Prepared, params: EvalParams, names: tuple[str, ...],
                long_threshold: int) -> dict[str, pd.DataFrame]:
    out = {}
    for name in names:
        if name == "length":
            out[name] = length_breakdown(prep, params)
        elif name == "short-long":
            out[name] = short_long_breakdown(prep, params, long_threshold=long_threshold)
        else:
            raise ValueError(f"unknown breakdown {name!r}; choose from length, short-long")
    return out


def evaluate(gt: Dataset | Path | str, predictions: list[PredTrack] | Path | str, *,
             params: EvalParams | None = None, lenient: bool = False, allow_empty: bool = False,
             workers: int = 1, progress: bool = False, breakdowns: tuple[str, ...] = (),
             long_threshold: int = DEFAULT_LONG_THRESHOLD, **overrides: Any) -> EvalResult:
    """Official-exact YouTube-VIS evaluation (youtubevos/cocoapi ``YTVOSeval``, segm).

    Args:
        gt: annotation ``Dataset`` or path. predictions: ``PredTrack`` list or result-file path.
        params: evaluation settings (official defaults); ``overrides`` replace fields of it,
            e.g. ``category_ids=(1, 4)`` (ids or names; the mean runs over these only).
        lenient: accept length/size/unknown-category problems with the official behaviour.
        allow_empty: accept an empty result list (every AP is then 0).
        workers: processes for the RLE check and IoU phase (0: one per core); forked chunks
            of videos, same numbers as serial.
        breakdowns: any of ``"length"``, ``"short-long"`` (see ``vistoolkit.eval.breakdowns``);
            ``long_threshold`` splits videos for ``"short-long"``.

    Raises:
        InputError: on any input problem (except those ``lenient`` tolerates).
    """
    params = dataclasses.replace(params or EvalParams(), **overrides)
    workers = resolve_workers(workers)
    with gc_paused():  # collections would traverse the whole parsed result file, repeatedly
        return _evaluate(gt, predictions, params, lenient=lenient, allow_empty=allow_empty,
                         workers=workers, progress=progress, breakdowns=breakdowns,
                         long_threshold=long_threshold)


def _evaluate(gt: Dataset | Path | str, predictions: list[PredTrack] | Path | str,
              params: EvalParams, *, lenient: bool, allow_empty: bool, workers: int,
              progress: bool, breakdowns: tuple[str, ...], long_threshold: int) -> EvalResult:
    clock = {"start": time.perf_counter()}
    gt_ds, gt_path = load_gt(gt)
    preds, pred_path = load_preds(predictions)
    clock["load"] = time.perf_counter()
    if params.category_ids is not None:
        tokens = [str(c) for c in params.category_ids]
        params = dataclasses.replace(params, category_ids=resolve_categories(gt_ds, tokens))
    report = check_inputs(gt_ds, preds, gt_path=gt_path, pred_path=pred_path, lenient=lenient,
                          allow_empty=allow_empty, defer_rle=workers > 1)
    clock["validate"] = time.perf_counter()
    tables = build_tables(gt_ds, preds, max_det=params.max_det, category_ids=params.category_ids,
                          video_ids=params.video_ids, gt_path=gt_path)
    clock["tables"] = time.perf_counter()
    chunks = checked_overlaps(tables.videos, trusted_sizes=report.sizes_ok, check=report.pending,
                              known=report.known, workers=workers, progress=progress)
    if report.pending is not None:  # the RLE check ran in the chunks (labelled rle+iou)
        finish_check(report.pending, np.concatenate([c.bad for c in chunks]),
                     np.concatenate([c.bad_totals for c in chunks]), pred_path=pred_path,
                     lenient=lenient)
    prep = prepare(tables, trusted_sizes=report.sizes_ok,
                   overlaps=[ov for c in chunks for ov in c.overlaps])
    clock["rle+iou" if report.pending is not None else "iou"] = time.perf_counter()
    params = dataclasses.replace(params, category_ids=tables.category_ids,
                                 video_ids=tables.video_ids)
    acc = match_and_accumulate(prep, params, gt_out=params.area_out(tables.gt.avg_area),
                               det_out=params.area_out(prep.det_avg_area))
    clock["match_accumulate"] = time.perf_counter()
    tables_by_name = _breakdowns(prep, params, breakdowns, long_threshold)
    clock["breakdowns"] = time.perf_counter()
    stats = summarize(acc.precision, acc.recall, params)
    names = gt_ds.category_index()
    result = EvalResult(
        stats=dict(zip(STAT_KEYS, map(float, stats))), precision=acc.precision,
        recall=acc.recall, scores=acc.scores, params=params,
        category_names=tuple(names[c].name for c in tables.category_ids),
        per_category=_per_category(acc, gt_ds, tables), per_video=_per_video(prep),
        warnings=tuple(_warnings(tables, prep.overlaps, report.duplicates)), tolerated=report.tolerated,
        breakdowns=tables_by_name, timings={},
    )
    clock["summarize"] = time.perf_counter()
    keys = list(clock)
    result.timings.update({k: clock[k] - clock[p] for p, k in itertools.pairwise(keys)})
    return result
