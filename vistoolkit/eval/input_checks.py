"""Checking the two inputs (loaded by ``vistoolkit.data``) before any number is computed."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from vistoolkit.data.checked import require_annotations
from vistoolkit.data.problems import LENIENT_KINDS, WARNING_KINDS, Problem, raise_first
from vistoolkit.data.records import Dataset, PredTrack
from vistoolkit.data.rle_totals import rle_counts_totals_areas
from vistoolkit.data.validate import check_predictions, validate_dataset
from vistoolkit.eval.known_areas import KnownAreas, known_areas
from vistoolkit.eval.raw_counts import text_counts

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What ``--lenient`` tolerated: records affected per problem kind, and whether every
    prediction mask has the video's size (then the pycocotools IoU skips per-frame size checks).

    ``frames_checked``: False when ``check_inputs(frames=False)`` left the per-frame prediction
    checks, the duplicate search and the RLE decode to the native pass; ``sizes_ok`` and
    ``duplicates`` then cover the whole-record checks only.
    ``known``: prediction mask areas the RLE check decoded (reused by the pycocotools IoU).
    ``duplicates``: exact copies of another prediction, scored as officially (false positives).
    """

    tolerated: dict[str, int]
    sizes_ok: bool
    duplicates: int = 0
    known: KnownAreas | None = None
    frames_checked: bool = True


def _split(problems: list[Problem], lenient: bool) -> tuple[list[Problem], list[Problem]]:
    problems = [p for p in problems if p.kind not in WARNING_KINDS]
    if not lenient:
        return problems, []
    refused = [p for p in problems if p.kind not in LENIENT_KINDS]
    return refused, [p for p in problems if p.kind in LENIENT_KINDS]


def _tolerated(problems: list[Problem]) -> dict[str, int]:
    counts = Counter(p.kind for p in problems)
    for kind, n in sorted(counts.items()):
        logger.info("lenient: %d record(s) with %s problems evaluated as officially", n, kind)
    return dict(counts)


def _record_checks(gt: Dataset, preds: list[PredTrack], *, gt_path: Path | str | None,
                   lenient: bool, allow_empty: bool) -> CheckReport | None:
    """The whole-record checks (``frames=False``); None if a problem is refused."""
    refused, tolerated = _split(validate_dataset(gt, check_rle=False), lenient)
    if refused:
        return None
    if gt_path is not None:
        require_annotations(gt, path=gt_path)
    check = check_predictions(preds, gt, allow_empty=allow_empty, collect=False, frames=False)
    prefused, ptolerated = _split(check.problems(None), lenient)
    if prefused:
        return None
    return CheckReport(_tolerated(tolerated + ptolerated), sizes_ok=True, frames_checked=False)


def check_inputs(gt: Dataset, preds: list[PredTrack], *, gt_path: Path | str | None,
                 pred_path: Path | str | None, lenient: bool = False, allow_empty: bool = False,
                 check_rle: bool = True, frames: bool = True) -> CheckReport:
    """Validate GT and predictions; raise ``InputError`` on the first refused problem.

    A ground-truth file (``gt_path`` given) without annotations is refused. By default every
    problem is refused. With ``lenient``, problems of the kinds the official
    evaluator survives (``length``: zip truncation, ``size``: zero-size merge, and
    ``unknown_category``: dropped) are tolerated and counted.

    ``frames=False`` (the native path): only the checks of whole records run here (the GT,
    videos, categories, scores, lengths); the per-frame checks of the predictions, the duplicate
    search and the RLE decode of both files are the kernel pass's (``eval.native_iou``). If a
    problem is refused, the full checks run instead, so the error is the first one
    ``vistool validate`` reports.
    """
    if not frames:
        report = _record_checks(gt, preds, gt_path=gt_path, lenient=lenient,
                                allow_empty=allow_empty)
        if report is not None:
            return report
    text_counts(preds)   # raw counts spans (the native path's loader) -> str, in place
    refused, tolerated = _split(validate_dataset(gt, check_rle=check_rle), lenient)
    raise_first(refused, path=gt_path)
    if gt_path is not None:         # a file: nothing to score against is a user error
        require_annotations(gt, path=gt_path)
    check = check_predictions(preds, gt, allow_empty=allow_empty, collect=check_rle)
    found = check.strings
    known = None
    if check_rle and found.strings:
        totals, areas = rle_counts_totals_areas(found.strings, found.expected)
        pproblems = check.problems(totals)
        known = known_areas(preds, found, areas)
    else:
        pproblems = check.problems(None)
    prefused, ptolerated = _split(pproblems, lenient)
    raise_first(prefused, path=pred_path)
    return CheckReport(_tolerated(tolerated + ptolerated),
                       sizes_ok=not any(p.kind == "size" for p in ptolerated), known=known,
                       duplicates=sum(p.kind == "duplicate" for p in pproblems))
