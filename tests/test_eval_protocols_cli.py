"""``vistool eval --protocol ovis / --class-agnostic / --iou-type bbox / --long-videos`` through
click's CliRunner: printed blocks, JSON keys, exit codes and error lines."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from vistoolkit.cli.main import main
from vistoolkit.eval.metrics.long_videos import LONG_VIDEO_KEYS
from vistoolkit.eval.metrics.ovis import OVIS_STAT_KEYS

REF = Path(os.environ.get("VISTOOLKIT_YTVIS_REF",
                          Path(__file__).resolve().parent / "data" / "ytvis_ref"))
pytestmark = pytest.mark.skipif(not (REF / "agnostic_metrics.json").exists(),
                                reason="ytvis_ref fixtures not found")


def _run(*args: str):
    return CliRunner().invoke(main, ["eval", *map(str, args)])


def _case(name: str) -> list[str]:
    base = REF / "ovis" if name.startswith("ovis") else REF
    return [str(base / f"{name}_gt.json"), str(base / f"{name}_pred.json")]


def test_eval_cli_ovis_prints_18_lines_and_json_stats(tmp_path):
    res = _run(*_case("ovis02"), "--protocol", "ovis", "--json", tmp_path / "m.json")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert all("| occ=" in line for line in lines[:18])
    assert lines[6] == (" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | occ= light | "
                        "maxDets=100 ] = 0.484")
    out = json.loads((tmp_path / "m.json").read_text())
    assert tuple(out["stats"]) == OVIS_STAT_KEYS and out["protocol"] == "ovis"
    want = json.loads((REF / "ovis" / "ovis_metrics.json").read_text())["cases"]["ovis02"]
    assert out["stats"]["AP_heavy"] == pytest.approx(want["stats_named"]["AP_heavy"], abs=1e-12)
    assert out["stats"]["APm"] is None                   # null where OVIS prints -1


def test_eval_cli_ovis_without_occlusion_labels_exits_2_with_one_line():
    res = _run(*_case("case01"), "--protocol", "ovis")
    assert res.exit_code == 2
    want = (f"error: {REF / 'case01_gt.json'}: annotation id=1 (video_id=1): no 'occlusion' "
            "labels; --protocol ovis needs OVIS ground truth (per-frame labels no_occlusion / "
            "slight_occlusion / severe_occlusion or null)")
    assert res.output.strip().splitlines() == [want]


def test_eval_cli_class_agnostic_json(tmp_path):
    res = _run(*_case("case02"), "--class-agnostic", "--json", tmp_path / "m.json")
    assert res.exit_code == 0, res.output
    out = json.loads((tmp_path / "m.json").read_text())
    want = json.loads((REF / "agnostic_metrics.json").read_text())["cases"]["case02"]
    assert out["stats"]["AP"] == pytest.approx(want["stats_named"]["AP"], abs=1e-12)
    assert out["class_agnostic"] is True and out["iou_type"] == "segm"


def test_eval_cli_iou_type_bbox_runs(tmp_path):
    res = _run(*_case("case04"), "--iou-type", "bbox", "--json", tmp_path / "m.json")
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "m.json").read_text())["iou_type"] == "bbox"


def test_eval_cli_iou_type_bbox_gt_without_bboxes_exits_2(tmp_path):
    gt = json.loads((REF / "case01_gt.json").read_text())
    for ann in gt["annotations"]:
        del ann["bboxes"]
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    res = _run(tmp_path / "gt.json", REF / "case01_pred.json", "--iou-type", "bbox")
    assert res.exit_code == 2
    want = (f"error: {tmp_path / 'gt.json'}: annotation id=1 (video_id=1): ground-truth "
            "annotation has no 'bboxes' (needed by --iou-type bbox)")
    assert res.output.strip().splitlines() == [want]


def test_eval_cli_long_videos_prints_block_and_json(tmp_path):
    ids = tmp_path / "long.txt"
    ids.write_text("3\n4\n")
    res = _run(*_case("case04"), "--long-videos", ids, "--json", tmp_path / "m.json")
    assert res.exit_code == 0, res.output
    assert "YouTube-VIS 2022: mAP = (AP_S + AP_L) / 2 = 42.2" in res.output
    assert "long   |  40.0 |  50.0 |  50.0 |  40.0 |  40.0" in res.output
    out = json.loads((tmp_path / "m.json").read_text())
    assert tuple(out["long_videos"]) == LONG_VIDEO_KEYS
    want = json.loads((REF / "ytvis2022_official.json").read_text())["cases"]["case04"]
    assert out["long_videos"]["mAP"] == pytest.approx(want["mAP"], abs=1e-12)


def test_eval_cli_long_videos_unknown_ids_exit_2_with_one_line(tmp_path):
    ids = tmp_path / "long.txt"
    ids.write_text("3\n7\n")
    res = _run(*_case("case04"), "--long-videos", ids)
    assert res.exit_code == 2
    assert res.output.strip().splitlines() == [
        f"error: {ids}: 1 video id(s) not in the ground truth {REF / 'case04_gt.json'}: 7"]


def test_eval_cli_protocol_choice_is_checked():
    res = _run(*_case("case01"), "--protocol", "coco")
    assert res.exit_code == 2 and "Invalid value for '--protocol'" in res.output
