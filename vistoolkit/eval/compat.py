"""Drop-in names of the official evaluator (``pycocotools.ytvos`` / ``ytvoseval``).

Scripts switch by changing their import::

    from vistoolkit.eval.compat import YTVOS, YTVOSeval

    gt = YTVOS("valid.json")
    dt = gt.loadRes("results.json")          # a path or a list of result dicts
    E = YTVOSeval(gt, dt, "segm")
    E.params.catIds = [1, 4]                 # optional, as officially
    E.evaluate(); E.accumulate(); E.summarize()
    E.stats, E.eval["precision"]

``YTVOS`` is the whole official dataset API (``getVidIds``, ``getAnnIds``, ``getCatIds``,
``loadVids``, ``loadAnns``, ``loadCats``, ``annToRLE``, ``annToMask``, ``loadRes``, the ``dataset``
/ ``anns`` / ``vids`` / ``cats`` / ``vidToAnns`` / ``catToVids`` tables; see
``vistoolkit.data.ytvos_api``), so a dataset loader switches by one import too.

The numbers and arrays are the official ones, with the official -1 where a value is
undefined (``vistoolkit.eval.evaluate`` gives NaN there). Inputs are checked first
(``lenient=True`` on ``YTVOSeval`` accepts what ``vistool eval --lenient`` accepts).
``summarize`` writes the 12-line block to stdout because that is its official contract.
``params.useCats = 0`` is the official class-agnostic mode; ``iouType="bbox"`` is our tube-box
IoU (the official bbox branch cannot run, ``vistoolkit.eval.tube_box``).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from vistoolkit.data.ytvos_api import YTVOS
from vistoolkit.eval.evaluate import evaluate
from vistoolkit.eval.params import EvalParams
from vistoolkit.eval.result import EvalResult
from vistoolkit.eval.summary import nan_to_official


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
        """These settings as ``EvalParams`` (``useSegm``, when set, decides ``iouType`` as
        officially).

        Raises:
            ValueError: an ``iouType`` other than ``"segm"`` or ``"bbox"``.
        """
        iou_type = self.iouType if self.useSegm is None else (
            "segm" if self.useSegm == 1 else "bbox")
        if iou_type not in ("segm", "bbox"):
            raise ValueError(f"iouType {iou_type!r} is not supported (segm or bbox)")
        return EvalParams(iou_thrs=np.asarray(self.iouThrs), rec_thrs=np.asarray(self.recThrs),
                          max_dets=tuple(sorted(self.maxDets)),
                          area_rngs=tuple(tuple(r) for r in self.areaRng),
                          area_labels=tuple(self.areaRngLbl),
                          category_ids=tuple(self.catIds) or None,
                          video_ids=tuple(self.vidIds) or None, iou_type=iou_type,
                          use_cats=bool(self.useCats))


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
        if not self.params.useCats:
            self.params.catIds = [-1]                # as the official accumulate does
        self.eval = {"params": self.params, "counts": list(r.precision.shape),
                     "precision": nan_to_official(r.precision),
                     "recall": nan_to_official(r.recall), "scores": nan_to_official(r.scores)}

    def summarize(self) -> None:
        if not self.eval:
            raise RuntimeError("call accumulate() before summarize()")
        self.stats = nan_to_official(self.result.stats_array)
        sys.stdout.write(self.result.summary() + "\n")
