"""The official-name shim: same calls as ``pycocotools.ytvos``/``ytvoseval``, same numbers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from vistoolkit.eval.compat import YTVOS, YTVOSeval

REF = Path(os.environ.get("VISTOOLKIT_YTVIS_REF",
                          Path(__file__).resolve().parent / "data" / "ytvis_ref"))
pytestmark = pytest.mark.skipif(not (REF / "official_metrics.json").exists(),
                                reason="ytvis_ref fixtures not found")


def test_compat_official_call_sequence_gives_official_stats(capsys):
    gt = YTVOS(str(REF / "case02_gt.json"))
    dt = gt.loadRes(str(REF / "case02_pred.json"))
    e = YTVOSeval(gt, dt, "segm")
    e.evaluate()
    e.accumulate()
    e.summarize()
    want = json.loads((REF / "official_metrics.json").read_text())["cases"]["case02"]
    np.testing.assert_allclose(e.stats, want["stats"], rtol=0, atol=1e-12)
    assert e.stats[4] == -1.0                               # APm: the official -1, not NaN
    arrays = np.load(REF / "official_arrays" / "case02.npz")
    np.testing.assert_allclose(e.eval["precision"], arrays["precision"], rtol=0, atol=1e-12)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 12 and out[1].endswith("= 0.829")


def test_compat_load_res_list_and_cat_subset():
    gt = YTVOS(str(REF / "case05_gt.json"))
    raw = json.loads((REF / "case05_pred.json").read_text())
    e = YTVOSeval(gt, gt.loadRes(raw), "segm")
    assert e.params.catIds == sorted(gt.getCatIds())
    e.params.catIds = [1]
    e.evaluate()
    e.accumulate()
    assert e.eval["precision"].shape[2] == 1


def test_compat_summarize_before_accumulate_raises():
    gt = YTVOS(str(REF / "case01_gt.json"))
    e = YTVOSeval(gt, gt.loadRes(str(REF / "case01_pred.json")), "segm")
    with pytest.raises(RuntimeError, match="accumulate"):
        e.summarize()
