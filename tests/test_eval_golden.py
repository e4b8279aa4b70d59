"""Golden tests: stats, arrays, per-category AP and IoU matrices equal the official evaluator's
on every shared fixture (``ytvis_ref``), to 1e-12, through both evaluation paths (the ``native``
fixture: the native kernel and the pycocotools fallback)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

from vistoolkit.data.ytvis_io import load_gt, load_preds
from vistoolkit.eval import evaluate
from vistoolkit.eval.input_checks import check_inputs
from vistoolkit.eval.overlap_phase import compute_overlaps
from vistoolkit.eval.pipeline import prepare
from vistoolkit.eval.summary import nan_to_official
from vistoolkit.eval.tables import build_tables

REF = Path(os.environ.get("VISTOOLKIT_YTVIS_REF",
                          Path(__file__).resolve().parent / "data" / "ytvis_ref"))
CASES = ("case01", "case02", "case03", "case04", "case05", "quirk01", "quirk02")
pytestmark = pytest.mark.skipif(not (REF / "official_metrics.json").exists(),
                                reason="ytvis_ref fixtures not found")


@pytest.fixture(scope="module")
def official() -> dict:
    return json.loads((REF / "official_metrics.json").read_text())["cases"]


def _paths(case: str) -> tuple[Path, Path]:
    return REF / f"{case}_gt.json", REF / f"{case}_pred.json"


@pytest.mark.parametrize("case", CASES)
def test_evaluate_fixture_matches_official_stats_and_arrays(case, official, native):
    gt, pred = _paths(case)
    res = evaluate(gt, pred, lenient=case.startswith("quirk"), native=native)
    want = np.load(REF / "official_arrays" / f"{case}.npz")
    np.testing.assert_allclose(nan_to_official(res.stats_array), official[case]["stats"], rtol=0,
                               atol=1e-12)
    named = {k: -1.0 if math.isnan(v) else v for k, v in res.stats.items()}
    assert named == pytest.approx(official[case]["stats_named"], abs=1e-12)
    for name in ("precision", "recall", "scores"):
        got = getattr(res, name)
        assert got.shape == want[name].shape
        assert not (got == -1).any(), "NaN, not -1, where undefined"
        np.testing.assert_allclose(nan_to_official(got), want[name], rtol=0, atol=1e-12,
                                   err_msg=name)
    assert list(res.params.category_ids) == want["catIds"].tolist()
    assert list(res.params.video_ids) == want["vidIds"].tolist()


@pytest.mark.parametrize("case", CASES)
def test_evaluate_fixture_per_category_ap_matches_official(case, official, native):
    res = evaluate(*_paths(case), lenient=case.startswith("quirk"), native=native)
    want = official[case]["per_category_ap"]
    got = dict(zip(res.per_category.category_id.astype(str), res.per_category.AP))
    assert set(got) == set(want)
    for cid, value in want.items():
        if value is None:
            assert np.isnan(got[cid])
        else:
            assert got[cid] == pytest.approx(value, abs=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_video_iou_fixture_matrices_match_official(case, native):
    gt, _ = load_gt(_paths(case)[0])
    preds, _ = load_preds(_paths(case)[1])
    lenient = case.startswith("quirk")
    report = check_inputs(gt, preds, gt_path=None, pred_path=None, lenient=lenient,
                          frames=not native)
    assert report.frames_checked is not native
    tables = build_tables(gt, preds, max_det=100)
    phase = compute_overlaps(tables, gt, preds, report, lenient=lenient)
    prep = prepare(tables, phase.overlaps)
    got = {}
    for b in prep.blocks:
        vid = int(tables.det.video_ids[b.det_rows[0]])
        cat = tables.category_ids[int(tables.det.cat_index[b.det_rows[0]])]
        got[f"iou_v{vid}_c{cat}"] = b.iou
    want = np.load(REF / "official_arrays" / f"{case}.npz")
    keys = [k for k in want.files if k.startswith("iou_")]
    assert keys, "fixture has IoU matrices"
    for k in keys:
        if want[k].size == 0:
            continue
        np.testing.assert_allclose(got[k], want[k], rtol=0, atol=1e-12, err_msg=k)


@pytest.mark.parametrize("case", ("quirk01", "quirk02"))
def test_evaluate_broken_fixture_default_refuses_same_line_both_paths(case):
    from vistoolkit.errors import InputError

    lines = []
    for native in (False, True) if _native_available() else (False,):
        with pytest.raises(InputError) as err:
            evaluate(*_paths(case), native=native)
        lines.append(str(err.value))
    assert len(set(lines)) == 1 and "\n" not in lines[0]


@pytest.mark.parametrize("case", CASES)
def test_evaluate_fixture_paths_and_thread_counts_identical(case, native):
    """Everything the result holds, bit for bit: pycocotools serial vs this path on 1 and 3
    threads (arrays, per-category/per-video tables, warnings, lenient counts)."""
    gt, pred = _paths(case)
    lenient = case.startswith("quirk")
    ref = evaluate(gt, pred, lenient=lenient, native=False, workers=1)
    for workers in (1, 3):
        res = evaluate(gt, pred, lenient=lenient, native=native, workers=workers)
        for name in ("stats_array", "precision", "recall", "scores"):
            np.testing.assert_array_equal(getattr(res, name), getattr(ref, name), err_msg=name)
        assert res.per_category.equals(ref.per_category) and res.per_video.equals(ref.per_video)
        assert res.warnings == ref.warnings and res.tolerated == ref.tolerated


def _native_available() -> bool:
    from vistoolkit import _native

    return _native.AVAILABLE
