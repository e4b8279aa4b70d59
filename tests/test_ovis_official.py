"""The OVIS protocol against a runnable copy of the OVIS evaluator on random cases.

Set ``VISTOOLKIT_OVIS_OFFICIAL`` to a directory holding qjy981010/cocoapi's ``ovis.py`` and
``oviseval.py`` (with the Python 3 / NumPy 2 import fixes of ``ovis/ovis_metrics.json``);
otherwise this module is skipped.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_eval_official import _case, _json

from vistoolkit.data.ytvis_io import parse_dataset, parse_predictions
from vistoolkit.eval import evaluate
from vistoolkit.eval.metrics.ovis import OVIS_STAT_KEYS

OFFICIAL = os.environ.get("VISTOOLKIT_OVIS_OFFICIAL")
pytestmark = pytest.mark.skipif(not OFFICIAL, reason="VISTOOLKIT_OVIS_OFFICIAL not set")
LABELS = [None, "no_occlusion", "slight_occlusion", "severe_occlusion"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(case=_case, labels=st.lists(st.sampled_from(LABELS), min_size=6, max_size=6),
       shift=st.integers(0, 5))
def test_ovis_random_multi_frame_equals_ovis_evaluator(case, labels, shift, tmp_path):
    sys.path.insert(0, OFFICIAL)
    from ovis import OVIS
    from oviseval import OVISeval

    gt, preds = _json(case)
    preds = [p for p in preds if len(p["segmentations"]) == next(
        v["length"] for v in gt["videos"] if v["id"] == p["video_id"])]   # OVIS asserts lengths
    if not preds:
        return
    for k, ann in enumerate(gt["annotations"]):
        n = len(ann["segmentations"])
        occ = [labels[(f + shift * k) % 6] for f in range(n)]
        ann["occlusion"] = occ if any(occ) else ["slight_occlusion"] + occ[1:]
    ours = evaluate(parse_dataset(copy.deepcopy(gt)), parse_predictions(copy.deepcopy(preds)),
                    protocol="ovis")
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(gt))
    with contextlib.redirect_stdout(io.StringIO()):
        g = OVIS(str(path))
        e = OVISeval(g, g.loadRes(copy.deepcopy(preds)), "segm")
        e.evaluate()
        e.accumulate()
        e.summarize()
    got = np.array([-1.0 if np.isnan(ours.stats[k]) else ours.stats[k] for k in OVIS_STAT_KEYS])
    np.testing.assert_allclose(got, e.stats, rtol=0, atol=1e-12)
