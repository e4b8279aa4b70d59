"""Read and write YouTube-VIS / OVIS annotation files and result (prediction) files.

JSON is read by ``vistoolkit.data.json_io`` and parsed into records once, here. The structure
(keys, JSON types) is checked by decoding into the msgspec types of ``vistoolkit.data.schema``,
and a problem raises one ``InputError`` naming the file and the field (``$[3].score``); semantic
checks against the ground truth (lengths, sizes, ids, scores) live in
``vistoolkit.data.validate``. Result files are decoded element by element into typed records
(compressed RLE ``counts`` stay str). ``load_gt`` / ``load_preds`` accept records or a path, so
that callers (the evaluator, ``vistool viz``, the compatibility layer) have one way in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import msgspec

from vistoolkit._native import share_sizes
from vistoolkit.atomic import atomic_open
from vistoolkit.data.json_io import gc_paused, read_json, read_json_array
from vistoolkit.data.records import Category, Dataset, PredTrack, Track, Video
from vistoolkit.data.schema import (
    PREDICTION_KEYS,
    AnnotationFile,
    PredictionEntry,
    PredictionObject,
    structure_error,
)
from vistoolkit.errors import InputError

_VIDEO_KEYS = ("id", "width", "height", "length", "file_names")
_TRACK_KEYS = ("id", "video_id", "category_id", "segmentations", "bboxes", "areas", "iscrowd")
_NOT_A_LIST = "a result file must be a JSON list of predictions"


def _video(raw: dict) -> Video:
    names = raw.get("file_names")
    names = [] if names is None else names
    extra = {k: v for k, v in raw.items() if k not in _VIDEO_KEYS}
    if "length" not in raw:
        extra["_no_length"] = True
    return Video(id=raw["id"], width=raw["width"], height=raw["height"],
                 length=raw.get("length", len(names)), file_names=tuple(names), extra=extra)


def _track(raw: dict) -> Track:
    bboxes, areas = raw.get("bboxes"), raw.get("areas")
    return Track(
        id=raw["id"], video_id=raw["video_id"], category_id=raw["category_id"],
        segmentations=tuple(raw["segmentations"]),
        bboxes=None if bboxes is None else tuple(bboxes),
        areas=None if areas is None else tuple(areas),
        iscrowd=raw.get("iscrowd", 0),
        extra={k: v for k, v in raw.items() if k not in _TRACK_KEYS}
        | ({} if "iscrowd" in raw else {"_no_iscrowd": True}),
    )


def _category(raw: dict) -> Category:
    return Category(
        id=raw["id"], name=str(raw.get("name", raw["id"])), supercategory=raw.get("supercategory"),
        extra={k: v for k, v in raw.items() if k not in ("id", "name", "supercategory")},
    )


def parse_dataset(raw: Any, *, path: Path | str = "<memory>") -> Dataset:
    """A parsed annotation JSON object -> ``Dataset`` (structure checked by
    ``schema.AnnotationFile``; unknown keys kept in ``extra``)."""
    if not isinstance(raw, dict):
        raise InputError("an annotation file must be a JSON object with 'videos'", path=path)
    try:
        msgspec.convert(raw, AnnotationFile)
    except msgspec.ValidationError as err:
        raise structure_error(err, path=path) from None
    known = ("videos", "annotations", "categories", "info", "licenses")
    return Dataset(
        videos=tuple(map(_video, raw["videos"])),
        categories=tuple(map(_category, raw.get("categories") or [])),
        tracks=tuple(map(_track, raw.get("annotations") or [])),
        info=raw.get("info"),
        licenses=raw.get("licenses"),
        has_annotations="annotations" in raw,
        has_categories="categories" in raw,
        extra={k: v for k, v in raw.items() if k not in known},
    )


def load_dataset(path: Path | str) -> Dataset:
    """Load a YouTube-VIS 2019/2021/2022 or OVIS annotation file."""
    with gc_paused():
        return parse_dataset(read_json(path), path=path)


def _record(entry: PredictionEntry | PredictionObject, index: int, extra: dict) -> PredTrack:
    return PredTrack(video_id=entry.video_id, category_id=entry.category_id, score=entry.score,
                     segmentations=tuple(entry.segmentations), index=index, extra=extra)


def parse_prediction(raw: Any, *, path: Path | str, index: int) -> PredTrack:
    """One result entry already in memory -> ``PredTrack`` (score kept as given; range and
    frame checks in validate; keys other than the four known ones kept in ``extra``)."""
    try:
        entry = msgspec.convert(raw, PredictionObject)
    except msgspec.ValidationError as err:
        raise structure_error(err, path=path, where=f"prediction #{index}",
                              at=f"$[{index}]") from None
    return _record(entry, index, {k: v for k, v in raw.items() if k not in PREDICTION_KEYS})


def parse_predictions(raw: Any, *, path: Path | str = "<memory>") -> list[PredTrack]:
    """A parsed result JSON (a list of objects) -> ``PredTrack`` list in file order."""
    if not isinstance(raw, list):
        raise InputError(_NOT_A_LIST, path=path)
    return [parse_prediction(r, path=path, index=i) for i, r in enumerate(raw)]


def _prediction_decoder(path: Path | str) -> Callable[[int, msgspec.Raw], PredTrack]:
    """``decode(index, raw)`` of one result-file element: typed (``PredictionEntry``), or, for
    an entry with further keys, decoded as an object whose extra keys go to ``extra``.

    RLE frames of equal ``size`` share one list (a video's frames all have its size: 170 bytes
    less per frame, 190 MB on a YouTube-VIS-2021-val-sized file); like every record field, treat
    it as read-only.
    """
    typed = msgspec.json.Decoder(PredictionEntry)
    sizes: dict[tuple, list] = {}

    def record(entry: PredictionEntry, index: int, extra: dict) -> PredTrack:
        share_sizes(entry.segmentations, sizes)
        return _record(entry, index, extra)

    def fail(err: Exception, index: int) -> InputError:
        if isinstance(err, RecursionError):
            return InputError("nested too deeply", path=path, where=f"prediction #{index}")
        return structure_error(err, path=path, where=f"prediction #{index}", at=f"$[{index}]")

    def decode(index: int, raw: msgspec.Raw) -> PredTrack:
        try:
            return record(typed.decode(raw), index, {})
        except (msgspec.ValidationError, RecursionError) as err:
            first = err
        except msgspec.DecodeError as err:                 # e.g. bytes that are not UTF-8
            raise InputError(f"not valid JSON ({err})", path=path,
                             where=f"prediction #{index}") from None
        try:
            obj = msgspec.json.decode(raw)
            extra = {k: v for k, v in obj.items() if k not in PREDICTION_KEYS}
        except (msgspec.ValidationError, RecursionError, AttributeError):   # not an object
            raise fail(first, index) from None
        if not extra:
            raise fail(first, index) from None
        try:
            entry = msgspec.convert({k: obj[k] for k in PREDICTION_KEYS if k in obj},
                                    PredictionEntry)
        except msgspec.ValidationError as err:
            raise fail(err, index) from None
        return record(entry, index, extra)

    return decode


def load_predictions(path: Path | str) -> list[PredTrack]:
    """Load a result file: ``[{video_id, category_id, score, segmentations}, ...]``.

    Each entry is decoded straight into typed frames (``schema.PredictionEntry``); the file's
    pages are released as it goes, so memory peaks at the records, not records plus file.
    """
    return read_json_array(path, _prediction_decoder(path), not_array=_NOT_A_LIST)


def load_gt(gt: Dataset | Path | str) -> tuple[Dataset, Path | str | None]:
    """Ground truth given as records or as a file: the ``Dataset`` and its path (None when
    given in memory)."""
    if isinstance(gt, Dataset):
        return gt, None
    return load_dataset(gt), gt


def load_preds(preds: Sequence[PredTrack] | Path | str
               ) -> tuple[list[PredTrack], Path | str | None]:
    """Predictions given as records or as a file: in file order, with their path (None when
    given in memory)."""
    if isinstance(preds, (str, Path)):
        return load_predictions(preds), preds
    return list(preds), None


def video_to_json(v: Video) -> dict:
    out: dict[str, Any] = {
        "id": v.id, "width": v.width, "height": v.height, "length": v.length,
        "file_names": list(v.file_names),
    }
    if v.extra.get("_no_length"):
        del out["length"]
    out.update({k: x for k, x in v.extra.items() if not k.startswith("_no_")})
    return out


def track_to_json(t: Track) -> dict:
    out: dict[str, Any] = {
        "id": t.id, "video_id": t.video_id, "category_id": t.category_id,
        "segmentations": list(t.segmentations),
    }
    if t.bboxes is not None:
        out["bboxes"] = list(t.bboxes)
    if t.areas is not None:
        out["areas"] = list(t.areas)
    if not t.extra.get("_no_iscrowd"):
        out["iscrowd"] = t.iscrowd
    out.update({k: x for k, x in t.extra.items() if not k.startswith("_no_")})
    return out


def category_to_json(c: Category) -> dict:
    out: dict[str, Any] = {"id": c.id, "name": c.name}
    if c.supercategory is not None:
        out["supercategory"] = c.supercategory
    out.update(c.extra)
    return out


def dataset_to_json(ds: Dataset) -> dict:
    """``Dataset`` -> JSON object with the same keys the file had."""
    out: dict[str, Any] = {}
    if ds.info is not None:
        out["info"] = ds.info
    if ds.licenses is not None:
        out["licenses"] = ds.licenses
    out["videos"] = [video_to_json(v) for v in ds.videos]
    if ds.has_categories or ds.categories:
        out["categories"] = [category_to_json(c) for c in ds.categories]
    if ds.has_annotations or ds.tracks:
        out["annotations"] = [track_to_json(t) for t in ds.tracks]
    out.update(ds.extra)
    return out


def prediction_to_json(p: PredTrack) -> dict:
    out: dict[str, Any] = {
        "video_id": p.video_id, "category_id": p.category_id, "score": p.score,
        "segmentations": list(p.segmentations),
    }
    out.update(p.extra)
    return out


def save_dataset(ds: Dataset, path: Path | str) -> None:
    """Write an annotation file atomically."""
    with atomic_open(path, "w", encoding="utf-8") as handle:
        json.dump(dataset_to_json(ds), handle)


def save_predictions(preds: Iterable[PredTrack], path: Path | str) -> None:
    """Write a result file atomically."""
    with atomic_open(path, "w", encoding="utf-8") as handle:
        json.dump([prediction_to_json(p) for p in preds], handle)
