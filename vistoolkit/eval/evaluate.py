"""``evaluate``: official-exact YouTube-VIS video AP/AR, from files or records."""

from __future__ import annotations

import dataclasses
import itertools
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vistoolkit.data.json_io import gc_paused
from vistoolkit.data.records import Dataset, PredTrack
from vistoolkit.data.video_ids import resolve_video_ids
from vistoolkit.data.ytvis_io import load_gt, load_preds
from vistoolkit.eval.agnostic import pool_categories
from vistoolkit.eval.input_checks import check_inputs
from vistoolkit.eval.metrics import METRICS, make_metric
from vistoolkit.eval.metrics.data import EvalData, eval_data
from vistoolkit.eval.metrics.short_long import DEFAULT_LONG_THRESHOLD
from vistoolkit.eval.occlusion import check_occlusion
from vistoolkit.eval.overlap_phase import compute_overlaps, resolve_native, resolve_workers
from vistoolkit.eval.params import EvalParams
from vistoolkit.eval.pipeline import prepare
from vistoolkit.eval.raw_counts import load_raw_predictions
from vistoolkit.eval.report import resolve_categories
from vistoolkit.eval.result import EvalResult
from vistoolkit.eval.row_table import RowTable
from vistoolkit.eval.tables import EvalTables, build_tables
from vistoolkit.eval.tube_box import tube_box_overlaps
from vistoolkit.eval.video_iou import VideoOverlaps

logger = logging.getLogger(__name__)

# Metrics every evaluation computes (``EvalResult.stats``, ``per_category``, ``per_video``);
# every other registered metric can be asked for by name (``breakdowns``).
CORE_METRICS: tuple[str, ...] = ("summary", "per-category", "per-video")
# Metrics that options switch on (``protocol="ovis"``, ``long_videos``), not ``breakdowns``.
PROTOCOL_METRICS: tuple[str, ...] = ("ovis", "ytvis2022")
PROTOCOLS: tuple[str, ...] = ("ytvis", "ovis")


def _warnings(tables: EvalTables, overlaps: tuple[VideoOverlaps, ...], duplicates: int,
              params: EvalParams) -> list[str]:
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
    if tied.any() and not params.use_cats:
        out.append(f"{int(tied.sum())} prediction(s) share their score with another (categories "
                   "pooled): their order (video id, category id, file order) decides, as "
                   "officially")
    elif tied.any():
        out.append(f"{int(tied.sum())} prediction(s) share their score with another of the same "
                   "category: their order (video id, then file order) decides, as officially")
    zero = sum(ov.zero_union for ov in overlaps)
    if zero and params.iou_type == "bbox":
        out.append(f"{zero} (prediction, GT) pair(s) have no box on any common frame (IoU 0)")
    elif zero:
        out.append(f"{zero} (prediction, GT) pair(s) have an empty union (IoU 0); the official "
                   "evaluator prints 'Mask sizes ... may not match!' for each")
    return out


def _core_table(name: str, data: EvalData) -> RowTable:
    """The rows of a core table metric (``PerCategory`` / ``PerVideo.table``): the result's
    DataFrame is built from them only when used, so ``vistool eval`` needs no pandas."""
    metric = make_metric(name)
    return metric.table([metric.evaluate_video(v) for v in data.videos], data)


def evaluate(gt: Dataset | Path | str, predictions: list[PredTrack] | Path | str, *,
             params: EvalParams | None = None, lenient: bool = False, allow_empty: bool = False,
             workers: int = 2, progress: bool = False, breakdowns: tuple[str, ...] = (),
             long_threshold: int = DEFAULT_LONG_THRESHOLD, protocol: str = "ytvis",
             long_videos: Sequence[int] | Path | str | None = None, native: bool | None = None,
             **overrides: Any) -> EvalResult:
    """Official-exact YouTube-VIS evaluation (youtubevos/cocoapi ``YTVOSeval``, segm).

    Args:
        gt: annotation ``Dataset`` or path. predictions: ``PredTrack`` list or result-file path.
        params: evaluation settings (official defaults); ``overrides`` replace fields of it,
            e.g. ``category_ids=(1, 4)`` (ids or names; the mean runs over these only),
            ``use_cats=False`` (class-agnostic, official ``useCats = 0``) or
            ``iou_type="bbox"`` (tube-box IoU).
        lenient: accept length/size/unknown-category problems with the official behaviour.
        allow_empty: accept an empty result list (every AP is then 0).
        workers: threads for the native per-video pass (0: one per core); same numbers with
            any count. The pycocotools path runs serially.
        breakdowns: names of further metrics (``vistoolkit.eval.metrics.METRICS``): ``"length"``,
            ``"short-long"``, ``"instances"``; ``long_threshold`` splits videos for
            ``"short-long"``.
        protocol: ``"ytvis"`` (official YouTube-VIS) or ``"ovis"`` (the OVIS evaluator: 18
            stats with the occlusion buckets; the GT needs per-frame ``occlusion`` labels).
        long_videos: YouTube-VIS 2022: the long videos' ids (or a file of them, one a line);
            adds ``EvalResult.long_videos`` (short and long subsets scored separately).
        native: decode, check and intersect the masks with the native kernel (one pass per
            video, ``eval.native_iou``); None: when it is available, False: the pycocotools
            path (the fallback and test oracle). Both give the same numbers.

    Raises:
        InputError: on any input problem (except those ``lenient`` tolerates).
        ValueError: an unknown breakdown name.
    """
    optional = [n for n in METRICS if n not in CORE_METRICS + PROTOCOL_METRICS]
    unknown = [n for n in breakdowns if n not in optional]
    if unknown:
        raise ValueError(f"unknown breakdown {unknown[0]!r}; choose from {', '.join(optional)}")
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; choose from {', '.join(PROTOCOLS)}")
    params = dataclasses.replace(params or EvalParams(), **overrides)
    workers = resolve_workers(workers)
    native = resolve_native(native) and params.iou_type == "segm"
    with gc_paused():  # collections would traverse the whole parsed result file, repeatedly
        return _evaluate(gt, predictions, params, lenient=lenient, allow_empty=allow_empty,
                         workers=workers, progress=progress, breakdowns=breakdowns,
                         long_threshold=long_threshold, protocol=protocol,
                         long_videos=long_videos, native=native)


def _evaluate(gt: Dataset | Path | str, predictions: list[PredTrack] | Path | str,
              params: EvalParams, *, lenient: bool, allow_empty: bool, workers: int,
              progress: bool, breakdowns: tuple[str, ...], long_threshold: int, protocol: str,
              long_videos: Sequence[int] | Path | str | None, native: bool) -> EvalResult:
    clock = {"start": time.perf_counter()}
    gt_ds, gt_path = load_gt(gt)
    raw = (load_raw_predictions(predictions)
           if native and isinstance(predictions, (str, Path)) else None)
    if raw is not None:   # counts as spans of the mapped file (eval.raw_counts)
        (preds, release), pred_path = raw, predictions
    else:
        (preds, pred_path), release = load_preds(predictions), None
    long_ids = None if long_videos is None else resolve_video_ids(long_videos, gt_ds, gt_path)
    clock["load"] = time.perf_counter()
    if params.category_ids is not None:
        tokens = [str(c) for c in params.category_ids]
        params = dataclasses.replace(params, category_ids=resolve_categories(gt_ds, tokens))
    report = check_inputs(gt_ds, preds, gt_path=gt_path, pred_path=pred_path, lenient=lenient,
                          allow_empty=allow_empty, frames=not native)
    known, checked = report.known, (gt_ds, preds)   # every record: the native pass checks all
    if not params.use_cats:
        gt_ds, preds, known = pool_categories(gt_ds, preds, category_ids=params.category_ids,
                                              known=known)
        params = dataclasses.replace(params, category_ids=None)
    clock["validate"] = time.perf_counter()
    tables = build_tables(gt_ds, preds, max_det=params.max_det, category_ids=params.category_ids,
                          video_ids=params.video_ids, gt_path=gt_path)
    if protocol == "ovis":
        check_occlusion(tables, gt_path=gt_path)
    clock["tables"] = time.perf_counter()
    if params.iou_type == "bbox":
        overlaps = [tube_box_overlaps(it.video, it.gt_tracks, it.preds, gt_path=gt_path,
                                      pred_path=pred_path) for it in tables.videos]
    else:
        phase = compute_overlaps(tables, *checked, report, known=known, workers=workers,
                                 progress=progress, gt_path=gt_path, pred_path=pred_path,
                                 lenient=lenient, allow_empty=allow_empty,
                                 by_category=params.use_cats, release=release)
        overlaps, report = phase.overlaps, phase.report
    prep = prepare(tables, overlaps)
    clock["rle+iou" if native else "iou"] = time.perf_counter()
    params = dataclasses.replace(params, category_ids=tables.category_ids,
                                 video_ids=tables.video_ids)
    names = gt_ds.category_index()
    data = eval_data(prep, params, tuple(names[c].name for c in tables.category_ids))
    clock["match_accumulate"] = time.perf_counter()
    stats_metric = "ovis" if protocol == "ovis" else "summary"
    extra = ("ytvis2022",) if long_ids is not None else ()
    out = {n: make_metric(n, long_threshold=long_threshold,
                          long_video_ids=long_ids or frozenset()).compute(data)
           for n in (stats_metric, *breakdowns, *extra)}
    tables_out = {n: _core_table(n, data) for n in CORE_METRICS[1:]}   # rows, not DataFrames
    clock["metrics"] = time.perf_counter()
    acc = data.official
    result = EvalResult(
        stats=out[stats_metric], precision=acc.precision, recall=acc.recall, scores=acc.scores,
        params=params, category_names=data.category_names,
        category_table=tables_out["per-category"], video_table=tables_out["per-video"],
        warnings=tuple(_warnings(tables, prep.overlaps, report.duplicates, params)),
        tolerated=report.tolerated, breakdowns={n: out[n] for n in breakdowns}, timings={},
        protocol=protocol, long_videos=out.get("ytvis2022", {}),
    )
    keys = list(clock)
    result.timings.update({k: clock[k] - clock[p] for p, k in itertools.pairwise(keys)})
    return result
