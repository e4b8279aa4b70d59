"""vistoolkit.data.ytvis_io: loading and byte-for-value round trips of annotation/result files."""

from __future__ import annotations

import gc
import json

import numpy as np
import pytest
from conftest import REF_DIR, box_rle, make_gt, make_pred

from vistoolkit.data import rle
from vistoolkit.data.json_io import gc_paused, read_json
from vistoolkit.data.records import Dataset
from vistoolkit.data.ytvis_io import (
    dataset_to_json,
    load_dataset,
    load_gt,
    load_predictions,
    load_preds,
    prediction_to_json,
    save_dataset,
    save_predictions,
)
from vistoolkit.errors import InputError

CASES = ("case01", "case02", "case03", "case04", "case05", "quirk01", "quirk02")
POLY = [[0.0, 0.0, 3.0, 0.0, 3.0, 2.0, 0.0, 2.0]]
UNCOMPRESSED = {"size": [4, 6], "counts": [3, 2, 19]}


@pytest.mark.parametrize("case", CASES)
def test_load_reference_round_trip_equal(case, tmp_path):
    gt_raw = json.loads((REF_DIR / f"{case}_gt.json").read_text())
    pred_raw = json.loads((REF_DIR / f"{case}_pred.json").read_text())
    gt, preds = load_dataset(REF_DIR / f"{case}_gt.json"), load_predictions(REF_DIR / f"{case}_pred.json")
    assert dataset_to_json(gt) == gt_raw
    assert [prediction_to_json(p) for p in preds] == pred_raw
    save_dataset(gt, tmp_path / "gt.json")
    save_predictions(preds, tmp_path / "p.json")
    assert json.loads((tmp_path / "gt.json").read_text()) == gt_raw
    assert json.loads((tmp_path / "p.json").read_text()) == pred_raw


def test_load_polygons_uncompressed_and_ovis_extras_round_trip(tmp_path, write_json):
    raw = make_gt([(1, 4, 6, 3)], [{"id": 1, "video_id": 1, "category_id": 1,
                                    "segmentations": [POLY, UNCOMPRESSED, None],
                                    "occlusion": [0, 1, None]}])
    raw["videos"][0]["fps"] = 6.0
    raw["categories"][0]["color"] = [1, 2, 3]
    path = write_json("gt.json", raw)
    ds = load_dataset(path)
    t = ds.tracks[0]
    assert t.extra == {"occlusion": [0, 1, None]} and ds.videos[0].extra == {"fps": 6.0}
    assert t.areas[1] == 2 and t.segmentations[0] == POLY
    save_dataset(ds, tmp_path / "out.json")
    assert json.loads((tmp_path / "out.json").read_text()) == raw


def test_rle_decode_uncompressed_and_polygon_match_masks():
    m = rle.decode(UNCOMPRESSED, 4, 6)
    expected = np.zeros((4, 6), np.uint8)
    expected[3, 0] = expected[0, 1] = 1  # column-major runs: 3 background, 2 foreground
    np.testing.assert_array_equal(m, expected)
    np.testing.assert_array_equal(rle.decode(rle.encode(m), 4, 6), m)
    assert rle.area(POLY, 4, 6) == rle.decode(POLY, 4, 6).sum() > 0
    assert rle.bbox(box_rle(4, 6, 1, 2, 3, 5), 4, 6) == [2.0, 1.0, 3.0, 2.0]


def test_load_videos_only_file_keeps_no_annotations(tmp_path, write_json):
    raw = {"videos": [{"id": 3, "width": 6, "height": 4, "file_names": ["a/0.jpg", "a/1.jpg"]}],
           "categories": [{"id": 1, "name": "person"}]}
    ds = load_dataset(write_json("valid.json", raw))
    assert ds.videos[0].length == 2 and ds.tracks == () and not ds.has_annotations
    assert dataset_to_json(ds) == raw


def test_load_missing_iscrowd_kept_absent(write_json):
    raw = make_gt([(1, 4, 6, 1)], [{"id": 1, "video_id": 1, "category_id": 1,
                                    "segmentations": [None]}])
    del raw["annotations"][0]["iscrowd"]
    ds = load_dataset(write_json("gt.json", raw))
    assert "iscrowd" not in dataset_to_json(ds)["annotations"][0]


def test_load_errors_one_line(tmp_path, write_json):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match=r"bad.json: not valid JSON"):
        load_dataset(bad)
    with pytest.raises(InputError, match=r"nope.json: file not found"):
        load_predictions(tmp_path / "nope.json")
    p = write_json("p.json", [make_pred(1, 1, "high", [None])])
    with pytest.raises(InputError) as err:
        load_predictions(p)
    assert str(err.value) == f"{p}: prediction #0 (video_id=1): 'score' must be a number, got 'high'"
    with pytest.raises(InputError, match=r"a result file must be a JSON list"):
        load_predictions(write_json("d.json", {"videos": []}))


def test_read_json_bad_bytes_directory_and_bom_raise_one_line(tmp_path):
    (tmp_path / "latin1.json").write_bytes(b'{"a": "\xe9"}')
    with pytest.raises(InputError, match=r"latin1.json: not valid JSON \('utf-8' codec"):
        read_json(tmp_path / "latin1.json")
    with pytest.raises(InputError, match=r": cannot read \("):
        read_json(tmp_path)
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf[]")     # as officially: no BOM
    with pytest.raises(InputError, match=r"bom.json: not valid JSON \(Unexpected UTF-8 BOM"):
        read_json(tmp_path / "bom.json")


def test_gc_paused_restores_state_and_nests():
    assert gc.isenabled()
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(InputError), gc_paused():
        read_json("/nonexistent/x.json")
    assert gc.isenabled()


def test_load_gt_and_preds_accept_records_or_paths(write_json):
    raw = make_gt([(1, 4, 6, 1)], [])
    path = write_json("gt.json", raw)
    ds, got_path = load_gt(path)
    assert got_path == path and isinstance(ds, Dataset)
    assert load_gt(ds) == (ds, None)
    preds_path = write_json("p.json", [make_pred(1, 1, 0.5, [None])])
    preds, got = load_preds(preds_path)
    assert got == preds_path and len(preds) == 1
    assert load_preds(tuple(preds)) == (preds, None)
