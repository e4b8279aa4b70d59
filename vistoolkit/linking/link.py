"""Entry points: link a clip-result file with one method, and sweep the hand-craft threshold."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vistoolkit.data.clip_results import ClipResults, VideoInfo, load_clip_results
from vistoolkit.data.records import Dataset, PredTrack
from vistoolkit.data.ytvis_io import load_dataset, save_predictions
from vistoolkit.errors import InputError
from vistoolkit.eval import evaluate
from vistoolkit.linking.gt_link import link_gt
from vistoolkit.linking.handcraft import SWEEP_THRESHOLDS, link_handcraft
from vistoolkit.linking.motion import link_motion, split_frames
from vistoolkit.linking.overlap import link_overlap
from vistoolkit.linking.tracks import LinkedTrack, assemble_predictions, video_infos

log = logging.getLogger(__name__)

METHODS = ("handcraft", "overlap", "motion", "gt", "gt-matched")
GT_METHODS = ("gt", "gt-matched")       # linked by the ground truth (upper bounds)
DEFAULT_THRESHOLDS = {"handcraft": 0.5, "overlap": 0.5, "motion": 0.3, "gt": 0.0,
                      "gt-matched": 0.0}


@dataclass(frozen=True, slots=True)
class SweepResult:
    """Hand-craft threshold sweep: metrics per threshold and the best one by AP."""

    rows: tuple[tuple[float, dict[str, float]], ...]
    best_threshold: float
    best_stats: dict[str, float]
    best_predictions: tuple[PredTrack, ...]


def link_tracks(results: ClipResults, *, method: str, videos: Mapping[int, VideoInfo],
                threshold: float | None = None, gt: Dataset | None = None,
                **options: Any) -> dict[int, list[LinkedTrack]]:
    """Linked tracks per video. ``threshold`` is theta (handcraft), the IoU (overlap), the
    minimum affinity (motion) or the IoU to exceed (gt); ``gt`` is the ground truth, needed by
    method gt only; ``options`` go to the method's function."""
    if method not in METHODS:
        raise InputError(f"unknown linking method {method!r} (choose from {', '.join(METHODS)})")
    if method in GT_METHODS and gt is None:
        raise InputError(f"--method {method} needs --gt")
    thr = DEFAULT_THRESHOLDS[method] if threshold is None else float(threshold)
    if method == "overlap" and results.stride >= results.clip_length:
        raise InputError(f"overlap linking needs overlapping clips, but stride {results.stride} "
                         f">= clip length {results.clip_length}", where="header")
    gt_by_video = gt.tracks_by_video() if gt is not None else {}
    out: dict[int, list[LinkedTrack]] = {}
    for vid, lst in results.by_video().items():
        if method == "handcraft":
            out[vid] = link_handcraft(lst, video=videos[vid], threshold=thr, **options)
        elif method == "overlap":
            out[vid] = link_overlap(lst, iou_threshold=thr, **options)
        elif method in GT_METHODS:
            out[vid] = link_gt(lst, gt_by_video.get(vid, []), video=videos[vid], threshold=thr,
                               keep_unmatched=method == "gt", **options)
        else:
            det_opts = {k: options.pop(k) for k in ("det_threshold", "present_threshold")
                        if k in options}
            out[vid] = link_motion(split_frames(lst, **det_opts), video=videos[vid],
                                   min_affinity=thr, **options)
    return out


def link_results(results: ClipResults, *, method: str, videos: Mapping[int, VideoInfo],
                 threshold: float | None = None, gt: Dataset | None = None, top_k: int = 10,
                 label_mode: str = "topk", track_nms_iou: float | None = None,
                 **options: Any) -> list[PredTrack]:
    """YouTube-VIS result records from clip results linked by ``method``; ``top_k``,
    ``label_mode`` and ``track_nms_iou`` as in ``vistoolkit.linking.selection.select_pairs``."""
    tracks = link_tracks(results, method=method, videos=videos, threshold=threshold, gt=gt,
                         **options)
    return assemble_predictions(tracks, videos=videos, category_ids=results.category_ids,
                                top_k=top_k, label_mode=label_mode, track_nms_iou=track_nms_iou)


def sweep_handcraft(results: ClipResults, gt: Dataset, *,
                    thresholds: Sequence[float] = SWEEP_THRESHOLDS,
                    score: Callable[[Dataset, list[PredTrack]], Mapping[str, float]] | None = None,
                    **options: Any) -> SweepResult:
    """Evaluate hand-craft linking at every theta; the best is the highest AP (Table 1d protocol:
    "we report the best results by varying matching score thresholds").

    ``score(gt, preds)`` returns the metrics (default: ``vistoolkit.eval.evaluate(...).stats``).
    """
    if score is None:
        score = _official_stats
    videos = video_infos(results, gt)
    rows, best = [], None
    for thr in thresholds:
        preds = link_results(results, method="handcraft", videos=videos, threshold=thr,
                             **options)
        stats = dict(score(gt, preds))
        log.info("handcraft theta=%.2f AP=%.4f", thr, stats["AP"])
        rows.append((float(thr), stats))
        if best is None or stats["AP"] > best[1]["AP"]:
            best = (float(thr), stats, tuple(preds))
    if best is None:
        raise ValueError("no thresholds to sweep")
    return SweepResult(tuple(rows), best[0], best[1], best[2])


def _official_stats(gt: Dataset, preds: list[PredTrack]) -> Mapping[str, float]:
    return evaluate(gt, preds).stats


def link_file(clip_path: Path, out_path: Path, *, method: str, threshold: float | None = None,
              gt_path: Path | None = None, sweep: bool = False, top_k: int = 10,
              label_mode: str = "topk", track_nms_iou: float | None = None
              ) -> SweepResult | None:
    """Link a clip-result file and write a YouTube-VIS result file.

    With ``sweep`` (handcraft only, needs ``gt_path``) every theta is evaluated and the best
    predictions are written; the sweep is returned. Method ``gt`` needs ``gt_path`` too.
    """
    results = load_clip_results(clip_path)
    gt = load_dataset(gt_path) if gt_path is not None else None
    try:
        return _link_loaded(results, gt, out_path, method=method, threshold=threshold,
                            sweep=sweep, top_k=top_k, label_mode=label_mode,
                            track_nms_iou=track_nms_iou)
    except InputError as err:
        if err.path is None:
            err.path = clip_path
        raise


def _link_loaded(results: ClipResults, gt: Dataset | None, out_path: Path, *, method: str,
                 threshold: float | None, sweep: bool, top_k: int, label_mode: str,
                 track_nms_iou: float | None) -> SweepResult | None:
    if sweep:
        if method != "handcraft" or gt is None:
            raise InputError("--sweep needs --method handcraft and --gt")
        res = sweep_handcraft(results, gt, top_k=top_k, label_mode=label_mode,
                              track_nms_iou=track_nms_iou)
        save_predictions(list(res.best_predictions), out_path)
        return res
    videos = video_infos(results, gt)
    preds = link_results(results, method=method, videos=videos, threshold=threshold, gt=gt,
                         top_k=top_k, label_mode=label_mode, track_nms_iou=track_nms_iou)
    save_predictions(preds, out_path)
    return None
