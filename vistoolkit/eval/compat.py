"""Drop-in names of the official evaluator (``pycocotools.ytvos`` / ``ytvoseval``).

Scripts switch by changing their import::

    from vistoolkit.eval.compat import YTVOS, YTVOSeval

    gt = YTVOS("valid.json")
    dt = gt.loadRes("results.json")          # a path or a list of result dicts
    E = YTVOSeval(gt, dt, "segm")
    E.params.catIds = [1, 4]                 # optional, as officially
    E.evaluate(); E.accumulate(); E.summarize()
    E.stats, E.eval["precision"]

The numbers and arrays are the official ones, with the official -1 where a value is
undefined (``vistoolkit.eval.evaluate`` gives NaN there). Inputs are checked first
(``lenient=True`` on ``YTVOSeval`` accepts what ``vistool eval --lenient`` accepts).
``summarize`` writes the 12-line block to stdout because that is its official contract. ``useCats=0`` and ``iouType`` other than
``"segm"`` are not supported.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from vistoolkit.data.records import Dataset, PredTrack
from vistoolkit.data.ytvis_io import dataset_to_json, load_gt, load_predictions, parse_predictions
from vistoolkit.eval.evaluate import evaluate
from vistoolkit.eval.params import EvalParams
from vistoolkit.eval.result import EvalResult
from vistoolkit.eval.summary import nan_to_official


class YTVOS:
    """Ground truth (``annotation_file``: path) or, from ``loadRes``, a result set."""

    def __init__(self, annotation_file: str | Path | None = None) -> None:
        self.path: str | Path | None = annotation_file
        self.records: Dataset | None = None
        self.results: list[PredTrack] | None = None
        if annotation_file is not None:
            self.records, _ = load_gt(annotation_file)

    @property
    def dataset(self) -> dict:
        """The annotation file as a JSON object (built on access)."""
        return dataset_to_json(self.records) if self.records is not None else {}

    def getVidIds(self) -> list[int]:  # official name
        return [v.id for v in self.records.videos]

    def getCatIds(self) -> list[int]:  # official name
        return [c.id for c in self.records.categories]

    def loadRes(self, resFile: str | Path | list[dict]) -> YTVOS:
        """A result set bound to this ground truth (checked when evaluated)."""
        res = YTVOS()
        res.records = self.records
        if isinstance(resFile, (str, Path)):
            res.path = resFile
            res.results = load_predictions(resFile)
        else:
            res.results = parse_predictions(list(resFile))
        return res


class Params:
    """Official ``Params`` attributes (segm defaults); edit them before ``evaluate``."""

    def __init__(self, iouType: str = "segm") -> None:
        d = EvalParams()
        self.vidIds: list[int] = []
        self.catIds: list[int] = []
        self.iouThrs = d.iou_thrs.copy()
        self.recThrs = d.rec_thrs.copy()
        self.maxDets = list(d.max_dets)
        self.areaRng = [list(r) for r in d.area_rngs]
        self.areaRngLbl = list(d.area_labels)
        self.useCats = 1
        self.iouType = iouType
        self.useSegm = None

    def to_eval_params(self) -> EvalParams:
        if self.useCats != 1 or self.iouType != "segm":
            raise ValueError("only iouType='segm' with useCats=1 is supported")
        return EvalParams(iou_thrs=np.asarray(self.iouThrs), rec_thrs=np.asarray(self.recThrs),
                          max_dets=tuple(sorted(self.maxDets)),
                          area_rngs=tuple(tuple(r) for r in self.areaRng),
                          area_labels=tuple(self.areaRngLbl),
                          category_ids=tuple(self.catIds) or None,
                          video_ids=tuple(self.vidIds) or None)


class YTVOSeval:
    """``evaluate`` computes everything; ``accumulate`` fills ``eval``; ``summarize`` ``stats``."""

    def __init__(self, cocoGt: YTVOS | None = None, cocoDt: YTVOS | None = None,
                 iouType: str = "segm", *, lenient: bool = False) -> None:
        self.cocoGt, self.cocoDt = cocoGt, cocoDt
        self.params = Params(iouType)
        self.lenient = lenient
        self.result: EvalResult | None = None
        self.eval: dict[str, Any] = {}
        self.stats: np.ndarray = np.zeros(0)
        if cocoGt is not None:
            self.params.vidIds = sorted(cocoGt.getVidIds())
            self.params.catIds = sorted(cocoGt.getCatIds())

    def evaluate(self) -> None:
        gt = self.cocoGt.path if self.cocoGt.path is not None else self.cocoGt.records
        preds = self.cocoDt.results if self.cocoDt.path is None else self.cocoDt.path
        self.result = evaluate(gt, preds, params=self.params.to_eval_params(),
                               lenient=self.lenient)

    def accumulate(self) -> None:
        if self.result is None:
            raise RuntimeError("call evaluate() before accumulate()")
        r = self.result
        self.eval = {"params": self.params, "counts": list(r.precision.shape),
                     "precision": nan_to_official(r.precision),
                     "recall": nan_to_official(r.recall), "scores": nan_to_official(r.scores)}

    def summarize(self) -> None:
        if not self.eval:
            raise RuntimeError("call accumulate() before summarize()")
        self.stats = nan_to_official(self.result.stats_array)
        sys.stdout.write(self.result.summary() + "\n")
