"""vistoolkit.data.resample and ``vistool data resample``: time alignment, field updates, drops."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import box_rle, make_gt, make_pred

from vistoolkit.cli.main import main
from vistoolkit.data.resample import resample_dataset, resample_indices, resample_predictions
from vistoolkit.data.ytvis_io import (
    load_dataset,
    load_predictions,
    parse_dataset,
    parse_predictions,
)
from vistoolkit.errors import InputError

M = box_rle(4, 4, 0, 0, 2, 3)  # area 6, bbox [0, 0, 3, 2]


@pytest.mark.parametrize("length, src, fps, expected", [
    (20, 6.0, 1.5, [0, 4, 8, 12, 16]),          # integral ratio 4: stride
    (100, 6.0, 0.2, [0, 30, 60, 90]),           # integral ratio 30
    (10, 6.0, 4.0, [0, 2, 3, 5, 6, 8, 9]),      # ratio 1.5: nearest frame to k/4 s
    (5, 6.0, 6.0, [0, 1, 2, 3, 4]),
    (0, 6.0, 1.5, []),
])
def test_resample_indices_time_aligned(length, src, fps, expected):
    assert resample_indices(length, src_fps=src, fps=fps) == expected


def test_resample_indices_upsampling_raises():
    with pytest.raises(ValueError, match="cannot upsample"):
        resample_indices(10, src_fps=6.0, fps=12.0)


def _gt() -> dict:
    segs_kept = [None] * 9
    segs_kept[4] = M
    segs_dropped = [None, M, M, None, None, None, None, None, None]
    gt = make_gt([(1, 4, 4, 9), (2, 4, 4, 4)], [
        {"id": 1, "video_id": 1, "category_id": 1, "segmentations": segs_kept,
         "occlusion": list(range(9))},
        {"id": 2, "video_id": 1, "category_id": 2, "segmentations": segs_dropped},
        {"id": 3, "video_id": 2, "category_id": 1, "segmentations": [M, None, None, M]},
    ])
    gt["videos"][1]["fps"] = 3.0  # its own source rate: stride 2 to 1.5 fps
    return gt


def test_resample_dataset_fields_updated_and_empty_tracks_dropped():
    out = resample_dataset(parse_dataset(_gt()), fps=1.5)
    v1, v2 = out.videos
    assert (v1.length, v1.file_names) == (3, ("v1/00000.jpg", "v1/00004.jpg", "v1/00008.jpg"))
    assert v1.extra["source_frame_indices"] == [0, 4, 8] and v1.extra["fps"] == 1.5
    assert v2.extra["source_frame_indices"] == [0, 2] and v2.length == 2
    assert [t.id for t in out.tracks] == [1, 3]
    t1 = out.tracks[0]
    assert t1.segmentations == (None, M, None)
    assert t1.areas == (None, 6, None) and t1.bboxes == (None, [0.0, 0.0, 3.0, 2.0], None)
    assert t1.extra["occlusion"] == [0, 4, 8]


def test_resample_dataset_twice_composes_source_indices():
    ds = parse_dataset(_gt())
    twice = resample_dataset(resample_dataset(ds, fps=3.0), fps=1.5)
    assert twice.videos[0].extra["source_frame_indices"] == [0, 4, 8]
    assert twice.videos[0].file_names == resample_dataset(ds, fps=1.5).videos[0].file_names


def test_resample_predictions_same_selection_drop_empty_renumber():
    gt = parse_dataset(_gt())
    preds = parse_predictions([
        make_pred(1, 1, 0.9, [None, M, None, None, None, None, None, None, None]),  # empty after
        make_pred(1, 1, 0.8, [M, None, None, None, None, None, None, None, M]),
        make_pred(2, 2, 0.7, [None, None, M, None]),
    ])
    out = resample_predictions(preds, gt, fps=1.5)
    assert [(p.score, p.index) for p in out] == [(0.8, 0), (0.7, 1)]
    assert out[0].segmentations == (M, None, M) and out[1].segmentations == (None, M)
    by_map = resample_predictions(preds, {1: [0, 4, 8], 2: [0, 2]})
    assert [p.segmentations for p in by_map] == [p.segmentations for p in out]


def test_resample_predictions_length_mismatch_raises():
    preds = parse_predictions([make_pred(1, 1, 0.9, [M, M])])
    with pytest.raises(InputError, match=r"prediction #0 \(video_id=1\): 2 segmentations for a "
                                         r"9-frame video"):
        resample_predictions(preds, parse_dataset(_gt()), fps=1.5)


def test_cli_resample_gt_and_pred(tmp_path, write_json):
    gt = write_json("gt.json", _gt())
    res = CliRunner().invoke(main, ["data", "resample", str(gt), "--fps", "1.5",
                                    "-o", str(tmp_path / "gt15.json")])
    assert res.exit_code == 0, res.output
    assert res.output == (f"wrote {tmp_path / 'gt15.json'}: 2 videos, 13 -> 5 frames, "
                          "2 of 3 tracks kept at 1.5 fps\n")
    assert json.loads((tmp_path / "gt15.json").read_text())["videos"][0]["length"] == 3
    pred = write_json("pred.json", [make_pred(1, 1, 0.8, [M] * 9)])
    res = CliRunner().invoke(main, ["data", "resample", str(pred), "--pred", "--gt", str(gt),
                                    "--fps", "0.2", "-o", str(tmp_path / "p.json")])
    assert res.exit_code == 0, res.output
    assert load_predictions(tmp_path / "p.json")[0].segmentations == (M,)
    assert load_dataset(tmp_path / "gt15.json").tracks[0].segmentations == (None, M, None)


def test_cli_resample_pred_without_gt_error_no_output(tmp_path, write_json):
    pred = write_json("pred.json", [make_pred(1, 1, 0.8, [M])])
    res = CliRunner().invoke(main, ["data", "resample", str(pred), "--fps", "1.5",
                                    "-o", str(tmp_path / "o.json")])
    assert res.exit_code == 2
    assert res.stderr == (f"error: {pred}: resampling a result file needs --gt (its original "
                          "ground truth)\n")
    assert not (tmp_path / "o.json").exists()
    gt = write_json("gt.json", _gt())
    res = CliRunner().invoke(main, ["data", "resample", str(gt), "--fps", "12",
                                    "-o", str(tmp_path / "o.json")])
    assert res.exit_code == 2
    assert res.stderr == f"error: {gt}: cannot upsample: target 12.0 fps exceeds the source 6.0 fps\n"
