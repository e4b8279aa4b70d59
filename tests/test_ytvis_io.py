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
    assert str(err.value) == f"{p}: prediction #0: Expected `float`, got `str` - at `$[0].score`"
    with pytest.raises(InputError, match=r"a result file must be a JSON list"):
        load_predictions(write_json("d.json", {"videos": []}))


def test_read_json_bad_bytes_directory_and_bom_raise_one_line(tmp_path):
    (tmp_path / "latin1.json").write_bytes(b'{"a": "\xe9"}')
    with pytest.raises(InputError, match=r"latin1.json: not valid JSON \(Invalid UTF-8"):
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


# ---- hostile JSON: one line, never a traceback --------------------------------------------------

_PRED = '{"video_id": 1, "category_id": 1, "score": %s, "segmentations": [null]}'
_HOSTILE = {
    "deep nesting": "[" * 100_000 + "]" * 100_000,
    "5000-digit integer": "[%s]" % (_PRED % ("9" * 5000)),
    "1e400": "[%s]" % (_PRED % "1e400"),
    "-1e400": "[%s]" % (_PRED % "-1e400"),
    "Infinity literal": "[%s]" % (_PRED % "Infinity"),
    "NaN literal": "[%s]" % (_PRED % "NaN"),
    "truncated": "[%s" % (_PRED % "0.5"),
    "empty file": "",
}


@pytest.mark.parametrize("name", sorted(_HOSTILE))
@pytest.mark.parametrize("loader", (load_predictions, load_dataset, read_json))
def test_load_hostile_json_raises_one_line_input_error(tmp_path, name, loader):
    path = tmp_path / "x.json"
    path.write_text(_HOSTILE[name])
    with pytest.raises(InputError) as err:
        loader(path)
    assert str(err.value).startswith(f"{path}: ") and "\n" not in str(err.value)


@pytest.mark.parametrize("key", ("videos", "categories", "annotations"))
@pytest.mark.parametrize("value", ({"1": {}}, 7, "videos"))
def test_load_dataset_top_level_not_a_list_names_the_key(write_json, key, value):
    raw = make_gt([(1, 4, 6, 1)], [])
    raw[key] = value
    with pytest.raises(InputError, match=rf"Expected `array( \| null)?`, got `\w+` - at `\$\.{key}`"):
        load_dataset(write_json("gt.json", raw))


@pytest.mark.parametrize("entry, field", [
    ({"video_id": 1, "category_id": 1, "score": 0.5}, "Object missing required field `segmentations`"),
    ({"video_id": "1", "category_id": 1, "score": 0.5, "segmentations": []}, "`$[1].video_id`"),
    ({"video_id": 2**63, "category_id": 1, "score": 0.5, "segmentations": []}, "`$[1].video_id`"),
    ({"video_id": 1, "category_id": 1, "score": True, "segmentations": []}, "`$[1].score`"),
    ({"video_id": 1, "category_id": 1, "score": 0.5, "segmentations": {}}, "`$[1].segmentations`"),
    ({"video_id": 1, "category_id": 1, "score": 0.5, "segmentations": [{"size": [4, 6]}]},
     "`$[1].segmentations[0]`"),
    ({"video_id": 1, "category_id": 1, "score": 0.5,
      "segmentations": [{"size": [4, 6], "counts": {}}]}, "`$[1].segmentations[0].counts`"),
    ({"category_id": 1, "score": 0.5, "segmentations": [], "bboxes": 1,
      "id": "x", "category_id_": 1, "video_id": None}, "`$[1].video_id`"),   # extras path too
])
def test_load_predictions_structure_error_names_record_and_field(write_json, entry, field):
    path = write_json("p.json", [make_pred(1, 1, 0.5, [None]), entry])
    with pytest.raises(InputError) as err:
        load_predictions(path)
    assert str(err.value).startswith(f"{path}: prediction #1: ") and field in str(err.value)


def test_load_predictions_extra_keys_kept_and_frames_typed(write_json):
    a = box_rle(4, 6, 0, 0, 2, 3)
    raw = [make_pred(1, 1, 0.5, [a, None]) | {"bboxes": [[0, 0, 3, 2], None], "id": 7},
           make_pred(1, 2, 1, [UNCOMPRESSED, POLY])]
    preds = load_predictions(write_json("p.json", raw))
    assert preds[0].extra == {"bboxes": [[0, 0, 3, 2], None], "id": 7} and preds[1].extra == {}
    assert preds[0].segmentations == (a, None) and type(preds[0].segmentations[0]["counts"]) is str
    assert preds[1].score == 1.0 and preds[1].segmentations == (UNCOMPRESSED, POLY)
    assert [prediction_to_json(p) for p in preds] == raw


def test_load_predictions_releasing_pages_every_element_same_records(write_json, monkeypatch):
    from vistoolkit.data import json_io

    raw = [make_pred(1, 1, i / 10, [box_rle(4, 6, 0, 0, 2, i % 5 + 1), None]) for i in range(10)]
    path = write_json("p.json", raw)
    monkeypatch.setattr(json_io, "_RELEASE_BYTES", 1)
    assert [prediction_to_json(p) for p in load_predictions(path)] == raw


@pytest.mark.parametrize("name", ("deep nesting", "5000-digit integer", "1e400", "NaN literal"))
@pytest.mark.parametrize("side", ("gt", "pred"))
def test_cli_eval_hostile_json_exit_2_one_line(tmp_path, write_json, name, side):
    from click.testing import CliRunner

    from vistoolkit.cli.main import main

    gt = write_json("gt.json", make_gt([(1, 4, 6, 1)], [
        {"id": 1, "video_id": 1, "category_id": 1, "segmentations": [box_rle(4, 6, 0, 0, 2, 3)]}]))
    pred = write_json("pred.json", [make_pred(1, 1, 0.5, [box_rle(4, 6, 0, 0, 2, 3)])])
    bad = tmp_path / f"bad_{side}.json"
    text = _HOSTILE[name]
    if side == "gt" and name != "deep nesting":
        text = '{"videos": [], "annotations": %s}' % text
    bad.write_text(text)
    args = ["eval", str(bad), str(pred)] if side == "gt" else ["eval", str(gt), str(bad)]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith(f"error: {bad}: ") and res.stderr.count("\n") == 1
