"""``vistool eval --metrics hota`` and ``--errors``: text blocks, JSON keys, the error plot."""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import REF_DIR

from vistoolkit.cli.main import main

GT, PRED = str(REF_DIR / "case04_gt.json"), str(REF_DIR / "case04_pred.json")


def test_eval_metrics_hota_prints_and_writes_the_three_scopes(tmp_path):
    out = tmp_path / "m.json"
    run = CliRunner().invoke(main, ["eval", GT, PRED, "--metrics", "hota", "--json", str(out)])
    assert run.exit_code == 0, run.output
    assert "class_averaged     |" in run.output and "detection_averaged |" in run.output
    doc = json.loads(out.read_text())
    ref = json.loads((REF_DIR / "hota_metrics.json").read_text())["cases"]["case04"]
    assert doc["hota"]["class_averaged"]["HOTA"] == ref["combined"]["cls_comb_cls_av"]["HOTA"]
    assert set(doc["hota"]["per_class"]) == {"1", "2", "3", "4"}


def test_eval_errors_prints_table_worst_videos_and_plots(tmp_path):
    out, plots = tmp_path / "m.json", tmp_path / "plots"
    run = CliRunner().invoke(main, ["eval", GT, PRED, "--errors", "--json", str(out),
                                    "--plot", str(plots)])
    assert run.exit_code == 0, run.output
    assert "TIVE errors at IoU 0.5 on the official AP50 = 61.41" in run.output
    assert "worst videos (AP of the video alone):" in run.output
    assert "--video 3" in run.output
    doc = json.loads(out.read_text())
    assert doc["errors"]["count"]["Bkg"] == 6
    assert [r["video_id"] for r in doc["video_ap"]] == [3, 1, 4, 2]
    assert (plots / "errors.png").stat().st_size > 1000


def test_eval_mask_analyses_refuse_tube_boxes_with_one_line():
    for extra in (["--metrics", "hota"], ["--errors"]):
        run = CliRunner().invoke(main, ["eval", GT, PRED, "--iou-type", "bbox", *extra])
        assert run.exit_code == 2, run.output
        assert "is defined on masks; evaluate with iou_type 'segm', not 'bbox'" in run.output
