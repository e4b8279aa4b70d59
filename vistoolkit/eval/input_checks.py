"""Checking the two inputs (loaded by ``vistoolkit.data``) before any number is computed."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vistoolkit.data.checked import require_annotations
from vistoolkit.data.problems import LENIENT_KINDS, WARNING_KINDS, Problem, raise_first
from vistoolkit.data.records import Dataset, PredTrack
from vistoolkit.data.rle_totals import rle_counts_totals_areas
from vistoolkit.data.validate import PredictionCheck, check_predictions, validate_dataset
from vistoolkit.eval.known_areas import KnownAreas, known_areas

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What ``--lenient`` tolerated: records affected per problem kind, and whether every
    prediction mask has the video's size (then the evaluator skips per-frame size checks).

    ``known``: prediction mask areas the RLE check decoded (reused by the IoU phase).
    ``pending``: the checks whose RLE decode is left to ``finish_check`` (``defer_rle``).
    ``duplicates``: exact copies of another prediction, scored as officially (false positives).
    """

    tolerated: dict[str, int]
    sizes_ok: bool
    duplicates: int = 0
    known: KnownAreas | None = None
    pending: PredictionCheck | None = None


def _split(problems: list[Problem], lenient: bool) -> tuple[list[Problem], list[Problem]]:
    problems = [p for p in problems if p.kind not in WARNING_KINDS]
    if not lenient:
        return problems, []
    refused = [p for p in problems if p.kind not in LENIENT_KINDS]
    return refused, [p for p in problems if p.kind in LENIENT_KINDS]


def check_inputs(gt: Dataset, preds: list[PredTrack], *, gt_path: Path | str | None,
                 pred_path: Path | str | None, lenient: bool = False, allow_empty: bool = False,
                 check_rle: bool = True, defer_rle: bool = False) -> CheckReport:
    """Validate GT and predictions; raise ``InputError`` on the first refused problem.

    A ground-truth file (``gt_path`` given) without annotations is refused. By default every
    problem is refused. With ``lenient``, problems of the kinds the official
    evaluator survives (``length``: zip truncation, ``size``: zero-size merge, and
    ``unknown_category``: dropped) are tolerated and counted. With ``defer_rle``, the decode of
    the prediction RLE strings is left to the caller (``pending``) unless another problem is
    refused anyway; the caller then passes the totals to ``finish_check``.
    """
    refused, tolerated = _split(validate_dataset(gt, check_rle=check_rle), lenient)
    raise_first(refused, path=gt_path)
    if gt_path is not None:         # a file: nothing to score against is a user error
        require_annotations(gt, path=gt_path)
    check = check_predictions(preds, gt, allow_empty=allow_empty, collect=check_rle)
    found = check.strings
    pending, known = None, None
    if defer_rle and found.strings and not _split(check.problems(None), lenient)[0]:
        pproblems, pending = check.problems(None), check
    elif check_rle and found.strings:
        totals, areas = rle_counts_totals_areas(found.strings, found.expected)
        pproblems = check.problems(totals)
        known = known_areas(preds, found, areas)
    else:
        pproblems = check.problems(None)
    prefused, ptolerated = _split(pproblems, lenient)
    raise_first(prefused, path=pred_path)
    counts = Counter(p.kind for p in tolerated + ptolerated)
    for kind, n in sorted(counts.items()):
        logger.info("lenient: %d record(s) with %s problems evaluated as officially", n, kind)
    return CheckReport(dict(counts), sizes_ok=not any(p.kind == "size" for p in ptolerated),
                       known=known, pending=pending,
                       duplicates=sum(p.kind == "duplicate" for p in pproblems))


def finish_check(check: PredictionCheck, bad: np.ndarray, bad_totals: np.ndarray, *,
                 pred_path: Path | str | None, lenient: bool) -> None:
    """Raise for the deferred RLE check: strings ``bad`` (B,) decoded to ``bad_totals`` (B,)."""
    if not len(bad):
        return
    totals = check.strings.expected.copy()                                 # (F,)
    totals[bad] = bad_totals
    raise_first(_split(check.problems(totals), lenient)[0], path=pred_path)
