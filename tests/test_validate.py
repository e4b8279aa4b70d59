"""vistoolkit.data.validate and ``vistool validate``: every problem kind, exact message and where."""

from __future__ import annotations

import math

import pytest
from click.testing import CliRunner
from conftest import REF_DIR, box_rle, make_gt, make_pred

from vistoolkit.cli.main import main
from vistoolkit.data.problems import Problem, raise_first
from vistoolkit.data.validate import (
    check_predictions,
    validate_dataset,
    validate_predictions,
    validate_predictions_areas,
)
from vistoolkit.data.ytvis_io import parse_dataset, parse_predictions
from vistoolkit.errors import InputError

A = box_rle(4, 6, 0, 0, 2, 3)  # a valid frame of video 1 (4x6)
B = box_rle(8, 8, 2, 2, 6, 6)  # a valid frame of video 2 (8x8)


def _check(gt_json: dict, raw_preds: list, **kw) -> list[Problem]:
    return validate_predictions(parse_predictions(raw_preds), parse_dataset(gt_json), **kw)


def test_validate_predictions_valid_forms_no_problems(tiny_gt):
    raw = [make_pred(1, 1, 0.5, [A, None]),
           make_pred(1, 2, 1.0, [{"size": [4, 6], "counts": [3, 2, 19]}, [[0, 0, 3, 0, 3, 2]]]),
           make_pred(2, 2, 0.0, [B, B, {"size": [8, 8], "counts": B["counts"].encode()}])]
    assert _check(tiny_gt, raw) == []


@pytest.mark.parametrize("pred, expected", [
    (make_pred(1, 1, 0.5, [A]),
     Problem("length", "1 segmentations for a 2-frame video", "prediction #0 (video_id=1)")),
    (make_pred(1, 1, 0.5, [A, box_rle(6, 4, 0, 0, 1, 1)]),
     Problem("size", "RLE size [6, 4] differs from the video size [4, 6] (1 of 2 frames)",
             "prediction #0 (video_id=1), frame 1")),
    (make_pred(1, 1, 0.5, [A, {"size": [4, 6], "counts": "i0"}]),  # 5x5 empty mask: sums to 25
     Problem("rle", "undecodable RLE: counts sum to 25, expected 4*6=24",
             "prediction #0 (video_id=1), frame 1")),
    (make_pred(1, 1, 0.5, [{"size": [4, 6], "counts": "!!"}, {"size": [4, 6], "counts": "P"}]),
     Problem("rle", "undecodable RLE: malformed counts string (2 frames)",
             "prediction #0 (video_id=1), frame 0")),
    (make_pred(1, 1, 0.5, [A, {"size": [4, 6], "counts": [20]}]),
     Problem("rle", "undecodable RLE: counts sum to 20, expected 4*6=24",
             "prediction #0 (video_id=1), frame 1")),
    (make_pred(1, 1, 0.5, [[[0, 0]], A]),
     Problem("rle", "malformed segmentation [[0, 0]]", "prediction #0 (video_id=1), frame 0")),
    (make_pred(9, 1, 0.5, [A, A]),
     Problem("unknown_video", "video_id 9 is not in the ground truth", "prediction #0 (video_id=9)")),
    (make_pred(1, 7, 0.5, [A, A]),
     Problem("unknown_category", "category_id 7 is not a ground-truth category (1, 2)",
             "prediction #0 (video_id=1)")),
    (make_pred(1, 1, 1.5, [A, A]),
     Problem("score", "score 1.5 is not a finite number in [0, 1]", "prediction #0 (video_id=1)")),
    (make_pred(1, 1, math.nan, [A, A]),
     Problem("score", "score nan is not a finite number in [0, 1]", "prediction #0 (video_id=1)")),
])
def test_validate_predictions_each_kind_exact_problem(tiny_gt, pred, expected):
    assert _check(tiny_gt, [pred]) == [expected]


def test_validate_predictions_empty_list_reported_unless_allowed(tiny_gt):
    assert _check(tiny_gt, []) == [Problem("empty", "the result list is empty", "top level")]
    assert _check(tiny_gt, [], allow_empty=True) == []


def test_validate_predictions_duplicate_names_first(tiny_gt):
    raw = [make_pred(1, 1, 0.9, [A, None]), make_pred(1, 1, 0.2, [A, None]),
           make_pred(1, 2, 0.9, [A, None])]
    assert _check(tiny_gt, raw) == [Problem(
        "duplicate", "duplicate of prediction #0 (same video, category and segmentations)",
        "prediction #1 (video_id=1)")]


def test_validate_predictions_many_problems_all_reported_in_order(tiny_gt):
    bad = {"size": [4, 6], "counts": "i0"}
    raw = [make_pred(1, 3, 2.0, [A]), make_pred(2, 1, 0.5, [B, B, B]),
           make_pred(1, 1, 0.5, [bad, bad])]
    kinds = [(p.kind, p.where) for p in _check(tiny_gt, raw)]
    assert kinds == [("unknown_category", "prediction #0 (video_id=1)"),
                     ("score", "prediction #0 (video_id=1)"),
                     ("length", "prediction #0 (video_id=1)"),
                     ("rle", "prediction #2 (video_id=1), frame 0")]


def test_validate_predictions_check_rle_off_skips_decoding(tiny_gt):
    raw = [make_pred(1, 1, 0.5, [A, {"size": [4, 6], "counts": "i0"}])]
    assert _check(tiny_gt, raw, check_rle=False) == []


def test_validate_predictions_areas_pycocotools_areas_where_decoded(tiny_gt):
    bad = {"size": [4, 6], "counts": "i0"}
    raw = [make_pred(1, 1, 0.5, [A, None]),
           make_pred(1, 2, 0.5, [{"size": [4, 6], "counts": [3, 2, 19]}, bad]),
           make_pred(2, 2, 0.5, [B, None, {"size": [8, 8], "counts": B["counts"].encode()}])]
    problems, found, areas = validate_predictions_areas(parse_predictions(raw),
                                                        parse_dataset(tiny_gt))
    assert problems == _check(tiny_gt, raw)
    assert [p.kind for p in problems] == ["rle"]
    assert found.owner.tolist() == [0, 1, 2, 2] and found.frame.tolist() == [0, 1, 0, 2]
    assert found.expected.tolist() == [24, 24, 64, 64]
    assert areas.tolist() == [6, 0, 16, 16]  # box areas; "i0" (25 background pixels) has 0


def test_check_predictions_deferred_totals_give_same_problems(tiny_gt):
    bad = {"size": [4, 6], "counts": "i0"}
    preds = parse_predictions([make_pred(1, 1, 2.0, [A, bad]), make_pred(1, 2, 0.5, [bad, A])])
    check = check_predictions(preds, parse_dataset(tiny_gt))
    assert check.problems(None) == [Problem("score", "score 2.0 is not a finite number in [0, 1]",
                                            "prediction #0 (video_id=1)")]
    totals = check.strings.expected.copy()
    totals[[1, 2]] = 25
    assert check.problems(totals) == validate_predictions(preds, parse_dataset(tiny_gt))
    assert [p.where for p in check.problems(totals)] == [
        "prediction #0 (video_id=1)", "prediction #0 (video_id=1), frame 1",
        "prediction #1 (video_id=1), frame 0"]


def test_validate_predictions_reference_quirks_refused():
    gt = parse_dataset(__import__("json").loads((REF_DIR / "quirk02_gt.json").read_text()))
    preds = parse_predictions(__import__("json").loads((REF_DIR / "quirk02_pred.json").read_text()))
    problems = validate_predictions(preds, gt)
    assert problems and {p.kind for p in problems} == {"length"}


def test_raise_first_counts_others_one_line():
    probs = [Problem("size", "bad size", "prediction #1 (video_id=2), frame 3"),
             Problem("score", "bad score", "prediction #4 (video_id=2)")]
    with pytest.raises(InputError) as err:
        raise_first(probs, path="p.json")
    assert str(err.value) == ("p.json: prediction #1 (video_id=2), frame 3: bad size "
                              "(+1 more problem(s); run `vistool validate`)")
    raise_first([], path="p.json")  # no problem: no error


def test_validate_dataset_each_kind_exact_problem():
    gt = make_gt([(1, 4, 6, 2), (1, 4, 6, 2)], [
        {"id": 5, "video_id": 1, "category_id": 1, "segmentations": [A]},
        {"id": 5, "video_id": 3, "category_id": 9, "segmentations": [A, A]},
        {"id": 6, "video_id": 1, "category_id": 2, "segmentations": [A, box_rle(6, 4, 0, 0, 1, 1)]},
    ])
    del gt["annotations"][2]["areas"]
    del gt["annotations"][2]["iscrowd"]
    gt["annotations"][0]["areas"] = [6, 6]
    w0, w1, w2 = ("annotations[0] (id=5, video_id=1)", "annotations[1] (id=5, video_id=3)",
                  "annotations[2] (id=6, video_id=1)")
    assert validate_dataset(parse_dataset(gt)) == [
        Problem("duplicate_id", "video id 1 appears 2 times", "videos"),
        Problem("duplicate_id", "annotation id 5 appears 2 times", "annotations"),
        Problem("length", "1 segmentations for a 2-frame video", w0),
        Problem("length", "1 bboxes for a 2-frame video", w0),
        Problem("unknown_video", "video_id 3 is not in 'videos'", w1),
        Problem("unknown_category", "category_id 9 is not in 'categories'", w1),
        Problem("missing_key", "missing key(s) areas, iscrowd", w2),
        Problem("size", "RLE size [6, 4] differs from the video size [4, 6] (1 of 2 frames)",
                w2 + ", frame 1"),
    ]


def test_validate_dataset_reference_fixtures_clean():
    for case in ("case01", "case02", "case03", "case04", "case05"):
        text = (REF_DIR / f"{case}_gt.json").read_text()
        assert validate_dataset(parse_dataset(__import__("json").loads(text))) == [], case


def test_cli_validate_valid_exit0_summary(write_json, tiny_gt):
    gt = write_json("gt.json", tiny_gt)
    pred = write_json("pred.json", [make_pred(1, 1, 0.5, [A, None])])
    res = CliRunner().invoke(main, ["validate", str(pred), "--gt", str(gt)])
    assert res.exit_code == 0
    assert res.output == f"OK: {pred}: 1 predictions, 1 videos, 2 frames checked against {gt}\n"


def test_cli_validate_problems_exit2_capped(write_json, tiny_gt):
    gt = write_json("gt.json", tiny_gt)
    pred = write_json("pred.json", [make_pred(1, 1, 0.5, [A]) for _ in range(3)])
    res = CliRunner().invoke(main, ["validate", str(pred), "--gt", str(gt), "--max-lines", "2"])
    assert res.exit_code == 2
    lines = res.output.splitlines()
    assert lines[0] == (f"{pred}: prediction #0 (video_id=1): 1 segmentations for a 2-frame video "
                        "[length]")
    assert lines[2] == "... and 3 more"
    assert lines[3] == f"FAILED: {pred}: 5 problem(s) in 3 predictions (duplicate: 2, length: 3)"


def test_cli_validate_gt_alone_and_errors(write_json, tiny_gt):
    gt = write_json("gt.json", tiny_gt)
    res = CliRunner().invoke(main, ["validate", str(gt)])
    assert res.exit_code == 0 and res.output.startswith(f"OK: {gt}: 2 annotations, 2 videos")
    pred = write_json("pred.json", [make_pred(1, 1, 0.5, [A, A])])
    res = CliRunner().invoke(main, ["validate", str(pred)])
    assert res.exit_code == 2
    assert res.stderr == (f"error: {pred}: a result file is checked against its ground truth: "
                          "pass --gt GT.json\n")
    broken = write_json("broken.json", {"videos": [{"id": 1}]})
    res = CliRunner().invoke(main, ["validate", str(broken)])
    assert res.exit_code == 2
    assert res.stderr == (f"error: {broken}: Object missing required field `width` - at "
                          "`$.videos[0]`\n")
