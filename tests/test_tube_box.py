"""Tube-box IoU (``--iou-type bbox``) on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import box_rle, make_gt, make_pred

from vistoolkit.data import rle
from vistoolkit.data.records import PredTrack, Track, Video
from vistoolkit.errors import InputError
from vistoolkit.eval import evaluate
from vistoolkit.eval.tube_box import box_tube_iou, parse_boxes, tube_box_overlaps

NAN4 = [np.nan] * 4


def _tubes(*tubes: list) -> np.ndarray:
    return np.array([[NAN4 if b is None else b for b in t] for t in tubes], dtype=np.float64)


class TestBoxTubeIoU:
    def test_one_frame_half_overlap_is_one_third(self):
        iou, union = box_tube_iou(_tubes([[0, 0, 10, 10]]), _tubes([[5, 0, 10, 10]]))
        assert iou[0, 0] == pytest.approx(50 / 150, abs=1e-15)
        assert union[0, 0] == 150

    def test_sums_over_frames_before_dividing(self):
        # frame 0: 50 / 150; frame 1: identical 100 / 100; frame 2: GT only, union += 100
        det = _tubes([[0, 0, 10, 10], [0, 0, 10, 10], None])
        gt = _tubes([[5, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10]])
        iou, _ = box_tube_iou(det, gt)
        assert iou[0, 0] == pytest.approx((50 + 100) / (150 + 100 + 100), abs=1e-15)

    def test_frames_without_either_box_add_nothing(self):
        det = _tubes([None, [2, 2, 4, 4]])
        gt = _tubes([None, [2, 2, 4, 4]])
        assert box_tube_iou(det, gt)[0][0, 0] == 1.0

    def test_disjoint_and_touching_boxes_give_zero(self):
        det = _tubes([[0, 0, 10, 10]], [[10, 0, 5, 5]])
        gt = _tubes([[20, 20, 5, 5]])
        iou, union = box_tube_iou(det, gt)
        np.testing.assert_array_equal(iou, [[0.0], [0.0]])
        np.testing.assert_array_equal(union, [[125.0], [50.0]])

    def test_zero_union_gives_zero(self):
        iou, union = box_tube_iou(_tubes([None]), _tubes([[1, 1, 0, 0]]))
        assert iou[0, 0] == 0.0 and union[0, 0] == 0.0

    def test_every_pair_shape(self):
        det = _tubes(*([[[0, 0, 4, 4]]] * 3))
        gt = _tubes(*([[[0, 0, 2, 4]]] * 2))
        iou, _ = box_tube_iou(det, gt)
        assert iou.shape == (3, 2) and np.all(iou == 0.5)


class TestParseBoxes:
    def test_none_frames_become_nan_rows(self):
        out = parse_boxes([None, [1, 2, 3, 4]], length=2, path=None, where="x")
        assert np.isnan(out[0]).all() and out[1].tolist() == [1, 2, 3, 4]

    @pytest.mark.parametrize(("boxes", "message"), [
        ([[1, 2, 3]], r"bboxes\[0\] must be \[x, y, w, h\]"),
        ([[1, 2, -3, 4]], "negative or non-finite size"),
        ([["a", 2, 3, 4]], "must be"),
        ([[1, 2, 3, 4], None], "2 bboxes for a 1-frame track"),
    ])
    def test_malformed_boxes_raise_input_error(self, boxes, message):
        with pytest.raises(InputError, match=message):
            parse_boxes(boxes, length=1, path="p.json", where="prediction #0")


VIDEO = Video(id=1, width=8, height=8, length=2, file_names=("a", "b"))


def _gt(bboxes: tuple | None, category_id: int = 1) -> Track:
    seg = box_rle(8, 8, 0, 0, 4, 4)
    return Track(id=1, video_id=1, category_id=category_id, segmentations=(seg, seg),
                 bboxes=bboxes, areas=(16, 16))


class TestTubeBoxOverlaps:
    def test_prediction_boxes_from_masks_when_not_given(self):
        # mask rows 0:4, columns 2:6 -> tight box [2, 0, 4, 4]; GT box [0, 0, 4, 4] on both
        seg = box_rle(8, 8, 0, 2, 4, 6)
        pred = PredTrack(video_id=1, category_id=1, score=0.9, segmentations=(seg, None))
        ov = tube_box_overlaps(VIDEO, (_gt(([0, 0, 4, 4], [0, 0, 4, 4])),), (pred,))
        # frame 0: inter 2*4 = 8, union 16 + 16 - 8 = 24; frame 1: GT only, union 16
        assert ov.iou[0, 0] == pytest.approx(8 / 40, abs=1e-15)
        assert ov.det_avg_area[0] == 16 and ov.det_frames[0] == 1 and ov.gt_frames[0] == 2

    def test_prediction_bboxes_field_wins_over_masks(self):
        seg = box_rle(8, 8, 0, 2, 4, 6)
        pred = PredTrack(video_id=1, category_id=1, score=0.9, segmentations=(seg, seg),
                         extra={"bboxes": [[0, 0, 4, 4], [0, 0, 4, 4]]})
        ov = tube_box_overlaps(VIDEO, (_gt(([0, 0, 4, 4], [0, 0, 4, 4])),), (pred,))
        assert ov.iou[0, 0] == 1.0
        assert ov.det_avg_area[0] == 16          # area ranges stay on the mask areas

    def test_other_category_pairs_are_zero(self):
        seg = box_rle(8, 8, 0, 0, 4, 4)
        pred = PredTrack(video_id=1, category_id=2, score=0.9, segmentations=(seg, seg))
        ov = tube_box_overlaps(VIDEO, (_gt(([0, 0, 4, 4], [0, 0, 4, 4])),), (pred,))
        assert ov.iou[0, 0] == 0.0 and ov.zero_union == 0

    def test_gt_without_bboxes_raises_input_error(self):
        with pytest.raises(InputError, match="no 'bboxes'") as err:
            tube_box_overlaps(VIDEO, (_gt(None),), (), gt_path="gt.json")
        assert str(err.value).startswith("gt.json: annotation id=1 (video_id=1)")


def _l_shape_case(write_json):
    """GT: the 8x8 square at rows/columns 0:8 of a 16x16 frame; prediction: an L of width 2
    along its top and left edges, whose tight box is the GT box (mask IoU 28 / 64)."""
    gt_mask = box_rle(16, 16, 0, 0, 8, 8)
    gt = make_gt([(1, 16, 16, 1)], [{"id": 1, "video_id": 1, "category_id": 1,
                                     "segmentations": [gt_mask]}])
    m = np.zeros((16, 16), dtype=np.uint8)
    m[0:2, 0:8] = 1
    m[0:8, 0:2] = 1
    pred = make_pred(1, 1, 0.8, [rle.encode(m)])
    return write_json("gt.json", gt), write_json("pred.json", [pred])


def test_evaluate_bbox_scores_tight_box_of_l_shaped_mask_as_perfect(write_json):
    gt, pred = _l_shape_case(write_json)
    box = evaluate(gt, pred, iou_type="bbox")
    segm = evaluate(gt, pred)
    assert box.stats["AP"] == pytest.approx(1.0, abs=1e-12)     # box IoU 1 at every threshold
    assert segm.stats["AP"] == 0.0                                # mask IoU 28/64 < 0.5
    assert box.params.iou_type == "bbox"
    assert box.to_dict()["iou_type"] == "bbox"


def test_evaluate_bbox_unknown_iou_type_raises_value_error(write_json):
    gt, pred = _l_shape_case(write_json)
    with pytest.raises(ValueError, match="iou_type must be one of segm, bbox"):
        evaluate(gt, pred, iou_type="keypoints")
