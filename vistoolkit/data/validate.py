"""Semantic checks of result and annotation files against the ground truth.

Every problem is reported (not just the first) as a ``vistoolkit.data.problems.Problem``;
``raise_first`` turns a list into one ``InputError`` for callers that refuse bad input.
Per-frame problems (``size``, ``rle``) come from ``vistoolkit.data.frame_checks``. The checks are
O(frames) dict/str work; ``check_rle`` adds one batched pass over all compressed RLE strings
(``rle_counts_totals``), since pycocotools' ``iou`` can loop forever on an undecodable one.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vistoolkit.data.frame_checks import CollectedStrings, FrameChecker, rle_problems
from vistoolkit.data.json_io import gc_paused, read_json
from vistoolkit.data.problems import Problem, raise_first
from vistoolkit.data.record_checks import track_value_problems, video_problems
from vistoolkit.data.records import Dataset, PredTrack
from vistoolkit.data.rle_totals import rle_counts_totals_areas
from vistoolkit.data.ytvis_io import load_dataset, parse_dataset, parse_predictions
from vistoolkit.errors import InputError


def _id_list(ids: Iterable[int]) -> str:
    ids = sorted(ids)
    if ids and ids == list(range(ids[0], ids[-1] + 1)) and len(ids) > 3:
        return f"{ids[0]}..{ids[-1]}"
    return ", ".join(map(str, ids[:10])) + (", ..." if len(ids) > 10 else "")


@dataclass(frozen=True, slots=True)
class PredictionCheck:
    """Result-file checks with the RLE decodability part left to the caller.

    ``problems(totals)`` gives exactly what ``validate_predictions`` returns once ``totals``
    (``rle_counts_totals`` of ``strings``) are known, so that a caller can decode the strings
    where it likes (e.g. in worker processes) and reuse their areas.
    """

    records: Sequence[PredTrack]
    found: dict[int, list[Problem]]   # record position -> structural problems
    where_of: dict[int, str]
    strings: CollectedStrings

    def problems(self, totals: np.ndarray | None) -> list[Problem]:
        """All problems in file order; ``totals`` (F,) None skips the decodability check."""
        per_pred = {i: list(v) for i, v in self.found.items()}
        if totals is not None and len(self.strings.strings):
            for owner, prob in rle_problems(self.strings, totals, self.records, self.where_of):
                per_pred.setdefault(owner, []).append(prob)
        return [prob for i in sorted(per_pred) for prob in per_pred[i]]


def check_predictions(preds: Sequence[PredTrack], gt: Dataset, *, allow_empty: bool = False,
                      collect: bool = True, frames: bool = True) -> PredictionCheck:
    """Every check of ``validate_predictions`` but the RLE decode (GC paused while it runs).

    ``frames=False``: the checks of whole records only (no per-frame checks, no duplicate
    search); the native evaluator does those in its kernel pass.
    """
    with gc_paused():
        return _check_predictions(preds, gt, allow_empty=allow_empty, collect=collect,
                                  frames=frames)


def validate_predictions(preds: Sequence[PredTrack], gt: Dataset, *, path: Path | str | None = None,
                         allow_empty: bool = False, check_rle: bool = True) -> list[Problem]:
    """Every problem of a result file checked against ``gt``, in file order (per record).

    Kinds: ``empty``, ``unknown_video``, ``unknown_category``, ``score``, ``length``, ``size``,
    ``rle`` (only the cheap structural part when ``check_rle`` is False) and ``duplicate``.
    ``path`` is accepted for symmetry with ``raise_first``; ``where`` never repeats it.
    """
    return validate_predictions_areas(preds, gt, allow_empty=allow_empty, check_rle=check_rle)[0]


def validate_predictions_areas(preds: Sequence[PredTrack], gt: Dataset, *,
                               allow_empty: bool = False, check_rle: bool = True
                               ) -> tuple[list[Problem], CollectedStrings, np.ndarray]:
    """``validate_predictions`` plus the strings it decoded and their foreground areas.

    Returns problems, the collected strings and areas (F,) int64 (pycocotools ``area`` of each
    string, -1 where unknown; all -1 when ``check_rle`` is False).
    """
    with gc_paused():
        check = _check_predictions(preds, gt, allow_empty=allow_empty, collect=check_rle)
        found = check.strings
        if not check_rle or not found.strings:
            return check.problems(None), found, np.full(len(found.strings), -1, dtype=np.int64)
        totals, areas = rle_counts_totals_areas(found.strings, found.expected)
        return check.problems(totals), found, areas


def _check_predictions(preds: Sequence[PredTrack], gt: Dataset, *, allow_empty: bool,
                       collect: bool, frames: bool = True) -> PredictionCheck:
    checker = FrameChecker(collect=collect)
    if not preds:
        found = {} if allow_empty else {0: [Problem("empty", "the result list is empty",
                                                    "top level")]}
        return PredictionCheck(preds, found, {}, checker.collected())
    videos = {v.id: v for v in gt.videos}
    cats = {c.id for c in gt.categories}
    cat_list = _id_list(cats)
    per_pred: dict[int, list[Problem]] = {}
    where_of: dict[int, str] = {}
    seen: dict[tuple, int] = {}
    for i, p in enumerate(preds):
        problems: list[Problem] = []
        where = f"prediction #{p.index} (video_id={p.video_id})"
        video = videos.get(p.video_id)
        if video is None:
            problems.append(Problem("unknown_video", f"video_id {p.video_id} is not in the ground truth",
                                    where))
        if p.category_id not in cats:
            problems.append(Problem("unknown_category", f"category_id {p.category_id} is not a "
                                    f"ground-truth category ({cat_list})", where))
        if not (math.isfinite(p.score) and 0.0 <= p.score <= 1.0):
            problems.append(Problem("score", f"score {p.score!r} is not a finite number in [0, 1]", where))
        if video is not None and len(p.segmentations) != video.length:
            problems.append(Problem("length", f"{len(p.segmentations)} segmentations for a "
                                    f"{video.length}-frame video", where))
        if frames:
            if video is not None:
                key = checker.check(p.segmentations, [video.height, video.width], where, i,
                                    problems)
            else:
                key = tuple(map(repr, p.segmentations))
            j = seen.setdefault((p.video_id, p.category_id, key), p.index)
            if j != p.index:
                problems.append(Problem("duplicate", f"duplicate of prediction #{j} (same "
                                        "video, category and segmentations)", where))
        if problems:
            per_pred[i] = problems
        where_of[i] = where
    return PredictionCheck(preds, per_pred, where_of, checker.collected())


def validate_dataset(ds: Dataset, *, check_rle: bool = True) -> list[Problem]:
    """Every problem of an annotation file: duplicate ids, dangling references, per-frame lists."""
    with gc_paused():
        return _check_dataset(ds, check_rle=check_rle)


def _check_dataset(ds: Dataset, *, check_rle: bool) -> list[Problem]:
    problems: list[Problem] = []
    for kind, ids in (("video", [v.id for v in ds.videos]),
                      ("category", [c.id for c in ds.categories]),
                      ("annotation", [t.id for t in ds.tracks])):
        for dup, n in sorted(Counter(ids).items()):
            if n > 1:
                problems.append(Problem("duplicate_id", f"{kind} id {dup} appears {n} times",
                                        f"{kind}s" if kind != "annotation" else "annotations"))
    unusable = set()              # videos whose size or length the frame checks cannot use
    for v in ds.videos:
        found_v = video_problems(v)
        problems += found_v
        if found_v:
            unusable.add(v.id)
    videos = {v.id: v for v in ds.videos}
    cats = {c.id for c in ds.categories}
    checker = FrameChecker(collect=check_rle)
    per_track: dict[int, list[Problem]] = {}
    where_of: dict[int, str] = {}
    for i, t in enumerate(ds.tracks):
        found: list[Problem] = []
        where = where_of[i] = f"annotations[{i}] (id={t.id}, video_id={t.video_id})"
        video = videos.get(t.video_id)
        if video is None:
            found.append(Problem("unknown_video", f"video_id {t.video_id} is not in 'videos'", where))
        if t.category_id not in cats:
            found.append(Problem("unknown_category", f"category_id {t.category_id} is not in "
                                 "'categories'", where))
        missing = [k for k, absent in (("areas", t.areas is None),
                                       ("iscrowd", bool(t.extra.get("_no_iscrowd")))) if absent]
        if missing:
            found.append(Problem("missing_key", f"missing key(s) {', '.join(missing)}", where))
        if video is not None and video.id not in unusable:
            for name, seq in (("segmentations", t.segmentations), ("bboxes", t.bboxes),
                              ("areas", t.areas)):
                if seq is not None and len(seq) != video.length:
                    found.append(Problem("length", f"{len(seq)} {name} for a {video.length}-frame "
                                         "video", where))
            found += track_value_problems(t, video, where)
            checker.check(t.segmentations, [video.height, video.width], where, i, found)
        if found:
            per_track[i] = found
    if checker.strings:
        found = checker.collected()
        totals, _ = rle_counts_totals_areas(found.strings, found.expected)
        for owner, prob in rle_problems(found, totals, ds.tracks, where_of):
            per_track.setdefault(owner, []).append(prob)
    return problems + [p for i in sorted(per_track) for p in per_track[i]]


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """Result of ``validate_file``: the problems and what was checked."""

    path: Path
    kind: str  # "predictions" or "annotations"
    problems: tuple[Problem, ...]
    records: int
    videos: int
    frames: int
    gt_path: Path | None = None


def validate_file(path: Path | str, *, gt_path: Path | str | None = None, allow_empty: bool = False,
                  check_rle: bool = True) -> ValidationReport:
    """Validate a result file against ``gt_path``, or an annotation file on its own.

    Raises:
        InputError: unreadable JSON or structure, or a result file without ``gt_path``.
    """
    path = Path(path)
    raw = read_json(path)
    if isinstance(raw, dict):
        ds = parse_dataset(raw, path=path)
        problems = validate_dataset(ds, check_rle=check_rle)
        return ValidationReport(path, "annotations", tuple(problems), len(ds.tracks), len(ds.videos),
                                sum(len(t.segmentations) for t in ds.tracks))
    preds = parse_predictions(raw, path=path)
    if gt_path is None:
        raise InputError("a result file is checked against its ground truth: pass --gt GT.json",
                         path=path)
    gt = load_dataset(gt_path)
    raise_first(validate_dataset(gt, check_rle=check_rle), path=gt_path)  # as the evaluator
    problems = validate_predictions(preds, gt, path=path, allow_empty=allow_empty,
                                    check_rle=check_rle)
    return ValidationReport(path, "predictions", tuple(problems), len(preds),
                            len({p.video_id for p in preds}),
                            sum(len(p.segmentations) for p in preds), Path(gt_path))


def format_report(report: ValidationReport, *, max_lines: int = 50) -> str:
    """One line per problem (at most ``max_lines``, then ``... and N more``) and a summary line."""
    probs = report.problems
    noun = "predictions" if report.kind == "predictions" else "annotations"
    against = f" against {report.gt_path}" if report.gt_path else ""
    if not probs:
        return (f"OK: {report.path}: {report.records} {noun}, {report.videos} videos, "
                f"{report.frames} frames checked{against}")
    lines = [p.line(report.path) for p in probs[:max_lines]]
    if len(probs) > max_lines:
        lines.append(f"... and {len(probs) - max_lines} more")
    kinds = Counter(p.kind for p in probs)
    lines.append(f"FAILED: {report.path}: {len(probs)} problem(s) in {report.records} {noun} ("
                 + ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items())) + ")")
    return "\n".join(lines)
