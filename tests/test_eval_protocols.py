"""Golden tests of the evaluation protocols against reference evaluators (``ytvis_ref``), 1e-12:
class-agnostic (official ``useCats = 0``), OVIS (qjy981010/cocoapi ``OVISeval``) and the
YouTube-VIS 2022 short/long split (the official evaluator run on each subset alone)."""

from __future__ import annotations

import dataclasses
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import box_rle, make_gt, make_pred

from vistoolkit.data.ytvis_io import load_gt, load_preds
from vistoolkit.errors import InputError
from vistoolkit.eval import EvalParams, evaluate
from vistoolkit.eval.metrics.data import eval_data
from vistoolkit.eval.metrics.ovis import OVIS_STAT_KEYS, ovis_arrays
from vistoolkit.eval.occlusion import occlusion_score
from vistoolkit.eval.pipeline import prepare
from vistoolkit.eval.summary import nan_to_official
from vistoolkit.eval.tables import build_tables
from vistoolkit.eval.video_iou import video_overlaps

REF = Path(os.environ.get("VISTOOLKIT_YTVIS_REF",
                          Path(__file__).resolve().parent / "data" / "ytvis_ref"))
OVIS = REF / "ovis"
CASES = ("case01", "case02", "case03", "case04", "case05")
OVIS_CASES = ("ovis01", "ovis02", "ovis03")
pytestmark = pytest.mark.skipif(not (REF / "agnostic_metrics.json").exists(),
                                reason="ytvis_ref fixtures not found")


def _official(stats: dict[str, float]) -> dict[str, float]:
    return {k: -1.0 if math.isnan(v) else v for k, v in stats.items()}


def _json(path: Path) -> dict:
    return json.loads(path.read_text())


# --- class-agnostic ------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES)
def test_class_agnostic_matches_official_use_cats_0(case):
    want = _json(REF / "agnostic_metrics.json")["cases"][case]
    arrays = np.load(REF / "agnostic_arrays" / f"{case}.npz")
    res = evaluate(REF / f"{case}_gt.json", REF / f"{case}_pred.json", use_cats=False)
    assert list(res.stats) == list(want["stats_named"])
    np.testing.assert_allclose(nan_to_official(res.stats_array), want["stats"], rtol=0,
                               atol=1e-12)
    for name in ("precision", "recall", "scores"):
        got = getattr(res, name)
        assert got.shape == arrays[name].shape
        np.testing.assert_allclose(nan_to_official(got), arrays[name], rtol=0, atol=1e-12,
                                   err_msg=name)
    assert res.params.category_ids == (-1,) and not res.params.use_cats
    assert res.per_category["name"].tolist() == ["all categories"]


def test_class_agnostic_cut_is_per_video_across_categories():
    # case05: 250 predictions in 2 videos; the categorical cut keeps 100 per (video, category)
    cat = evaluate(REF / "case05_gt.json", REF / "case05_pred.json")
    agn = evaluate(REF / "case05_gt.json", REF / "case05_pred.json", use_cats=False)
    assert agn.per_category["n_pred"].item() == 250
    assert agn.stats["AR100"] != cat.stats["AR100"]


@pytest.mark.parametrize("reverse", [False, True])
def test_class_agnostic_tie_order_is_category_id_then_file_order(reverse, write_json):
    # one GT (category 2); tied predictions: a miss of category 1, a hit of category 2. The
    # pooled list is in category id order, so the miss ranks first whatever the file order.
    hit, miss = box_rle(8, 8, 0, 0, 4, 4), box_rle(8, 8, 4, 4, 8, 8)
    gt = make_gt([(1, 8, 8, 1)], [{"id": 1, "video_id": 1, "category_id": 2,
                                   "segmentations": [hit]}])
    preds = [make_pred(1, 1, 0.9, [miss]), make_pred(1, 2, 0.9, [hit])]
    res = evaluate(write_json("gt.json", gt),
                   write_json("p.json", preds[::-1] if reverse else preds), use_cats=False)
    assert res.stats["AP"] == pytest.approx(0.5, abs=1e-12)        # FP then TP: precision 1/2
    assert evaluate(write_json("gt.json", gt), write_json("p.json", preds)).stats["AP"] == \
        pytest.approx(1.0, abs=1e-12)                               # categorical: the hit only


def test_class_agnostic_unknown_category_refused_then_dropped_with_lenient(tmp_path):
    preds = _json(REF / "case01_pred.json")
    extra = dict(preds[0], category_id=99, score=0.99)
    (tmp_path / "p.json").write_text(json.dumps(preds + [extra]))
    with pytest.raises(InputError, match="category"):
        evaluate(REF / "case01_gt.json", tmp_path / "p.json", use_cats=False)
    res = evaluate(REF / "case01_gt.json", tmp_path / "p.json", use_cats=False, lenient=True)
    want = _json(REF / "agnostic_metrics.json")["cases"]["case01"]["stats"]
    np.testing.assert_allclose(nan_to_official(res.stats_array), want, rtol=0, atol=1e-12)


# --- OVIS ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ovis_ref() -> dict:
    return _json(OVIS / "ovis_metrics.json")


@pytest.mark.parametrize("case", OVIS_CASES)
def test_ovis_protocol_matches_ovis_evaluator_stats(case, ovis_ref):
    want = ovis_ref["cases"][case]
    res = evaluate(OVIS / f"{case}_gt.json", OVIS / f"{case}_pred.json", protocol="ovis")
    assert tuple(res.stats) == OVIS_STAT_KEYS == tuple(ovis_ref["stats_names"])
    got = _official(res.stats)
    np.testing.assert_allclose([got[k] for k in OVIS_STAT_KEYS], want["stats"], rtol=0,
                               atol=1e-12)
    per_cat = dict(zip(res.per_category.category_id, res.per_category.AP))
    for cid, ap in want["per_category_ap"].items():
        assert (math.isnan(per_cat[int(cid)]) if ap is None
                else abs(per_cat[int(cid)] - ap) <= 1e-12)


def _eval_data(gt_path: Path, pred_path: Path):
    gt, _ = load_gt(gt_path)
    preds, _ = load_preds(pred_path)
    tables = build_tables(gt, preds, max_det=100)
    prep = prepare(tables, [video_overlaps(it.video, it.gt_tracks, it.preds)
                            for it in tables.videos])
    params = dataclasses.replace(EvalParams(), category_ids=tables.category_ids,
                                 video_ids=tables.video_ids)
    return eval_data(prep, params, tuple(map(str, tables.category_ids)))


@pytest.mark.parametrize("case", OVIS_CASES)
def test_ovis_arrays_match_all_area_occlusion_pairs(case):
    want = np.load(OVIS / "ovis_arrays" / f"{case}.npz")
    acc = ovis_arrays(_eval_data(OVIS / f"{case}_gt.json", OVIS / f"{case}_pred.json"))
    assert acc.precision.shape == want["precision"].shape
    np.testing.assert_allclose(nan_to_official(acc.precision), want["precision"], rtol=0,
                               atol=1e-12)
    np.testing.assert_allclose(nan_to_official(acc.recall), want["recall"], rtol=0, atol=1e-12)


@pytest.mark.parametrize("case", OVIS_CASES)
def test_ovis_occlusion_scores_match_the_evaluator(case, ovis_ref):
    gt, _ = load_gt(OVIS / f"{case}_gt.json")
    got = {str(t.id): occlusion_score(t.extra["occlusion"]) for t in gt.tracks}
    assert got == ovis_ref["cases"][case]["gt_occ_score"]


def test_occlusion_score_top_half_mean_by_hand():
    assert occlusion_score(["no_occlusion", "severe_occlusion", None]) == 0.75   # top 1 of 2
    assert occlusion_score(["no_occlusion", "slight_occlusion", "severe_occlusion"]) == 0.5
    assert occlusion_score(["slight_occlusion"] * 3 + ["no_occlusion"]) == 0.25


@pytest.mark.parametrize("case", ("case01", "case04"))
def test_ovis_on_ytvis_labelled_no_occlusion_equals_official(case, tmp_path):
    gt = _json(REF / f"{case}_gt.json")
    for ann in gt["annotations"]:
        ann["occlusion"] = ["no_occlusion"] * len(ann["segmentations"])
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    res = evaluate(tmp_path / "gt.json", REF / f"{case}_pred.json", protocol="ovis")
    want = _json(REF / "official_metrics.json")["cases"][case]["stats_named"]
    got = _official(res.stats)
    assert {k: got[k] for k in want} == pytest.approx(want, abs=1e-12)
    assert got["AP_light"] == got["AP"] and got["AP_medium"] == got["AP_heavy"] == -1.0


@pytest.mark.parametrize(("labels", "message"), [
    (None, "no 'occlusion' labels"),
    ([None, None, None, None], "no frame has an occlusion label"),
    ([], "no frame has an occlusion label"),
    ([0, 0.25, 0.75, 0], "unknown occlusion label 0"),
    ("no_occlusion", "'occlusion' must be a list"),
])
def test_ovis_bad_occlusion_labels_raise_input_error(labels, message, tmp_path):
    gt = _json(OVIS / "ovis01_gt.json")
    if labels is None:
        del gt["annotations"][1]["occlusion"]
    else:
        gt["annotations"][1]["occlusion"] = labels
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    with pytest.raises(InputError, match=message) as err:
        evaluate(tmp_path / "gt.json", OVIS / "ovis01_pred.json", protocol="ovis")
    assert "annotation id=2" in str(err.value) and "\n" not in str(err.value)


def test_ovis_protocol_unknown_name_raises_value_error():
    with pytest.raises(ValueError, match="unknown protocol 'coco'"):
        evaluate(REF / "case01_gt.json", REF / "case01_pred.json", protocol="coco")


# --- YouTube-VIS 2022 long videos ------------------------------------------------------------

@pytest.mark.parametrize("case", ("case02", "case04", "case05"))
def test_long_videos_match_official_evaluator_on_each_subset(case):
    want = _json(REF / "ytvis2022_official.json")["cases"][case]
    res = evaluate(REF / f"{case}_gt.json", REF / f"{case}_pred.json",
                   long_videos=want["long_video_ids"])
    got = res.long_videos
    assert got["mAP"] == pytest.approx(want["mAP"], abs=1e-12)
    for subset in ("S", "L"):
        for key, value in want[subset].items():
            assert abs(got[f"{key}_{subset}"] - value) <= 1e-12, (key, subset)


def test_long_videos_equal_plain_evaluation_of_each_subset(tmp_path):
    gt, preds = _json(REF / "case04_gt.json"), _json(REF / "case04_pred.json")
    res = evaluate(REF / "case04_gt.json", REF / "case04_pred.json", long_videos=[3, 4])
    for subset, vids in (("S", {1, 2}), ("L", {3, 4})):
        sub = dict(gt, videos=[v for v in gt["videos"] if v["id"] in vids],
                   annotations=[a for a in gt["annotations"] if a["video_id"] in vids])
        (tmp_path / "g.json").write_text(json.dumps(sub))
        (tmp_path / "p.json").write_text(json.dumps([p for p in preds if p["video_id"] in vids]))
        plain = evaluate(tmp_path / "g.json", tmp_path / "p.json").stats
        for key in ("AP", "AP50", "AP75", "AR1", "AR10"):
            assert res.long_videos[f"{key}_{subset}"] == plain[key]
    assert res.stats == evaluate(REF / "case04_gt.json", REF / "case04_pred.json").stats


def test_long_videos_file_with_unknown_ids_raises_one_line(tmp_path):
    ids = tmp_path / "long.txt"
    ids.write_text("3\n# comment\n\n7\n9\n")
    with pytest.raises(InputError, match=r"2 video id\(s\) not in the ground truth") as err:
        evaluate(REF / "case04_gt.json", REF / "case04_pred.json", long_videos=ids)
    assert str(err.value).startswith(str(ids)) and str(err.value).endswith(": 7, 9")


def test_long_videos_file_with_non_integer_line_raises(tmp_path):
    ids = tmp_path / "long.txt"
    ids.write_text("3\nfour\n")
    with pytest.raises(InputError, match="line 2: expected one video id"):
        evaluate(REF / "case04_gt.json", REF / "case04_pred.json", long_videos=ids)


def test_long_videos_all_long_leaves_short_subset_nan():
    res = evaluate(REF / "case04_gt.json", REF / "case04_pred.json", long_videos=[1, 2, 3, 4])
    assert math.isnan(res.long_videos["AP_S"]) and math.isnan(res.long_videos["mAP"])
    assert res.long_videos["AP_L"] == res.stats["AP"]


def test_class_agnostic_tie_warning_names_the_pooled_order():
    res = evaluate(REF / "case02_gt.json", REF / "case02_pred.json", use_cats=False)
    assert any("(categories pooled): their order (video id, category id, file order)" in w
               for w in res.warnings)
