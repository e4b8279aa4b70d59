"""Metric plug-ins: the registry, the shared per-video data, and a metric added from outside."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from vistoolkit.data.ytvis_io import load_gt, load_preds
from vistoolkit.eval import EvalParams, evaluate
from vistoolkit.eval.input_checks import check_inputs
from vistoolkit.eval.metrics import METRICS, EvalData, Metric, VideoData, make_metric
from vistoolkit.eval.metrics.data import eval_data
from vistoolkit.eval.overlap_phase import compute_overlaps
from vistoolkit.eval.pipeline import prepare
from vistoolkit.eval.tables import build_tables

REF = Path(os.environ.get("VISTOOLKIT_YTVIS_REF",
                          Path(__file__).resolve().parent / "data" / "ytvis_ref"))
pytestmark = pytest.mark.skipif(not (REF / "official_metrics.json").exists(),
                                reason="ytvis_ref fixtures not found")


def _data(case: str) -> EvalData:
    gt, _ = load_gt(REF / f"{case}_gt.json")
    preds, _ = load_preds(REF / f"{case}_pred.json")
    report = check_inputs(gt, preds, gt_path=None, pred_path=None)
    params = EvalParams()
    tables = build_tables(gt, preds, max_det=params.max_det)
    prep = prepare(tables, compute_overlaps(tables, gt, preds, report).overlaps)
    params = EvalParams(category_ids=tables.category_ids, video_ids=tables.video_ids)
    names = gt.category_index()
    return eval_data(prep, params, tuple(names[c].name for c in tables.category_ids))


class CountGT(Metric[int]):
    """The docstring example of ``vistoolkit.eval.metrics.base``."""

    name = "count-gt"

    def evaluate_video(self, video: VideoData) -> int:
        return int((~video.gt_crowd).sum())

    def combine(self, per_video: Sequence[int], data: EvalData) -> dict[str, float]:
        return {"n_gt": float(sum(per_video))}


def test_metrics_registry_maps_each_name_to_its_class():
    assert list(METRICS) == ["summary", "per-category", "per-video", "length", "short-long",
                             "instances", "hota", "errors", "video-ap", "video-curves", "ovis",
                             "ytvis2022"]
    assert all(cls.name == name for name, cls in METRICS.items())


def test_make_metric_unknown_name_raises_value_error():
    with pytest.raises(ValueError, match="unknown metric 'mota'; choose from summary, "):
        make_metric("mota")


def test_make_metric_passes_only_the_options_a_metric_has():
    assert make_metric("short-long", long_threshold=3).long_threshold == 3
    assert make_metric("length", long_threshold=3).name == "length"


def test_evaluate_unknown_breakdown_raises_before_reading_files():
    with pytest.raises(ValueError, match="unknown breakdown 'summary'; choose from length, "
                                         "short-long"):
        evaluate("/nonexistent/gt.json", "/nonexistent/pred.json", breakdowns=("summary",))


def test_metric_added_outside_the_registry_computes_from_shared_data():
    data = _data("case02")
    got = CountGT().compute(data)
    assert got == {"n_gt": float(evaluate(REF / "case02_gt.json", REF / "case02_pred.json")
                                 .per_category.n_gt.sum())}


@pytest.mark.parametrize("case", ("case02", "case04", "case05"))
def test_video_data_matching_is_consistent_with_ious(case):
    data = _data(case)
    thrs = data.params.match_thrs
    for v in data.videos:
        n_det, n_gt = v.iou.shape
        assert v.match.shape == v.tp.shape == v.fp.shape == (len(data.params.area_rngs),
                                                             len(thrs), n_det)
        assert v.gt_ignore.shape == (len(data.params.area_rngs), n_gt)
        assert not (v.tp & v.fp).any()
        a, t, d = np.nonzero(v.match >= 0)
        g = v.match[a, t, d]
        assert (v.iou[d, g] >= thrs[t]).all()
        assert (v.det_category[d] == v.gt_category[g]).all()
        assert (v.match[v.tp] >= 0).all()
        assert np.array_equal(np.sort(v.det_rank[v.det_category == 0]),
                              np.arange((v.det_category == 0).sum()))


@pytest.mark.parametrize("case", ("case02", "case04"))
def test_rematch_with_the_area_ranges_reproduces_the_official_accumulation(case):
    data = _data(case)
    p = data.params
    gt_out = [p.area_out(v.gt_area) for v in data.videos]
    det_out = [p.area_out(v.det_area) for v in data.videos]
    bparams, acc = data.rematch(gt_out, det_out, labels=p.area_labels)
    assert bparams.area_labels == p.area_labels
    for name in ("precision", "recall", "scores"):
        np.testing.assert_array_equal(getattr(acc, name), getattr(data.official, name))
