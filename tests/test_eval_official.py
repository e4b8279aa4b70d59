"""Random multi-frame cases against the official evaluator, when a runnable copy is available.

Set ``VISTOOLKIT_YTVOS_OFFICIAL`` to a directory holding the official ``ytvos.py`` and
``ytvoseval.py`` (with the Python 3 / NumPy 2 import fixes); otherwise this module is skipped.
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

from vistoolkit.data.rle import encode
from vistoolkit.data.ytvis_io import parse_dataset, parse_predictions
from vistoolkit.eval import evaluate
from vistoolkit.eval.summary import nan_to_official

OFFICIAL = os.environ.get("VISTOOLKIT_YTVOS_OFFICIAL")
pytestmark = pytest.mark.skipif(not OFFICIAL, reason="VISTOOLKIT_YTVOS_OFFICIAL not set")
H, W = 24, 30

_rect = st.one_of(st.none(), st.tuples(st.integers(0, H - 1), st.integers(0, W - 1),
                                       st.integers(0, H), st.integers(0, W)))
_track = st.tuples(st.integers(0, 2), st.integers(1, 3), st.lists(_rect, min_size=6, max_size=6))
_case = st.fixed_dictionaries({
    "lengths": st.lists(st.integers(1, 6), min_size=1, max_size=3),
    "gts": st.lists(st.tuples(_track, st.booleans()), max_size=6),
    "dts": st.lists(st.tuples(_track, st.sampled_from([0.2, 0.5, 0.5, 0.7, 0.9])), min_size=1,
                    max_size=10),
})


def _seg(rect):
    if rect is None:
        return None
    y, x, h, w = rect
    m = np.zeros((H, W), dtype=np.uint8)
    m[y:y + h, x:x + w] = 1
    return encode(m)


def _json(case: dict) -> tuple[dict, list]:
    lengths = case["lengths"]
    videos = [{"id": i + 1, "width": W, "height": H, "length": n,
               "file_names": [f"{i}/{f}.jpg" for f in range(n)]} for i, n in enumerate(lengths)]
    anns = []
    for k, ((v, c, rects), crowd) in enumerate(case["gts"]):
        v %= len(lengths)
        segs = [_seg(r) for r in rects[:lengths[v]]]
        areas = [None if r is None else max(0, min(r[2], H - r[0])) * max(0, min(r[3], W - r[1]))
                 for r in rects[:lengths[v]]]
        anns.append({"id": k + 1, "video_id": v + 1, "category_id": c, "segmentations": segs,
                     "areas": areas, "iscrowd": int(crowd and k % 3 == 0)})
    preds, seen = [], set()
    for (v, c, rects), score in case["dts"]:
        v %= len(lengths)
        segs = [_seg(r) for r in rects[:lengths[v]]]
        key = (v, c, json.dumps(segs))
        if key not in seen:
            seen.add(key)
            preds.append({"video_id": v + 1, "category_id": c, "score": score,
                          "segmentations": segs})
    gt = {"videos": videos, "categories": [{"id": c, "name": f"c{c}"} for c in (1, 2, 3)],
          "annotations": anns}
    return gt, preds


def _official(gt: dict, preds: list, tmp) -> np.ndarray:
    sys.path.insert(0, OFFICIAL)
    from ytvos import YTVOS
    from ytvoseval import YTVOSeval

    path = tmp / "gt.json"
    path.write_text(json.dumps(gt))
    with contextlib.redirect_stdout(io.StringIO()):
        g = YTVOS(str(path))
        e = YTVOSeval(g, g.loadRes(copy.deepcopy(preds)), "segm")
        e.evaluate()
        e.accumulate()
        e.summarize()
    return e


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(case=_case)
def test_evaluate_random_multi_frame_equals_official(case, tmp_path):
    gt, preds = _json(case)
    ours = evaluate(parse_dataset(copy.deepcopy(gt)), parse_predictions(copy.deepcopy(preds)))
    ref = _official(gt, preds, tmp_path)
    np.testing.assert_allclose(nan_to_official(ours.stats_array), ref.stats, rtol=0, atol=1e-12)
    np.testing.assert_allclose(nan_to_official(ours.precision), ref.eval["precision"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(nan_to_official(ours.recall), ref.eval["recall"], rtol=0, atol=1e-12)
