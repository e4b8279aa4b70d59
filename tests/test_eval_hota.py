"""HOTA plug-in: TrackEval's YouTube-VIS numbers on every fixture, and hand-computed cases."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from conftest import REF_DIR, box_rle, make_gt, make_pred

from vistoolkit.eval import evaluate
from vistoolkit.eval.analysis import hota_scores, stats_with_hota
from vistoolkit.eval.hota import ALPHAS, FIELDS, sequence_counts
from vistoolkit.eval.metrics.hota import format_hota

REF = json.loads((REF_DIR / "hota_metrics.json").read_text())["cases"]
SCOPES = {"cls_comb_cls_av": "class_averaged", "cls_comb_det_av": "detection_averaged"}


@pytest.mark.parametrize("case", sorted(REF))
def test_hota_fixture_equals_trackeval_every_field(case):
    ref = REF[case]
    got = hota_scores(REF_DIR / f"{case}_gt.json", REF_DIR / f"{case}_pred.json")
    for te_scope, scope in SCOPES.items():
        for k in FIELDS:
            assert got[scope][k] == pytest.approx(ref["combined"][te_scope][k], abs=1e-12), \
                (scope, k)
    assert set(got["per_class"]) == set(ref["per_class"])
    for cid, row in ref["per_class"].items():
        for k in FIELDS:
            assert got["per_class"][cid][k] == pytest.approx(row[k], abs=1e-12), (cid, k)


def test_hota_case05_keeps_predictions_past_the_official_100_cut():
    preds = json.loads((REF_DIR / "case05_pred.json").read_text())
    counts: dict[tuple[int, int], int] = {}
    for p in preds:
        key = (p["video_id"], p["category_id"])
        counts[key] = counts.get(key, 0) + 1
    assert max(counts.values()) > 100        # the official evaluator cuts these, TrackEval not
    res = evaluate(REF_DIR / "case05_gt.json", REF_DIR / "case05_pred.json", breakdowns=("hota",))
    det = res.breakdowns["hota"].set_index("scope").loc["detection_averaged"]
    assert det.HOTA == pytest.approx(REF["case05"]["combined"]["cls_comb_det_av"]["HOTA"],
                                     abs=1e-12)


def test_sequence_identity_switch_halves_assa():
    # one GT track over 4 frames, two predicted tracks covering frames 0-1 and 2-3 exactly
    gt = [np.array([0])] * 4
    det = [np.array([0]), np.array([0]), np.array([1]), np.array([1])]
    sim = [np.ones((1, 1))] * 4
    c = sequence_counts(gt, det, sim).fields()
    assert np.allclose(c["DetA"], 1.0) and np.allclose(c["LocA"], 1.0)
    assert np.allclose(c["AssA"], 0.5)      # each TP: |TPA| 2 / (2 + |FNA| 2 + |FPA| 0)
    assert np.allclose(c["AssRe"], 0.5) and np.allclose(c["AssPr"], 1.0)
    assert np.allclose(c["HOTA"], math.sqrt(0.5))


def test_sequence_localisation_sets_the_alphas_reached():
    # IoU 0.5 in every frame: a TP for the alphas up to 0.5 (10 of 19), FN + FP above
    gt, det = [np.array([0])] * 2, [np.array([0])] * 2
    c = sequence_counts(gt, det, [np.full((1, 1), 0.5)] * 2)
    reached = ALPHAS <= 0.5 + 1e-12
    assert reached.sum() == 10
    assert np.array_equal(c.tp, np.where(reached, 2.0, 0.0))
    assert np.array_equal(c.fn, np.where(reached, 0.0, 2.0))
    assert np.allclose(c.fields()["DetA"], np.where(reached, 1.0, 0.0))


def _tiny(pred_segs: list, *, score: float = 0.9) -> tuple[dict, list]:
    a = box_rle(8, 8, 0, 0, 4, 4)
    gt = make_gt([(1, 8, 8, 2)], [{"id": 1, "video_id": 1, "category_id": 1,
                                   "segmentations": [a, a]}])
    return gt, [make_pred(1, 1, score, pred_segs)]


def test_hota_empty_rle_prediction_counts_as_a_false_positive(write_json):
    a = box_rle(8, 8, 0, 0, 4, 4)
    empty = box_rle(8, 8, 0, 0, 0, 0)
    gt, preds = _tiny([a, empty])
    got = hota_scores(write_json("g.json", gt), write_json("p.json", preds))
    det = got["detection_averaged"]
    # frame 0: TP; frame 1: the GT is an FN and the empty mask an FP (TrackEval's rule)
    assert det["DetA"] == pytest.approx(1 / 3) and det["DetRe"] == pytest.approx(0.5)
    gt, preds = _tiny([a, None])
    assert hota_scores(write_json("g2.json", gt), write_json("p2.json", preds))[
        "detection_averaged"]["DetA"] == pytest.approx(0.5)


def test_hota_absent_category_averages_as_zero(write_json):
    a = box_rle(8, 8, 0, 0, 4, 4)
    gt, preds = _tiny([a, a])
    got = hota_scores(write_json("g.json", gt), write_json("p.json", preds))
    assert got["per_class"]["1"]["HOTA"] == pytest.approx(1.0)
    assert got["per_class"]["2"]["HOTA"] == 0.0 and got["per_class"]["2"]["LocA"] == 1.0
    assert got["class_averaged"]["HOTA"] == pytest.approx(0.5)
    assert got["detection_averaged"]["HOTA"] == pytest.approx(1.0)


def test_stats_with_hota_adds_the_class_averaged_assa(write_json):
    a = box_rle(8, 8, 0, 0, 4, 4)
    gt, preds = _tiny([a, a])
    out = stats_with_hota(write_json("g.json", gt), write_json("p.json", preds))
    assert out["AssA"] == pytest.approx(0.5) and "AP" in out and "LocA" in out


def test_hota_json_and_text_forms():
    res = evaluate(REF_DIR / "case02_gt.json", REF_DIR / "case02_pred.json", breakdowns=("hota",))
    out = res.to_dict()
    assert set(out["hota"]) == {"class_averaged", "detection_averaged", "per_class"}
    assert "hota" not in out["breakdowns"]
    text = format_hota(res.breakdowns["hota"])
    assert text.splitlines()[1].startswith("class_averaged     |  40.2 |  33.9 |  49.3")
