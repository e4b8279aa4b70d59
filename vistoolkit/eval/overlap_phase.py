"""The per-video phase of an evaluation: video IoU and mask areas of every evaluated video.

Native path (the default when ``vistoolkit._native.AVAILABLE``): one kernel call per video
(``eval.native_iou``), videos on a thread pool of ``workers`` threads (the kernel releases the
GIL). It decodes, validates and intersects every counts string of both files once; it is also
the RLE check, so ``check_inputs(frames=False)`` did only the whole-record checks before it.

pycocotools path (the fallback: no extension, ``VISTOOLKIT_NO_NATIVE=1`` or ``native=False``;
also the test oracle): ``check_inputs`` checked every frame and decoded every string first;
``video_iou.video_overlaps`` per video, serially (pycocotools holds the GIL).

Both give identical numbers (``tests/test_eval_golden.py`` runs every fixture through both).
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from vistoolkit import _native
from vistoolkit.data.records import Dataset, PredTrack
from vistoolkit.errors import InputError
from vistoolkit.eval.input_checks import CheckReport, check_inputs
from vistoolkit.eval.known_areas import KnownAreas
from vistoolkit.eval.native_iou import (
    JobResult,
    VideoJob,
    counts_input_error,
    duplicate_count,
    item_overlaps,
    run_job,
    video_jobs,
)
from vistoolkit.eval.tables import EvalTables
from vistoolkit.eval.video_iou import VideoOverlaps, video_overlaps

logger = logging.getLogger(__name__)
T = TypeVar("T")

_RELEASES = 16   # raw counts: the mapped result file's pages are handed back 16 times a pass


@dataclasses.dataclass(frozen=True, slots=True)
class OverlapPhase:
    """One ``VideoOverlaps`` per ``tables.videos`` item (in order) and the input report,
    completed by the pass (duplicates, or the full checks if a frame needed them)."""

    overlaps: list[VideoOverlaps]
    report: CheckReport


def resolve_workers(workers: int) -> int:
    """``workers`` threads; 0 means one per available core."""
    if workers < 0:
        raise ValueError(f"workers must be >= 0, got {workers}")
    if workers == 0:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
            os.cpu_count() or 1)
    return workers


def resolve_native(native: bool | None) -> bool:
    """Whether to use the kernel: ``None`` when it is available, ``True`` requires it."""
    if native is None:
        return _native.AVAILABLE
    if native and not _native.AVAILABLE:
        raise RuntimeError("native=True but the native RLE kernel is not available (not built, "
                           "or disabled by VISTOOLKIT_NO_NATIVE)")
    return native


def _bar(items: Iterable[T], progress: bool, total: int) -> Iterable[T]:
    """``items`` behind a "video IoU" progress bar when ``progress`` (tqdm is imported only
    then: 15 ms of every ``vistool eval`` otherwise)."""
    if not progress:
        return items
    from tqdm import tqdm

    return tqdm(items, total=total, desc="video IoU", unit="video")


def _releasing(results: Iterator[JobResult], n: int, release: Callable[[], None] | None
               ) -> Iterator[JobResult]:
    """``results``, calling ``release`` after every sixteenth of the ``n`` videos."""
    step = max(1, n // _RELEASES)
    for i, res in enumerate(results, 1):
        if release is not None and i % step == 0:
            release()
        yield res


def _run(jobs: list[VideoJob], workers: int, progress: bool,
         release: Callable[[], None] | None = None) -> list[JobResult]:
    """Kernel calls, largest videos first so that the threads finish together; ``release``
    (raw counts: hands the result file's mapped pages back) now and then as they finish."""
    order = sorted(jobs, key=lambda j: -(len(j.preds) + len(j.gt_tracks)) * j.video.length)
    if workers <= 1 or len(order) <= 1:
        return list(_bar(_releasing(map(run_job, order), len(order), release), progress,
                         len(order)))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vistool-iou")
    try:
        return list(_bar(_releasing(pool.map(run_job, order), len(order), release), progress,
                         len(order)))
    finally:   # on Ctrl-C, drop the videos not started yet instead of finishing them
        pool.shutdown(wait=True, cancel_futures=True)


def _raise_counts_errors(results: list[JobResult], gt: Dataset, *, gt_path: Path | str | None,
                         pred_path: Path | str | None) -> None:
    """Raise the first malformed counts string (GT first, then file order), as one line."""
    index = {id(t): i for i, t in enumerate(gt.tracks)}
    failed = sorted((counts_input_error(r, annotation_index=index, gt_path=gt_path,
                                        pred_path=pred_path)
                     for r in results if r.counts_error is not None), key=lambda x: x[0])
    if not failed:
        return
    err = failed[0][1]
    if len(failed) > 1:
        err = InputError(f"{err.args[0]} (+{len(failed) - 1} more video(s) with undecodable "
                         "RLE; run `vistool validate`)", path=err.path, where=err.where)
    raise err


def native_phase(tables: EvalTables, gt: Dataset, preds: list[PredTrack], report: CheckReport,
                 *, workers: int, progress: bool, gt_path: Path | str | None,
                 pred_path: Path | str | None, lenient: bool, allow_empty: bool,
                 by_category: bool = True, release: Callable[[], None] | None = None
                 ) -> OverlapPhase:
    """The kernel over every video of ``gt`` / ``preds`` (all records, as loaded: every string
    is validated), then the evaluated rows of each ``tables.videos`` item.

    A frame the kernel does not take (polygon, uncompressed RLE, another size) runs the full
    ``check_inputs`` (raising what it refuses, exactly as the pycocotools path would) and sends
    its video to pycocotools. Otherwise a malformed counts string raises ``InputError``.
    """
    results = _run(video_jobs(gt, preds, by_category=by_category), workers, progress, release)
    if any(r.other_form for r in results):
        logger.info("frames of other forms (polygons, uncompressed RLE, other sizes): full "
                    "input checks, pycocotools for their videos")
        report = check_inputs(gt, preds, gt_path=gt_path, pred_path=pred_path, lenient=lenient,
                              allow_empty=allow_empty)
    else:
        _raise_counts_errors(results, gt, gt_path=gt_path, pred_path=pred_path)
        report = dataclasses.replace(report, duplicates=sum(map(duplicate_count, results)))
    by_video = {r.job.video.id: r for r in results if r.overlaps is not None}
    overlaps = [item_overlaps(it, by_video[it.video.id]) if it.video.id in by_video
                else video_overlaps(it.video, it.gt_tracks, it.preds, trusted_sizes=False)
                for it in tables.videos]
    return OverlapPhase(overlaps, report)


def compute_overlaps(tables: EvalTables, gt: Dataset, preds: list[PredTrack],
                     report: CheckReport, *, known: KnownAreas | None = None, workers: int = 2,
                     progress: bool = False, gt_path: Path | str | None = None,
                     pred_path: Path | str | None = None, lenient: bool = False,
                     allow_empty: bool = False, by_category: bool = True,
                     release: Callable[[], None] | None = None) -> OverlapPhase:
    """Video IoU of every ``tables.videos`` item: the native pass when ``report`` left the
    frames to it (``check_inputs(frames=False)``), else pycocotools with the ``known`` areas.

    Args:
        gt, preds: every record as loaded and checked (the native pass validates all of them);
            ``tables`` may hold relabelled copies (class-agnostic pooling) sharing their frames.
        known: prediction areas decoded by the checks, keyed by ``tables``' records.
        by_category: ``tables`` pairs only predictions and GT tracks of one category (False:
            class-agnostic pooling, every pair of a video is needed).
        release: predictions with raw counts spans (``eval.raw_counts``): hands the mapped
            result file's pages back; the native pass calls it as videos finish.
    """
    if not report.frames_checked:
        return native_phase(tables, gt, preds, report, workers=workers, progress=progress,
                            gt_path=gt_path, pred_path=pred_path, lenient=lenient,
                            allow_empty=allow_empty, by_category=by_category,
                            release=release)
    overlaps = [video_overlaps(it.video, it.gt_tracks, it.preds, trusted_sizes=report.sizes_ok,
                               known=known)
                for it in _bar(tables.videos, progress, len(tables.videos))]
    return OverlapPhase(overlaps, report)
