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


# --- the dataset API (expected values: the official pycocotools.ytvos on the same fixtures) ---

@pytest.fixture(scope="module")
def case04() -> YTVOS:
    return YTVOS(str(REF / "case04_gt.json"))


@pytest.mark.parametrize(("kwargs", "want"), [
    ({}, [1, 2, 3, 4]),
    ({"catIds": [1]}, [1, 3]),
    ({"catIds": [1, 2]}, [1]),
    ({"vidIds": [2, 1], "catIds": [2]}, [1]),
    ({"vidIds": 3}, [3]),                          # no category filter: ids kept as given
])
def test_compat_get_vid_ids_matches_official(case04, kwargs, want):
    assert case04.getVidIds(**kwargs) == want


@pytest.mark.parametrize(("kwargs", "want"), [
    ({}, [1, 2, 3, 4, 5, 6]),
    ({"vidIds": [3, 1]}, [5, 1, 2, 3, 4]),         # grouped in the order of vidIds
    ({"catIds": 1}, [1, 2, 5]),
    ({"vidIds": [1], "catIds": [2]}, [3, 4]),
    ({"iscrowd": False}, [1, 2, 3, 4, 5, 6]),
    ({"vidIds": [9]}, []),
])
def test_compat_get_ann_ids_matches_official(case04, kwargs, want):
    assert case04.getAnnIds(**kwargs) == want


def test_compat_get_ann_ids_iscrowd_matches_official():
    gt = YTVOS(str(REF / "case03_gt.json"))
    assert gt.getAnnIds(iscrowd=True) == [2, 4]
    assert gt.getAnnIds(catIds=1) == [1, 2, 3]


@pytest.mark.parametrize(("kwargs", "want"), [
    ({}, [1, 2, 3, 4]),
    ({"catNms": ["person", "lizard"]}, [1, 3]),
    ({"supNms": ["object"], "catIds": [2, 3]}, [2, 3]),
    ({"catIds": 2}, [2]),
    ({"catNms": "person"}, [1]),                   # one name (officially iterated as letters)
])
def test_compat_get_cat_ids_matches_official(case04, kwargs, want):
    assert case04.getCatIds(**kwargs) == want


def test_compat_load_vids_cats_anns(case04):
    assert case04.loadVids(3) == [{"id": 3, "width": 320, "height": 180, "length": 2,
                                   "file_names": ["ae0000000c/00000.jpg", "ae0000000c/00005.jpg"]}]
    assert case04.loadCats([2]) == [{"supercategory": "object", "id": 2, "name": "giant_panda"}]
    ann = case04.loadAnns(5)[0]
    assert (ann["video_id"], ann["category_id"], ann["areas"]) == (3, 1, [1600, 1600])
    assert [a["id"] for a in case04.loadAnns([2, 1])] == [2, 1]
    assert case04.loadAnns(np.int64(5)) == [ann]
    assert sorted(case04.vids) == [1, 2, 3, 4] and set(case04.cats) == {1, 2, 3, 4}
    assert [a["id"] for a in case04.vidToAnns[1]] == [1, 2, 3, 4]
    assert case04.catToVids[1] == [1, 1, 3]
    assert case04.dataset["annotations"][0]["id"] == 1


def test_compat_ann_to_rle_and_mask_per_segmentation_form(write_json):
    from pycocotools import mask as mask_utils

    poly = [[1.0, 1.0, 5.0, 1.0, 5.0, 4.0, 1.0, 4.0]]
    rle = mask_utils.encode(np.asfortranarray(np.eye(6, 8, dtype=np.uint8)))
    rle["counts"] = rle["counts"].decode()
    unc = {"size": [6, 8], "counts": [0, 2, 46]}
    gt = {"videos": [{"id": 1, "height": 6, "width": 8, "length": 4, "file_names": []}],
          "categories": [{"id": 1, "name": "a"}],
          "annotations": [{"id": 7, "video_id": 1, "category_id": 1, "iscrowd": 0,
                           "segmentations": [poly, rle, unc, None], "areas": [1, 1, 1, None]}]}
    api = YTVOS(str(write_json("gt.json", gt)))
    ann = api.loadAnns(7)[0]
    want_poly = mask_utils.merge(mask_utils.frPyObjects(poly, 6, 8))
    assert api.annToRLE(ann, 0) == want_poly
    assert api.annToRLE(ann, 1) is ann["segmentations"][1]          # compressed: as it is
    assert api.annToRLE(ann, 2) == mask_utils.frPyObjects(unc, 6, 8)
    np.testing.assert_array_equal(api.annToMask(ann, 1), np.eye(6, 8, dtype=np.uint8))
    assert api.annToMask(ann, 2)[:, 0].tolist() == [1, 1, 0, 0, 0, 0]   # 0 off, 2 on, 46 off
    with pytest.raises(ValueError, match="annotation 7 has no mask on frame 3"):
        api.annToRLE(ann, 3)


def test_compat_load_res_adds_the_official_fields(case04):
    raw = json.loads((REF / "case04_pred.json").read_text())
    res = case04.loadRes(raw)
    anns = res.dataset["annotations"]
    assert [a["id"] for a in anns] == list(range(1, len(raw) + 1))
    # official values for results 1, 4, 5, 8 (empty masks measure 0, absent frames None)
    assert (anns[0]["areas"], anns[0]["avg_area"]) == ([16128] * 3, 16128.0)
    assert anns[0]["bboxes"] == [[12.0, 10.0, 126.0, 128.0]] * 3
    assert anns[3]["areas"] == [0, 2500, 0] and anns[3]["avg_area"] == 2500.0
    assert anns[3]["bboxes"][0] == [0.0, 0.0, 0.0, 0.0]
    assert anns[4]["areas"] == [None] * 3 and anns[4]["avg_area"] == 0
    assert anns[7]["bboxes"] == [[10.0, 300.0, 10.0, 10.0], None, [10.0, 300.0, 20.0, 15.0]]
    assert all(a["iscrowd"] == 0 for a in anns)
    assert "id" not in raw[0]                                      # the input is not edited
    assert res.getAnnIds(areaRng=[0, 300]) == [8]
    assert res.getVidIds(catIds=[1]) == [1, 2]
    assert res.getCatIds() == [1, 2, 3, 4] and res.vids.keys() == case04.vids.keys()


def test_compat_load_res_unknown_video_raises_input_error(case04):
    from vistoolkit.errors import InputError

    raw = json.loads((REF / "case04_pred.json").read_text())
    with pytest.raises(InputError, match="Results do not correspond to current coco set"):
        case04.loadRes(raw + [dict(raw[0], video_id=99)])


def test_compat_use_cats_0_gives_official_agnostic_numbers(capsys):
    gt = YTVOS(str(REF / "case05_gt.json"))
    e = YTVOSeval(gt, gt.loadRes(str(REF / "case05_pred.json")), "segm")
    e.params.useCats = 0
    e.evaluate()
    e.accumulate()
    e.summarize()
    want = json.loads((REF / "agnostic_metrics.json").read_text())["cases"]["case05"]
    np.testing.assert_allclose(e.stats, want["stats"], rtol=0, atol=1e-12)
    assert e.eval["precision"].shape[2] == 1 and e.params.catIds == [-1]
    capsys.readouterr()


def test_compat_iou_type_bbox_runs_tube_boxes():
    gt = YTVOS(str(REF / "case04_gt.json"))
    e = YTVOSeval(gt, gt.loadRes(str(REF / "case04_pred.json")), "bbox")
    e.evaluate()
    assert e.result.params.iou_type == "bbox"
    e.params.iouType = "keypoints"
    with pytest.raises(ValueError, match="keypoints"):
        e.evaluate()
