"""vistoolkit.data.stats and ``vistool data stats`` on a hand-built file."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import box_rle, make_gt, make_pred

from vistoolkit.cli.main import main
from vistoolkit.data.stats import area_bucket, dataset_stats, prediction_stats
from vistoolkit.data.ytvis_io import parse_dataset, parse_predictions


def _gt() -> dict:
    small1 = box_rle(200, 200, 0, 0, 100, 100)        # area 10000
    empty = box_rle(200, 200, 0, 0, 0, 0)             # area 0
    large = box_rle(300, 300, 0, 0, 280, 250)         # area 70000
    tiny = box_rle(300, 300, 0, 0, 10, 10)            # area 100
    return make_gt([(1, 200, 200, 3), (2, 300, 300, 40)], [
        {"id": 1, "video_id": 1, "category_id": 1, "segmentations": [small1, small1, None]},
        {"id": 2, "video_id": 1, "category_id": 2, "segmentations": [small1, empty, small1],
         "areas": [20000, 0, 30000]},                 # areas as given: mean 25000 -> medium
        {"id": 3, "video_id": 2, "category_id": 1, "segmentations": [large] * 40},
        {"id": 4, "video_id": 2, "category_id": 1, "segmentations": [tiny] * 20 + [None] * 20},
    ], categories=(1, 2, 3))


def test_dataset_stats_hand_computed_values():
    s = dataset_stats(parse_dataset(_gt()))
    assert (s["videos"], s["frames"], s["tracks"]) == (2, 43, 4)
    assert s["tracks_per_video"] == {"mean": 2.0, "max": 2}
    assert s["track_length"] == {"min": 2.0, "median": 11.0, "mean": 16.0, "max": 40.0}
    assert s["track_length_hist"] == {"<=16": 2, "17-32": 1, ">32": 1}
    assert s["mean_area_buckets"] == {"small": 2, "medium": 1, "large": 1}
    assert s["categories"] == [{"id": 1, "name": "cat1", "tracks": 3},
                               {"id": 2, "name": "cat2", "tracks": 1},
                               {"id": 3, "name": "cat3", "tracks": 0}]


def test_dataset_stats_without_areas_measures_masks():
    gt = _gt()
    for ann in gt["annotations"]:
        del ann["areas"]
    s = dataset_stats(parse_dataset(gt))
    # track 2 now measured: 10000, 0, 10000 -> mean 10000 (small), 2 present frames
    assert s["mean_area_buckets"] == {"small": 3, "medium": 0, "large": 1}
    assert s["track_length"]["min"] == 2.0


@pytest.mark.parametrize("area, bucket", [(0, "small"), (16383.9, "small"), (16384, "medium"),
                                          (65535, "medium"), (65536, "large")])
def test_area_bucket_boundaries(area, bucket):
    assert area_bucket(area) == bucket


def test_prediction_stats_scores_per_category():
    m = box_rle(200, 200, 0, 0, 100, 100)
    preds = parse_predictions([make_pred(1, 1, 0.2, [m, None, None]),
                               make_pred(1, 1, 0.4, [m, m, None]),
                               make_pred(2, 3, 0.9, [m])])
    s = prediction_stats(preds, parse_dataset(_gt()))
    assert (s["predictions"], s["videos"], s["frames"]) == (3, 2, 7)
    assert s["score"]["median"] == 0.4 and s["track_length_hist"]["<=16"] == 3
    assert s["categories"] == [
        {"id": 1, "name": "cat1", "predictions": 2, "score_mean": pytest.approx(0.3), "score_max": 0.4},
        {"id": 3, "name": "cat3", "predictions": 1, "score_mean": 0.9, "score_max": 0.9}]
    assert s["mean_area_buckets"] == {"small": 3, "medium": 0, "large": 0}


def test_cli_stats_table_json_and_out(tmp_path, write_json):
    gt = write_json("gt.json", _gt())
    res = CliRunner().invoke(main, ["data", "stats", str(gt)])
    assert res.exit_code == 0
    lines = res.output.splitlines()
    assert lines[0] == "videos             2" and "track_length_hist  <=16=2  17-32=1  >32=1" in lines
    assert lines[-4:] == [" id name  tracks", "  1 cat1       3", "  2 cat2       1",
                          "  3 cat3       0"]
    res = CliRunner().invoke(main, ["data", "stats", str(gt), "--json"])
    assert json.loads(res.output)["tracks"] == 4
    res = CliRunner().invoke(main, ["data", "stats", str(gt), "-o", str(tmp_path / "s.json")])
    assert res.output == f"wrote {tmp_path / 's.json'}\n"
    assert json.loads((tmp_path / "s.json").read_text())["frames"] == 43


def test_cli_stats_bad_file_one_line(write_json):
    bad = write_json("bad.json", {"videos": [{"id": 1, "width": 2, "height": "x"}]})
    res = CliRunner().invoke(main, ["data", "stats", str(bad)])
    assert res.exit_code == 2
    assert res.stderr == f"error: {bad}: Expected `int`, got `str` - at `$.videos[0].height`\n"
