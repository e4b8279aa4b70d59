"""The one validation layer: files as every command trusts them.

``vistool eval`` refuses every problem ``vistool validate`` reports (``--lenient`` tolerates the
official evaluator's kinds). The other commands use the same checks and tolerate only what they
do not rely on: ``TOOL_TOLERATED`` for annotation files (``data stats / split / resample``,
``viz``, ``train``), the warning kinds for result files. A result file without its ground truth
(``data stats`` without ``--gt``) gets every check that needs no video: scores, RLE structure and
decodability against its own ``size``, frames of one size per record, bounded polygons.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from vistoolkit.data.frame_checks import FrameChecker, rle_problems
from vistoolkit.data.json_io import gc_paused
from vistoolkit.data.problems import WARNING_KINDS, Problem, raise_first
from vistoolkit.data.record_checks import MAX_SIDE
from vistoolkit.data.records import Dataset, PredTrack, Segmentation
from vistoolkit.data.rle_totals import rle_counts_totals_areas
from vistoolkit.data.validate import validate_dataset, validate_predictions
from vistoolkit.data.ytvis_io import load_dataset, parse_dataset, parse_predictions
from vistoolkit.errors import InputError

# Annotation problems that tools other than the evaluator do not rely on: absent ``areas`` /
# ``iscrowd`` keys, and tracks of a category the file does not list.
TOOL_TOLERATED = frozenset({"missing_key", "unknown_category"})


def checked_dataset(ds: Dataset, *, path: Path | str | None,
                    tolerate: frozenset[str] = TOOL_TOLERATED) -> Dataset:
    """``ds`` if ``validate_dataset`` finds nothing outside ``tolerate``, else ``InputError``."""
    raise_first([p for p in validate_dataset(ds) if p.kind not in tolerate], path=path)
    return ds


def load_checked_dataset(path: Path | str, *,
                         tolerate: frozenset[str] = TOOL_TOLERATED) -> Dataset:
    """``load_dataset`` then ``checked_dataset``."""
    return checked_dataset(load_dataset(path), path=path, tolerate=tolerate)


def parse_checked_dataset(raw: Any, *, path: Path | str,
                          tolerate: frozenset[str] = TOOL_TOLERATED) -> Dataset:
    """``parse_dataset`` of an already-read JSON object, then ``checked_dataset``."""
    return checked_dataset(parse_dataset(raw, path=path), path=path, tolerate=tolerate)


def checked_predictions(preds: Sequence[PredTrack], gt: Dataset | None, *,
                        path: Path | str | None, allow_empty: bool = True,
                        tolerate: frozenset[str] = WARNING_KINDS) -> Sequence[PredTrack]:
    """``preds`` if they pass ``validate_predictions`` against ``gt`` (or, with ``gt`` None,
    ``standalone_problems``) apart from ``tolerate``; else ``InputError``."""
    if gt is None:
        problems = standalone_problems(preds)
    else:
        problems = validate_predictions(preds, gt, allow_empty=allow_empty)
    raise_first([p for p in problems if p.kind not in tolerate], path=path)
    return preds


def parse_checked_predictions(raw: Any, gt: Dataset | None, *, path: Path | str,
                              tolerate: frozenset[str] = WARNING_KINDS) -> list[PredTrack]:
    """``parse_predictions`` of an already-read JSON list, then ``checked_predictions``."""
    preds = parse_predictions(raw, path=path)
    checked_predictions(preds, gt, path=path, tolerate=tolerate)
    return preds


def _record_size(segmentations: Sequence[Segmentation]) -> list[int]:
    """[h, w] of the first RLE frame with a valid ``size``; [MAX_SIDE, MAX_SIDE] if none."""
    for seg in segmentations:
        if type(seg) is dict:
            size = seg.get("size")
            if (type(size) is list and len(size) == 2
                    and all(type(x) is int and 0 < x <= MAX_SIDE for x in size)):
                return size
    return [MAX_SIDE, MAX_SIDE]


class _Masks(NamedTuple):
    segmentations: Sequence[Segmentation]


def mask_problems(records: Sequence[Sequence[Segmentation]], where: Sequence[str]
                  ) -> dict[int, list[Problem]]:
    """Per-frame problems of records of masks known without their video: RLE structure and
    decodability against the record's own ``size`` (one size per record), polygons bounded by
    it. Returns record position -> problems (``where[i]`` names record ``i``)."""
    with gc_paused():
        checker = FrameChecker(collect=True)
        per: dict[int, list[Problem]] = {}
        for i, segs in enumerate(records):
            found: list[Problem] = []
            checker.check(segs, _record_size(segs), where[i], i, found)
            if found:
                per[i] = found
        strings = checker.collected()
        if strings.strings:
            totals, _ = rle_counts_totals_areas(strings.strings, strings.expected)
            for owner, prob in rle_problems(strings, totals, [_Masks(s) for s in records],
                                            dict(enumerate(where))):
                per.setdefault(owner, []).append(prob)
    return per


def standalone_problems(preds: Sequence[PredTrack]) -> list[Problem]:
    """Problems of a result file that need no ground truth, in file order (per record)."""
    where = [f"prediction #{p.index} (video_id={p.video_id})" for p in preds]
    per = mask_problems([p.segmentations for p in preds], where)
    for i, p in enumerate(preds):
        if not (0.0 <= p.score <= 1.0):
            per.setdefault(i, []).insert(0, Problem(
                "score", f"score {p.score!r} is not a finite number in [0, 1]", where[i]))
    return [prob for i in sorted(per) for prob in per[i]]


def require_annotations(gt: Dataset, *, path: Path | str | None) -> None:
    """``InputError`` for a ground truth without any annotation (nothing to score against)."""
    if not gt.tracks:
        raise InputError("the ground truth has no annotations (a valid/test split without "
                         "labels?): there is nothing to evaluate against", path=path)
