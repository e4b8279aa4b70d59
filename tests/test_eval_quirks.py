"""Hand-built scenarios for each official quirk; expected values derived by hand. Every test
runs through both evaluation paths (the ``evaluate`` fixture: native kernel and pycocotools)."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from vistoolkit.data.records import Category, Dataset, PredTrack, Track, Video
from vistoolkit.data.rle import encode
from vistoolkit.errors import InputError
from vistoolkit.eval import evaluate as evaluate_with

H, W = 40, 50
EPS = np.spacing(1)


@pytest.fixture
def evaluate(native):
    """``vistoolkit.eval.evaluate`` on the path under test (conftest's ``native``)."""
    return functools.partial(evaluate_with, native=native)


def box(y0: int, x0: int, y1: int, x1: int, h: int = H, w: int = W) -> dict:
    m = np.zeros((h, w), dtype=np.uint8)
    m[y0:y1, x0:x1] = 1
    return encode(m)


def empty(h: int = H, w: int = W) -> dict:
    return encode(np.zeros((h, w), dtype=np.uint8))


def area(seg: dict | None) -> int | None:
    from vistoolkit.data.rle import area as rle_area

    return None if seg is None else rle_area(seg, H, W)


def dataset(tracks: list[tuple], *, videos: int = 1, length: int = 1, cats: int = 2,
            h: int = H, w: int = W) -> Dataset:
    """tracks: (id, video_id, category_id, segs[, iscrowd])."""
    vids = tuple(Video(v, w, h, length, tuple(f"{v}/{i}.jpg" for i in range(length)))
                 for v in range(1, videos + 1))
    out = []
    for t in tracks:
        tid, vid, cat, segs = t[:4]
        out.append(Track(tid, vid, cat, tuple(segs), areas=tuple(area(s) for s in segs),
                         iscrowd=t[4] if len(t) > 4 else 0))
    return Dataset(vids, tuple(Category(c, f"cat{c}") for c in range(1, cats + 1)), tuple(out))


def preds(items: list[tuple]) -> list[PredTrack]:
    """items: (video_id, category_id, score, segs)."""
    return [PredTrack(v, c, s, tuple(segs), index=i) for i, (v, c, s, segs) in enumerate(items)]


def test_evaluate_crowd_gt_plain_iou_small_pred_is_false_positive(evaluate):
    # crowd region 0:40 x 0:25 (1000 px); a 10x10 prediction inside it has IoU 0.1 -> unmatched
    gt = dataset([(1, 1, 1, [box(0, 30, 10, 40)]), (2, 1, 1, [box(0, 0, 40, 25)], 1)], cats=1)
    res = evaluate(gt, preds([(1, 1, 0.95, [box(0, 0, 10, 10)]),
                              (1, 1, 0.90, [box(0, 30, 10, 40)])]))
    assert res.stats["AP"] == pytest.approx(1 / (2 + EPS), abs=1e-15)   # precision 1/2 everywhere


def test_evaluate_crowd_gt_matched_twice_is_ignored(evaluate):
    gt = dataset([(1, 1, 1, [box(0, 30, 10, 40)]), (2, 1, 1, [box(0, 0, 40, 25)], 1)], cats=1)
    res = evaluate(gt, preds([(1, 1, 0.95, [box(0, 0, 40, 25)]), (1, 1, 0.94, [box(0, 0, 40, 24)]),
                              (1, 1, 0.90, [box(0, 30, 10, 40)])]))
    assert res.stats["AP"] == pytest.approx(1 / (1 + EPS), abs=1e-15)


def test_evaluate_tied_scores_follow_video_then_file_order(evaluate):
    gt = dataset([(1, 1, 1, [box(0, 0, 10, 10)]), (2, 2, 1, [box(0, 0, 10, 10)])], videos=2,
                 cats=1)
    # the true positive (video 2) comes first in the file, the false positive (video 1) second
    res = evaluate(gt, preds([(2, 1, 0.5, [box(0, 0, 10, 10)]), (1, 1, 0.5, [box(20, 20, 30, 30)])]))
    # official order: video 1 first -> tp [0, 1]: precision 1/2 up to recall 0.5 (51 thresholds)
    assert res.stats["AP"] == pytest.approx(51 / 101 / (2 + EPS), abs=1e-15)
    assert any("share their score" in w for w in res.warnings)


def test_evaluate_none_and_empty_frames_give_same_numbers(evaluate):
    gt = dataset([(1, 1, 1, [box(0, 0, 10, 10), None, box(0, 0, 10, 12)])], length=3, cats=1)
    a = evaluate(gt, preds([(1, 1, 0.9, [box(0, 0, 10, 10), None, None])]))
    b = evaluate(gt, preds([(1, 1, 0.9, [box(0, 0, 10, 10), empty(), empty()])]))
    np.testing.assert_array_equal(a.precision, b.precision)
    np.testing.assert_array_equal(a.recall, b.recall)
    # IoU = 100 / (100 + 120) < 0.5 -> recall 0 at every threshold
    assert a.stats["AR100"] == 0.0


def test_evaluate_area_exactly_128_squared_counts_as_small_and_medium(evaluate):
    h = w = 140
    seg = box(0, 0, 128, 128, h, w)
    gt = Dataset((Video(1, w, h, 1, ("a.jpg",)),), (Category(1, "c"),),
                 (Track(1, 1, 1, (seg,), areas=(16384,)),))
    res = evaluate(gt, preds([(1, 1, 0.9, [seg])]))
    assert res.stats["APs"] == pytest.approx(1 / (1 + EPS), abs=1e-15)
    assert res.stats["APm"] == pytest.approx(1 / (1 + EPS), abs=1e-15)
    assert np.isnan(res.stats["APl"])      # no large GT: undefined (the official prints -1)


def test_evaluate_gt_area_comes_from_areas_field_not_masks(evaluate):
    seg = box(0, 0, 10, 10)
    gt = Dataset((Video(1, W, H, 1, ("a.jpg",)),), (Category(1, "c"),),
                 (Track(1, 1, 1, (seg,), areas=(70000,)),))
    res = evaluate(gt, preds([(1, 1, 0.9, [seg])]))
    assert res.stats["APl"] > 0.99 and np.isnan(res.stats["APs"])  # GT large; the pred is small
    assert np.isnan(res.stats["ARs"])


def test_evaluate_max_dets_apply_per_video_and_category(evaluate):
    gt = dataset([(1, 1, 1, [box(0, 0, 10, 10)]), (2, 1, 2, [box(20, 20, 30, 30)])])
    res = evaluate(gt, preds([(1, 1, 0.9, [box(0, 0, 10, 10)]),
                              (1, 2, 0.8, [box(20, 20, 30, 30)])]))
    assert res.stats["AR1"] == 1.0     # one per (video, category): both GTs recalled


def test_evaluate_gt_id_zero_match_counts_as_false_positive_with_warning(evaluate):
    gt = dataset([(0, 1, 1, [box(0, 0, 10, 10)])], cats=1)
    res = evaluate(gt, preds([(1, 1, 0.9, [box(0, 0, 10, 10)])]))
    assert res.stats["AP"] == 0.0 and res.stats["AR100"] == 0.0
    assert any("id 0" in w for w in res.warnings)


def test_evaluate_equal_iou_later_gt_wins(evaluate):
    g1, g2 = box(0, 0, 10, 20), box(0, 10, 10, 30)      # pred 0:10 x 5:25 overlaps each by 150
    gt = dataset([(1, 1, 1, [g1]), (2, 1, 1, [g2])], cats=1)
    p = box(0, 5, 10, 25)
    res = evaluate(gt, preds([(1, 1, 0.9, [p]), (1, 1, 0.8, [g1])]))
    # IoU(p, g1) = IoU(p, g2) = 150/250 = 0.6: p takes g2 (the later GT), so the exact copy of
    # g1 still finds g1 (had p taken g1, the copy's IoU 1/3 with g2 would leave recall at 1/2)
    assert res.recall[0, 0, 0, -1] == 1.0
    assert res.recall[3, 0, 0, -1] == 0.5        # IoU 0.65: p matches nothing, the copy g1


def test_evaluate_categories_subset_normalises_over_subset(evaluate):
    gt = dataset([(1, 1, 1, [box(0, 0, 10, 10)]), (2, 1, 2, [box(20, 20, 30, 30)])])
    items = [(1, 1, 0.9, [box(0, 0, 10, 10)]), (1, 2, 0.8, [box(0, 30, 5, 40)])]
    full = evaluate(gt, preds(items))
    assert full.stats["AP"] == pytest.approx(0.5 / (1 + EPS), abs=1e-15)
    only = evaluate(gt, preds(items), category_ids=(1,))
    assert only.stats["AP"] == pytest.approx(1 / (1 + EPS), abs=1e-15)
    assert only.precision.shape[2] == 1
    by_name = evaluate(gt, preds(items), category_ids=("cat2",))
    assert by_name.stats["AP"] == 0.0


def test_evaluate_unknown_category_name_raises_input_error(evaluate):
    gt = dataset([(1, 1, 1, [box(0, 0, 10, 10)])])
    with pytest.raises(InputError, match="unknown category 'dog'"):
        evaluate(gt, preds([(1, 1, 0.9, [box(0, 0, 10, 10)])]), category_ids=("dog",))


def test_evaluate_empty_predictions_refused_unless_allowed(evaluate):
    gt = dataset([(1, 1, 1, [box(0, 0, 10, 10)])])
    with pytest.raises(InputError, match="empty"):
        evaluate(gt, [])
    res = evaluate(gt, [], allow_empty=True)
    assert res.stats["AP"] == 0.0 and res.stats["AR100"] == 0.0 and np.isnan(res.stats["APm"])


def test_evaluate_uncompressed_and_polygon_predictions_equal_compressed(evaluate):
    from pycocotools import mask as mask_utils

    gt = dataset([(1, 1, 1, [box(0, 0, 10, 10)])], cats=1)
    m = np.zeros((H, W), dtype=np.uint8)
    m[2:10, 0:10] = 1
    dense = mask_utils.encode(np.asfortranarray(m))
    raw = {"size": [H, W], "counts": [int(x) for x in _uncompressed(m)]}
    poly = [[0, 2, 10, 2, 10, 10, 0, 10]]
    a = evaluate(gt, preds([(1, 1, 0.9, [{"size": [H, W], "counts": dense["counts"].decode()}])]))
    b = evaluate(gt, preds([(1, 1, 0.9, [raw])]))
    c = evaluate(gt, preds([(1, 1, 0.9, [poly])]))
    np.testing.assert_array_equal(a.precision, b.precision)
    assert c.stats_array.shape == (12,)


def _uncompressed(m: np.ndarray) -> list[int]:
    flat = m.ravel(order="F")
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate(([0], change, [flat.size]))
    runs = np.diff(bounds).tolist()
    return runs if flat[0] == 0 else [0, *runs]
