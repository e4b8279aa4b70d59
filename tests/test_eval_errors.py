"""TIVE error analysis on the official AP50: one hand-built case per error type, where that
error is the only one present, so its dAP is the whole gap and every other main dAP is 0;
parity with TIVE where TIVE's AP equals the official one; per-video AP."""

from __future__ import annotations

import json

import pytest
from conftest import REF_DIR, box_rle, make_gt, make_pred

from vistoolkit.eval import evaluate
from vistoolkit.eval.analysis import error_analysis
from vistoolkit.eval.metrics.errors import errors_json, format_errors
from vistoolkit.eval.tive import MAIN_ERRORS

H = W = 20
L = 10
A = box_rle(H, W, 0, 0, 5, 5)         # GT A (category 1)
B = box_rle(H, W, 10, 10, 15, 15)     # GT B (category 1, or 2 in the Both case)
NEAR_B = box_rle(H, W, 10, 13, 15, 18)  # IoU 10 / 40 = 0.25 with B in every frame
FAR = box_rle(H, W, 0, 14, 5, 19)       # overlaps nothing


def _gt(b_category: int = 1) -> dict:
    return make_gt([(1, H, W, L)], [
        {"id": 1, "video_id": 1, "category_id": 1, "segmentations": [A] * L},
        {"id": 2, "video_id": 1, "category_id": b_category, "segmentations": [B] * L}])


CASES = {
    # B predicted with the wrong category
    "Cls": (_gt(), [make_pred(1, 1, .9, [A] * L), make_pred(1, 2, .8, [B] * L)]),
    # a second copy of A ranked above B's true positive
    "Dupe": (_gt(), [make_pred(1, 1, .9, [A] * L), make_pred(1, 1, .8, [A] * L),
                     make_pred(1, 1, .7, [B] * L)]),
    # B found in every frame but badly localised (IoU 0.25 per frame)
    "Spat": (_gt(), [make_pred(1, 1, .9, [A] * L), make_pred(1, 1, .8, [NEAR_B] * L)]),
    # B found exactly, but only in 3 of its 10 frames (video IoU 0.3)
    "Temp": (_gt(), [make_pred(1, 1, .9, [A] * L),
                     make_pred(1, 1, .8, [B] * 3 + [None] * (L - 3))]),
    # a category-1 prediction partly on the category-2 GT: wrong class and place
    "Both": (_gt(b_category=2), [make_pred(1, 2, .9, [B] * L), make_pred(1, 1, .8, [NEAR_B] * L),
                                 make_pred(1, 1, .7, [A] * L)]),
    # a prediction where there is nothing, ranked above B's true positive
    "Bkg": (_gt(), [make_pred(1, 1, .9, [A] * L), make_pred(1, 1, .8, [FAR] * L),
                    make_pred(1, 1, .7, [B] * L)]),
    # B never predicted
    "Miss": (_gt(), [make_pred(1, 1, .9, [A] * L)]),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_errors_single_error_type_takes_the_whole_gap(kind, write_json):
    gt, preds = CASES[kind]
    g, p = write_json("gt.json", gt), write_json("pred.json", preds)
    res = evaluate(g, p, breakdowns=("errors",))
    table = res.breakdowns["errors"].set_index("error")
    base, fixed = table.loc["none", "AP"], table.loc["all", "AP"]
    assert base == res.stats["AP50"]
    assert fixed == pytest.approx(1.0, abs=1e-12) and fixed - base > 0.1
    assert table.loc[kind, "dAP"] == pytest.approx(fixed - base, abs=1e-12)
    assert table.loc[kind, "count"] == 1
    for other in MAIN_ERRORS:
        if other != kind:
            assert table.loc[other, "dAP"] == 0.0, other
            assert table.loc[other, "count"] == 0, other


def test_errors_no_error_on_a_perfect_result(write_json):
    gt = _gt()
    preds = [make_pred(1, 1, .9, [A] * L), make_pred(1, 1, .8, [B] * L)]
    table = evaluate(write_json("g.json", gt), write_json("p.json", preds),
                     breakdowns=("errors",)).breakdowns["errors"]
    assert (table["count"] == 0).all() and (table.dAP.abs() < 1e-15).all()


def test_errors_only_the_best_scoring_fix_of_a_gt_becomes_a_true_positive(write_json):
    # two badly localised predictions of B: one Spat error turns into B's TP, the other goes
    gt = _gt()
    preds = [make_pred(1, 1, .9, [A] * L), make_pred(1, 1, .8, [NEAR_B] * L),
             make_pred(1, 1, .75, [NEAR_B] * L)]
    table = evaluate(write_json("g.json", gt), write_json("p.json", preds),
                     breakdowns=("errors",)).breakdowns["errors"].set_index("error")
    assert table.loc["Spat", "count"] == 2
    assert table.loc["Spat", "AP"] == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("case", ["case01", "case04"])
def test_errors_equal_tive_where_tive_ap_is_the_official(case):
    """TIVE's AP equals the official on these two fixtures (tive_metrics.json notes), so its
    dAP and counts must be ours."""
    ref = json.loads((REF_DIR / "tive_metrics.json").read_text())["cases"][case]["runs"]["all"]
    table, _ = error_analysis(REF_DIR / f"{case}_gt.json", REF_DIR / f"{case}_pred.json")
    table = table.set_index("error")
    for name, dap in {**ref["main_errors_dAP_at_0.5"], **ref["special_errors_dAP_at_0.5"]}.items():
        assert 100 * table.loc[name, "dAP"] == pytest.approx(dap, abs=1e-9), name
    for name, count in ref["num_errors_at_0.5"].items():
        assert table.loc[name, "count"] == count, name


@pytest.mark.parametrize("case", ["case01", "case02", "case03", "case04", "case05"])
def test_errors_base_is_the_official_ap50(case):
    res = evaluate(REF_DIR / f"{case}_gt.json", REF_DIR / f"{case}_pred.json",
                   breakdowns=("errors", "video-ap"))
    assert res.breakdowns["errors"].AP.iloc[0] == res.stats["AP50"]
    out = res.to_dict()
    assert out["errors"]["AP"] == res.stats["AP50"]
    assert set(out["errors"]["dAP"]) == {*MAIN_ERRORS, "FalsePos", "FalseNeg"}
    assert len(out["video_ap"]) == len(res.breakdowns["video-ap"])
    assert "errors" not in out["breakdowns"] and "video-ap" not in out["breakdowns"]


def test_video_ap_of_one_video_equals_evaluating_it_alone():
    res = evaluate(REF_DIR / "case04_gt.json", REF_DIR / "case04_pred.json",
                   breakdowns=("video-ap",))
    table = res.breakdowns["video-ap"]
    for row in table.itertuples():
        alone = evaluate(REF_DIR / "case04_gt.json", REF_DIR / "case04_pred.json",
                         video_ids=(row.video_id,))
        for k in ("AP", "AP50", "AP75"):
            assert getattr(row, k) == pytest.approx(alone.stats[k], abs=1e-12, nan_ok=True)
    assert list(table.video_id[:3]) == [3, 1, 4]     # worst first, the GT-less video last


def test_errors_text_and_json_forms():
    res = evaluate(REF_DIR / "case04_gt.json", REF_DIR / "case04_pred.json", breakdowns=("errors",))
    text = format_errors(res.breakdowns["errors"])
    assert text.splitlines()[0] == "TIVE errors at IoU 0.5 on the official AP50 = 61.41"
    assert "Bkg      |     6 |  27.37" in text
    out = errors_json(res.breakdowns["errors"])
    assert out["count"]["Bkg"] == 6 and out["AP_all_fixed"] == pytest.approx(1.0, abs=1e-12)
