"""Property test: on single-frame videos with non-crowd GT, ``evaluate`` equals pycocotools'
``COCOeval`` (segm) with YouTube-VIS area ranges, array for array."""

from __future__ import annotations

import contextlib
import io

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from vistoolkit.data.records import Category, Dataset, PredTrack, Track, Video
from vistoolkit.data.rle import encode
from vistoolkit.eval import evaluate
from vistoolkit.eval.summary import nan_to_official

SIZE = 140  # frames of SIZE x SIZE so that areas reach past 128^2


def _mask(spec: tuple[int, int, int, int]) -> np.ndarray:
    y, x, h, w = spec
    m = np.zeros((SIZE, SIZE), dtype=np.uint8)
    m[y:y + h, x:x + w] = 1
    return m


_rect = st.tuples(st.integers(0, SIZE - 1), st.integers(0, SIZE - 1), st.integers(0, SIZE),
                  st.integers(0, SIZE))
_case = st.fixed_dictionaries({
    "n_img": st.integers(1, 3),
    "gts": st.lists(st.tuples(st.integers(0, 2), st.integers(1, 3), _rect), max_size=6),
    "dts": st.lists(st.tuples(st.integers(0, 2), st.integers(1, 3), _rect,
                              st.sampled_from([0.1, 0.3, 0.5, 0.55, 0.7, 0.9])),
                    min_size=1, max_size=10),
    "near": st.lists(st.tuples(st.integers(0, 5), st.integers(-3, 3), st.integers(-3, 3)),
                     max_size=4),
})


def _build(case: dict) -> tuple[Dataset, list[PredTrack], dict, list[dict]]:
    n_img = case["n_img"]
    gts = [(i % n_img, c, _mask(r)) for i, c, r in case["gts"]]
    dts = [(i % n_img, c, _mask(r), s) for i, c, r, s in case["dts"]]
    for j, dy, dx in case["near"]:                     # shifted copies of GT: IoU near thresholds
        if gts:
            i, c, m = gts[j % len(gts)]
            dts.append((i, c, np.roll(m, (dy, dx), axis=(0, 1)), 0.6))
    seen: set = set()                                  # the validator refuses exact duplicates
    dts = [d for d in dts if not ((k := (d[0], d[1], d[2].tobytes())) in seen or seen.add(k))]
    videos = tuple(Video(i + 1, SIZE, SIZE, 1, (f"{i}.jpg",)) for i in range(n_img))
    cats = tuple(Category(c, f"c{c}") for c in (1, 2, 3))
    tracks = tuple(Track(k + 1, i + 1, c, (encode(m),), areas=(int(m.sum()),))
                   for k, (i, c, m) in enumerate(gts))
    preds = [PredTrack(i + 1, c, s, (encode(m),), index=k) for k, (i, c, m, s) in enumerate(dts)]
    coco_gt = {"images": [{"id": i + 1, "height": SIZE, "width": SIZE} for i in range(n_img)],
               "categories": [{"id": c} for c in (1, 2, 3)],
               "annotations": [{"id": t.id, "image_id": t.video_id, "category_id": t.category_id,
                                "segmentation": t.segmentations[0], "area": float(t.areas[0]),
                                "iscrowd": 0} for t in tracks]}
    coco_dt = [{"image_id": p.video_id, "category_id": p.category_id, "score": p.score,
                "segmentation": p.segmentations[0]} for p in preds]
    return Dataset(videos, cats, tracks), preds, coco_gt, coco_dt


def _cocoeval(coco_gt: dict, coco_dt: list[dict]) -> COCOeval:
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = coco_gt
        gt.createIndex()
        dt = gt.loadRes([dict(d) for d in coco_dt])
        e = COCOeval(gt, dt, "segm")
        e.params.areaRng = [[0, 1e5**2], [0, 128**2], [128**2, 256**2], [256**2, 1e5**2]]
        e.params.maxDets = [1, 10, 100]
        e.evaluate()
        e.accumulate()
        e.summarize()
    return e


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_case)
def test_evaluate_single_frame_equals_cocoeval(case):
    ds, preds, coco_gt, coco_dt = _build(case)
    ours = evaluate(ds, preds)
    ref = _cocoeval(coco_gt, coco_dt)
    np.testing.assert_allclose(nan_to_official(ours.stats_array), ref.stats, rtol=0, atol=1e-12)
    np.testing.assert_allclose(nan_to_official(ours.precision), ref.eval["precision"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(nan_to_official(ours.recall), ref.eval["recall"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(nan_to_official(ours.scores), ref.eval["scores"], rtol=0, atol=1e-12)
