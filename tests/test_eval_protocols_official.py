"""Class-agnostic evaluation and the ``YTVOS`` dataset API against a runnable copy of the official
code (``VISTOOLKIT_YTVOS_OFFICIAL``, as in ``test_eval_official.py``); skipped without one."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from test_eval_official import _case, _json

from vistoolkit.data.ytvis_io import parse_dataset, parse_predictions
from vistoolkit.eval import evaluate
from vistoolkit.eval.compat import YTVOS
from vistoolkit.eval.summary import nan_to_official

OFFICIAL = os.environ.get("VISTOOLKIT_YTVOS_OFFICIAL")
REF = Path(__file__).resolve().parent / "data" / "ytvis_ref"
pytestmark = pytest.mark.skipif(not OFFICIAL, reason="VISTOOLKIT_YTVOS_OFFICIAL not set")


def _official_api():
    sys.path.insert(0, OFFICIAL)
    from ytvos import YTVOS as Official
    from ytvoseval import YTVOSeval

    return Official, YTVOSeval


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(case=_case)
def test_class_agnostic_random_multi_frame_equals_official_use_cats_0(case, tmp_path):
    official, official_eval = _official_api()
    gt, preds = _json(case)
    ours = evaluate(parse_dataset(copy.deepcopy(gt)), parse_predictions(copy.deepcopy(preds)),
                    use_cats=False)
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(gt))
    with contextlib.redirect_stdout(io.StringIO()):
        g = official(str(path))
        e = official_eval(g, g.loadRes(copy.deepcopy(preds)), "segm")
        e.params.useCats = 0
        e.evaluate()
        e.accumulate()
        e.summarize()
    np.testing.assert_allclose(nan_to_official(ours.stats_array), e.stats, rtol=0, atol=1e-12)
    np.testing.assert_allclose(nan_to_official(ours.precision), e.eval["precision"], rtol=0,
                               atol=1e-12)


_CALLS = [
    ("getVidIds", {}), ("getVidIds", {"catIds": [1, 2]}), ("getVidIds", {"vidIds": [4, 3, 9]}),
    ("getVidIds", {"vidIds": [2, 1], "catIds": [2]}), ("getAnnIds", {}),
    ("getAnnIds", {"vidIds": [3, 1]}), ("getAnnIds", {"catIds": 1}),
    ("getAnnIds", {"vidIds": [1], "catIds": [2]}), ("getAnnIds", {"iscrowd": True}),
    ("getCatIds", {}), ("getCatIds", {"catNms": ["person", "lizard"]}),
    ("getCatIds", {"supNms": ["object"], "catIds": [2, 3]}), ("loadVids", {"ids": [2, 1]}),
    ("loadCats", {"ids": 3}), ("loadAnns", {"ids": [2, 1]}),
]


def _outcome(api, name: str, kwargs: dict) -> object:
    """The call's result, or the type of the exception it raised (KeyError for unknown ids)."""
    try:
        return getattr(api, name)(**kwargs)
    except KeyError:
        return KeyError


@pytest.mark.parametrize("case", ["case02", "case03", "case04", "quirk01"])
def test_ytvos_api_equals_official_on_fixture(case):
    official, _ = _official_api()
    with contextlib.redirect_stdout(io.StringIO()):
        ref = official(str(REF / f"{case}_gt.json"))
    ours = YTVOS(str(REF / f"{case}_gt.json"))
    for name, kwargs in _CALLS:
        assert _outcome(ours, name, kwargs) == _outcome(ref, name, kwargs), (name, kwargs)
    for ann in ref.dataset["annotations"]:
        for f, seg in enumerate(ann["segmentations"]):
            if seg:
                np.testing.assert_array_equal(ours.annToMask(ours.anns[ann["id"]], f),
                                              ref.annToMask(ann, f))
    preds = json.loads((REF / f"{case}_pred.json").read_text())
    with contextlib.redirect_stdout(io.StringIO()):
        ref_res = ref.loadRes(copy.deepcopy(preds))
    our_res = ours.loadRes(copy.deepcopy(preds))
    for want, got in zip(ref_res.dataset["annotations"], our_res.dataset["annotations"],
                         strict=True):
        assert (got["id"], got["avg_area"], got["iscrowd"]) == (want["id"], want["avg_area"], 0)
        assert got["areas"] == [None if a is None else int(a) for a in want["areas"]]
        assert got["bboxes"] == [None if b is None else [float(v) for v in b]
                                 for b in want["bboxes"]]
    assert our_res.getAnnIds(areaRng=[0, 300]) == ref_res.getAnnIds(areaRng=[0, 300])
