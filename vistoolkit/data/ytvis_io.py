"""Read and write YouTube-VIS / OVIS annotation files and result (prediction) files.

JSON is read by ``vistoolkit.data.json_io.read_json`` and parsed into records once, here.
Structural problems (not JSON, missing keys, wrong types) raise ``InputError`` naming the file
and the record; semantic checks against the ground truth (lengths, sizes, ids, scores) live in
``vistoolkit.data.validate``. ``load_gt`` / ``load_preds`` accept records or a path, so that
callers (the evaluator, ``vistool viz``, the compatibility layer) have one way in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from vistoolkit.atomic import atomic_open
from vistoolkit.data.json_io import gc_paused, read_json
from vistoolkit.data.records import Category, Dataset, PredTrack, Track, Video
from vistoolkit.errors import InputError

_VIDEO_KEYS = ("id", "width", "height", "length", "file_names")
_TRACK_KEYS = ("id", "video_id", "category_id", "segmentations", "bboxes", "areas", "iscrowd")
_PRED_KEYS = ("video_id", "category_id", "score", "segmentations")


def _require(record: dict, keys: Iterable[str], *, path: Path | str, where: str) -> None:
    if not isinstance(record, dict):
        raise InputError(f"expected an object, got {type(record).__name__}", path=path, where=where)
    missing = [k for k in keys if k not in record]
    if missing:
        raise InputError(f"missing key(s) {', '.join(missing)}", path=path, where=where)


def _as_int(value: Any, key: str, *, path: Path | str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
        raise InputError(f"'{key}' must be an integer, got {value!r}", path=path, where=where)
    return int(value)


def _as_frames(value: Any, key: str, *, path: Path | str, where: str) -> tuple:
    if not isinstance(value, list):
        raise InputError(f"'{key}' must be a list (one entry per frame)", path=path, where=where)
    return tuple(value)


def parse_video(raw: dict, *, path: Path | str, index: int) -> Video:
    """One ``videos`` entry -> ``Video``."""
    where = f"videos[{index}]"
    _require(raw, ("id", "width", "height"), path=path, where=where)
    vid = _as_int(raw["id"], "id", path=path, where=where)
    where = f"video_id={vid}"
    names = raw.get("file_names")
    if names is None:
        names = []
    length = raw.get("length", len(names))
    extra = {k: v for k, v in raw.items() if k not in _VIDEO_KEYS}
    if "length" not in raw:
        extra["_no_length"] = True
    return Video(
        id=vid,
        width=_as_int(raw["width"], "width", path=path, where=where),
        height=_as_int(raw["height"], "height", path=path, where=where),
        length=_as_int(length, "length", path=path, where=where),
        file_names=tuple(_as_frames(names, "file_names", path=path, where=where)),
        extra=extra,
    )


def parse_track(raw: dict, *, path: Path | str, index: int) -> Track:
    """One ``annotations`` entry -> ``Track``."""
    where = f"annotations[{index}]"
    _require(raw, ("id", "video_id", "category_id", "segmentations"), path=path, where=where)
    where = f"annotations[{index}] (id={raw['id']}, video_id={raw['video_id']})"
    bboxes = raw.get("bboxes")
    areas = raw.get("areas")
    return Track(
        id=_as_int(raw["id"], "id", path=path, where=where),
        video_id=_as_int(raw["video_id"], "video_id", path=path, where=where),
        category_id=_as_int(raw["category_id"], "category_id", path=path, where=where),
        segmentations=_as_frames(raw["segmentations"], "segmentations", path=path, where=where),
        bboxes=None if bboxes is None else _as_frames(bboxes, "bboxes", path=path, where=where),
        areas=None if areas is None else _as_frames(areas, "areas", path=path, where=where),
        iscrowd=_as_int(raw.get("iscrowd", 0), "iscrowd", path=path, where=where),
        extra={k: v for k, v in raw.items() if k not in _TRACK_KEYS}
        | ({} if "iscrowd" in raw else {"_no_iscrowd": True}),
    )


def parse_category(raw: dict, *, path: Path | str, index: int) -> Category:
    """One ``categories`` entry -> ``Category``."""
    where = f"categories[{index}]"
    _require(raw, ("id",), path=path, where=where)
    return Category(
        id=_as_int(raw["id"], "id", path=path, where=where),
        name=str(raw.get("name", raw["id"])),
        supercategory=raw.get("supercategory"),
        extra={k: v for k, v in raw.items() if k not in ("id", "name", "supercategory")},
    )


def parse_dataset(raw: Any, *, path: Path | str = "<memory>") -> Dataset:
    """A parsed annotation JSON object -> ``Dataset``."""
    if not isinstance(raw, dict):
        raise InputError("an annotation file must be a JSON object with 'videos'", path=path)
    _require(raw, ("videos",), path=path, where="top level")
    known = ("videos", "annotations", "categories", "info", "licenses")
    return Dataset(
        videos=tuple(parse_video(v, path=path, index=i) for i, v in enumerate(raw["videos"])),
        categories=tuple(
            parse_category(c, path=path, index=i) for i, c in enumerate(raw.get("categories") or [])
        ),
        tracks=tuple(
            parse_track(a, path=path, index=i) for i, a in enumerate(raw.get("annotations") or [])
        ),
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


def parse_prediction(raw: Any, *, path: Path | str, index: int) -> PredTrack:
    """One result-file entry -> ``PredTrack`` (score kept as given; range checks in validate)."""
    where = f"prediction #{index}"
    _require(raw, _PRED_KEYS, path=path, where=where)
    where = f"prediction #{index} (video_id={raw['video_id']})"
    score = raw["score"]
    if isinstance(score, bool) or not isinstance(score, (int, float)):
        raise InputError(f"'score' must be a number, got {score!r}", path=path, where=where)
    return PredTrack(
        video_id=_as_int(raw["video_id"], "video_id", path=path, where=where),
        category_id=_as_int(raw["category_id"], "category_id", path=path, where=where),
        score=float(score),
        segmentations=_as_frames(raw["segmentations"], "segmentations", path=path, where=where),
        index=index,
        extra={k: v for k, v in raw.items() if k not in _PRED_KEYS},
    )


def parse_predictions(raw: Any, *, path: Path | str = "<memory>") -> list[PredTrack]:
    """A parsed result JSON (a list of objects) -> ``PredTrack`` list in file order."""
    if not isinstance(raw, list):
        raise InputError("a result file must be a JSON list of predictions", path=path)
    return [parse_prediction(r, path=path, index=i) for i, r in enumerate(raw)]


def load_predictions(path: Path | str) -> list[PredTrack]:
    """Load a result file: ``[{video_id, category_id, score, segmentations}, ...]``."""
    with gc_paused():
        return parse_predictions(read_json(path), path=path)


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
