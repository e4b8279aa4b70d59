"""``YTVOS``: the dataset API of the official ``pycocotools.ytvos`` (youtubevos/cocoapi), same
names, arguments and results, so that a dataset loader switches by one import.

The official behaviour, method by method:

- ``dataset``: the annotation JSON as loaded; ``anns`` / ``vids`` / ``cats``: records by id;
  ``vidToAnns``: video id -> its annotations in file order; ``catToVids``: category id -> the
  video id of each of its annotations (repeats kept). Built by ``createIndex``.
- ``getAnnIds(vidIds=[], catIds=[], areaRng=[], iscrowd=None)``: annotation ids in file order,
  grouped by video in the order of ``vidIds`` when given (unknown ids skipped); ``areaRng``
  keeps ``lo < avg_area < hi`` (strict); ``iscrowd`` compares with ``==``.
- ``getCatIds(catNms=[], supNms=[], catIds=[])``: ids of the ``categories`` entries (file order)
  whose name / supercategory / id is among those given.
- ``getVidIds(vidIds=[], catIds=[])``: every video id (file order) without filters; else the
  set of ``vidIds`` intersected with the videos of each category in ``catIds`` (with no
  ``vidIds``, the first category's videos start the set), as a ``list`` of that ``set``.
- ``loadAnns`` / ``loadVids`` / ``loadCats(ids)``: records of a list of ids, or of one integer
  id as a one-element list.
- ``annToRLE(ann, frameId)`` / ``annToMask(ann, frameId)``: one frame as RLE (polygons merged,
  uncompressed RLE compressed, compressed RLE returned as it is) / as a (H, W) uint8 mask.
- ``loadRes(resFile)``: a result set (path or list of result dicts) over the same videos and
  categories: each result gets ``id`` (1-based file position), ``areas`` (mask area per frame,
  None where absent), ``bboxes`` (given ones kept, the rest from the masks), ``avg_area`` (mean of
  the non-zero areas, 0 if none) and ``iscrowd`` 0.

Where this API differs (each a crash or an accident of the original):

- a single ``str`` argument is one name (officially a string is iterated, so ``catNms='person'``
  matched names that are substrings of ``'person'``); NumPy integers count as integer ids
  (officially ``loadAnns(np.int64(3))`` returns None);
- ``areaRng`` on ground truth uses the mean of the truthy ``areas`` when an annotation has no
  ``avg_area`` (officially ``KeyError`` until an evaluation has added it);
- ``loadRes`` copies the result dicts instead of editing the caller's in place, fills the
  result fields on first use, accepts every segmentation form the evaluator accepts (the
  original ``maskUtils.area`` crashes on uncompressed RLE) and raises ``InputError`` where the
  original asserts (results not a list, video ids not in the ground truth);
- ``annToRLE`` of a frame without a mask raises ``ValueError`` (officially ``TypeError``);
- nothing is printed (the original prints progress lines); ``info()`` writes to stdout.
"""

from __future__ import annotations

import copy
import itertools
import numbers
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from pycocotools import mask as mask_utils

from vistoolkit.data.json_io import read_json
from vistoolkit.data.records import Dataset, PredTrack
from vistoolkit.data.rle import to_rle
from vistoolkit.data.ytvis_io import parse_dataset, parse_predictions
from vistoolkit.errors import InputError


def _as_list(value: Any) -> list:
    """An argument as the official ``_isArrayLike`` sees it, but a string is one value."""
    if isinstance(value, (str, bytes)) or not (hasattr(value, "__iter__")
                                               and hasattr(value, "__len__")):
        return [value]
    return list(value)


def _avg_area(ann: dict) -> float:
    """``avg_area`` as given, else the official formula on ``areas``."""
    if "avg_area" in ann:
        return ann["avg_area"]
    kept = [a for a in ann.get("areas") or [] if a]
    return float(np.array(kept).mean()) if kept else 0


def _result_ann(ann: dict, index: int, height: int, width: int) -> dict:
    """A copy of one result dict with the fields the official ``loadRes`` adds."""
    out = dict(ann)
    boxes = list(out.get("bboxes") or [])
    areas: list = []
    for seg in out["segmentations"]:
        rle = to_rle(seg, height, width) if seg else None
        areas.append(int(mask_utils.area(rle)) if rle is not None else None)
        if len(boxes) < len(areas):
            boxes.append(None if rle is None else [float(v) for v in mask_utils.toBbox(rle)])
    kept = [a for a in areas if a]
    out.update(id=index + 1, areas=areas, bboxes=boxes,
               avg_area=float(np.array(kept).mean()) if kept else 0, iscrowd=0)
    return out


class YTVOS:
    """YouTube-VIS annotations (``annotation_file``: path) or, from ``loadRes``, results.

    Attributes besides the official ones: ``path`` (the file), ``records`` (the parsed
    ``Dataset`` of a ground-truth file) and ``results`` (the parsed ``PredTrack`` list of a
    result set), which ``vistoolkit.eval.compat.YTVOSeval`` evaluates.
    """

    def __init__(self, annotation_file: str | Path | None = None) -> None:
        self.path: str | Path | None = annotation_file
        self.records: Dataset | None = None
        self.results: list[PredTrack] | None = None
        self._dataset: dict = {}
        self._pending: list[dict] | None = None     # loadRes dicts, completed on first use
        self._index: dict[str, Any] | None = None
        if annotation_file is not None:
            raw = read_json(annotation_file)
            self.records = parse_dataset(raw, path=annotation_file)
            self._dataset = raw

    @property
    def dataset(self) -> dict:
        """The annotation JSON (for a result set: videos, categories, completed results)."""
        if self._pending is not None:
            vids = {v["id"]: v for v in self._dataset.get("videos", [])}
            self._dataset["annotations"] = [
                _result_ann(a, i, vids[a["video_id"]]["height"], vids[a["video_id"]]["width"])
                for i, a in enumerate(self._pending)]
            self._pending = None
        return self._dataset

    @dataset.setter
    def dataset(self, value: dict) -> None:
        self._dataset, self._pending, self._index = value, None, None

    def createIndex(self) -> None:  # official name
        """Build ``anns``, ``vids``, ``cats``, ``vidToAnns`` and ``catToVids``."""
        d = self.dataset
        vid_to_anns: defaultdict[int, list[dict]] = defaultdict(list)
        cat_to_vids: defaultdict[int, list[int]] = defaultdict(list)
        for ann in d.get("annotations", []):
            vid_to_anns[ann["video_id"]].append(ann)
            if "categories" in d:
                cat_to_vids[ann["category_id"]].append(ann["video_id"])
        self._index = {
            "anns": {a["id"]: a for a in d.get("annotations", [])},
            "vids": {v["id"]: v for v in d.get("videos", [])},
            "cats": {c["id"]: c for c in d.get("categories", [])},
            "vidToAnns": vid_to_anns, "catToVids": cat_to_vids,
        }

    def _get(self, name: str) -> Any:
        if self._index is None:
            self.createIndex()
        return self._index[name]

    anns = property(lambda self: self._get("anns"), doc="Annotations by id.")
    vids = property(lambda self: self._get("vids"), doc="Videos by id.")
    cats = property(lambda self: self._get("cats"), doc="Categories by id.")
    vidToAnns = property(lambda self: self._get("vidToAnns"),
                         doc="Video id -> its annotations, file order.")
    catToVids = property(lambda self: self._get("catToVids"),
                         doc="Category id -> video id of each of its annotations.")

    def info(self) -> None:
        """Write the ``info`` entries, one ``key: value`` a line (official contract: stdout)."""
        for key, value in self.dataset["info"].items():
            sys.stdout.write(f"{key}: {value}\n")

    def getAnnIds(self, vidIds: Any = [], catIds: Any = [], areaRng: Any = [],  # noqa: B006
                  iscrowd: Any = None) -> list[int]:
        """Ids of the annotations passing every given filter (module docstring)."""
        vid_ids, cat_ids, area_rng = _as_list(vidIds), _as_list(catIds), list(areaRng)
        anns = self.dataset.get("annotations", [])
        if vid_ids:
            index = self.vidToAnns
            anns = list(itertools.chain.from_iterable(index[v] for v in vid_ids if v in index))
        if cat_ids:
            anns = [a for a in anns if a["category_id"] in cat_ids]
        if area_rng:
            anns = [a for a in anns if area_rng[0] < _avg_area(a) < area_rng[1]]
        if iscrowd is not None:
            anns = [a for a in anns if a["iscrowd"] == iscrowd]
        return [a["id"] for a in anns]

    def getCatIds(self, catNms: Any = [], supNms: Any = [],  # noqa: B006
                  catIds: Any = []) -> list[int]:  # noqa: B006
        """Ids of the categories passing every given filter, file order."""
        names, sups, ids = _as_list(catNms), _as_list(supNms), _as_list(catIds)
        cats = self.dataset.get("categories", [])
        cats = [c for c in cats if not names or c["name"] in names]
        cats = [c for c in cats if not sups or c.get("supercategory") in sups]
        cats = [c for c in cats if not ids or c["id"] in ids]
        return [c["id"] for c in cats]

    def getVidIds(self, vidIds: Any = [], catIds: Any = []) -> list[int]:  # noqa: B006
        """Every video id, or those of ``vidIds`` having annotations of all ``catIds``."""
        vid_ids, cat_ids = _as_list(vidIds), _as_list(catIds)
        if not vid_ids and not cat_ids:
            return list(self.vids.keys())
        ids = set(vid_ids)
        for i, cat in enumerate(cat_ids):
            if i == 0 and len(ids) == 0:
                ids = set(self.catToVids.get(cat, ()))
            else:
                ids &= set(self.catToVids.get(cat, ()))
        return list(ids)

    @staticmethod
    def _load(table: dict, ids: Any) -> list[dict] | None:
        if isinstance(ids, numbers.Integral):
            return [table[ids]]
        if hasattr(ids, "__iter__") and hasattr(ids, "__len__"):
            return [table[i] for i in ids]
        return None

    def loadAnns(self, ids: Any = []) -> list[dict] | None:  # noqa: B006
        """Annotations of ``ids`` (a list, or one integer id)."""
        return self._load(self.anns, ids)

    def loadCats(self, ids: Any = []) -> list[dict] | None:  # noqa: B006
        """Categories of ``ids`` (a list, or one integer id)."""
        return self._load(self.cats, ids)

    def loadVids(self, ids: Any = []) -> list[dict] | None:  # noqa: B006
        """Videos of ``ids`` (a list, or one integer id)."""
        return self._load(self.vids, ids)

    def annToRLE(self, ann: dict, frameId: int) -> dict:
        """Frame ``frameId`` of ``ann`` as RLE: polygons merged into one, uncompressed RLE
        compressed, compressed RLE as it is.

        Raises:
            ValueError: the annotation has no mask on that frame.
        """
        video = self.vids[ann["video_id"]]
        seg = ann["segmentations"][frameId]
        if seg is None:
            raise ValueError(f"annotation {ann.get('id')} has no mask on frame {frameId}")
        if isinstance(seg, dict) and not isinstance(seg.get("counts"), list):
            return seg
        return to_rle(seg, video["height"], video["width"])

    def annToMask(self, ann: dict, frameId: int) -> np.ndarray:
        """Frame ``frameId`` of ``ann`` as a (H, W) uint8 binary mask."""
        return mask_utils.decode(self.annToRLE(ann, frameId))

    def loadRes(self, resFile: str | Path | list[dict]) -> YTVOS:
        """A result set over this ground truth's videos and categories (module docstring).

        Raises:
            InputError: the results are not a list of result objects, or name a video that is
                not in the ground truth.
        """
        res = YTVOS()
        res.records = self.records
        if isinstance(resFile, (str, Path)):
            res.path, raw = resFile, read_json(resFile)
        else:
            raw = resFile
        res.results = parse_predictions(raw, path=resFile if res.path else "<memory>")
        unknown = sorted({p.video_id for p in res.results} - set(self.vids))
        if unknown:
            raise InputError("Results do not correspond to current coco set: video id(s) "
                             f"{', '.join(map(str, unknown[:5]))} not in the ground truth",
                             path=res.path)
        res._dataset = {"videos": list(self.dataset["videos"]),
                        "categories": copy.deepcopy(self.dataset.get("categories", []))}
        res._pending = list(raw)
        return res
