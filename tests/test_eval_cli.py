"""``vistool eval`` through click's CliRunner: outputs, files and every error path."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from vistoolkit.cli.main import main
from vistoolkit.data.problems import raise_first
from vistoolkit.data.validate import validate_predictions
from vistoolkit.data.ytvis_io import load_dataset, load_predictions
from vistoolkit.errors import InputError

REF = Path(os.environ.get("VISTOOLKIT_YTVIS_REF",
                          Path(__file__).resolve().parent / "data" / "ytvis_ref"))
pytestmark = pytest.mark.skipif(not (REF / "official_metrics.json").exists(),
                                reason="ytvis_ref fixtures not found")


def _run(*args: str):
    return CliRunner().invoke(main, ["eval", *args])


def _case(name: str) -> list[str]:
    return [str(REF / f"{name}_gt.json"), str(REF / f"{name}_pred.json")]


def _official(name: str) -> dict:
    return json.loads((REF / "official_metrics.json").read_text())["cases"][name]


def test_eval_cli_prints_official_block_and_compact_table():
    res = _run(*_case("case02"))
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0] == (" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]"
                        " = 0.590")
    assert lines[6] == (" Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ]"
                        " = 0.025")
    assert lines[4].endswith("= -1.000")
    assert lines[13].split() == ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10"]
    assert lines[14].split() == ["59.0", "82.9", "53.4", "59.0", "-", "-", "2.5", "34.6"]
    assert "share their score" in res.stderr


def test_eval_cli_size_mismatch_exits_2_with_one_line():
    gt, pred = _case("quirk01")
    problems = validate_predictions(load_predictions(pred), load_dataset(gt))
    with pytest.raises(InputError) as err:
        raise_first(problems, path=pred)
    res = _run(gt, pred)
    assert res.exit_code == 2
    assert res.stderr == f"error: {err.value}\n"
    assert res.stderr.startswith(f"error: {pred}: prediction #0 (video_id=1), frame 0: RLE size")


def test_eval_cli_length_mismatch_exits_2():
    gt, pred = _case("quirk02")
    res = _run(gt, pred)
    assert res.exit_code == 2
    assert res.stderr.startswith(
        f"error: {pred}: prediction #0 (video_id=1): 3 segmentations for a 6-frame video")
    assert res.stderr.count("\n") == 1


@pytest.mark.parametrize("case,kind,n", [("quirk01", "size", 5), ("quirk02", "length", 8)])
def test_eval_cli_lenient_reproduces_official_and_counts(case, kind, n):
    res = _run(*_case(case), "--lenient", "--json", os.devnull)
    assert res.exit_code == 0, res.output
    assert (f"warning: --lenient: {n} record(s) evaluated as the official evaluator does "
            f"({n} with {kind} problems)") in res.stderr.splitlines()
    first = res.stdout.splitlines()[0]
    assert first.endswith(f"= {_official(case)['stats'][0]:0.3f}")


def test_eval_cli_unknown_category_option_exits_2():
    res = _run(*_case("case01"), "--categories", "1,dragon")
    assert res.exit_code == 2
    assert res.stderr == "error: --categories: unknown category 'dragon' (not an id or name in " \
                         "the ground truth)\n"


def test_eval_cli_invalid_json_exits_2(tmp_path):
    bad = tmp_path / "pred.json"
    bad.write_text("[{")
    res = _run(str(REF / "case01_gt.json"), str(bad))
    assert res.exit_code == 2
    assert res.stderr.startswith(f"error: {bad}: not valid JSON (")


def test_eval_cli_unknown_video_exits_2(tmp_path):
    pred = tmp_path / "pred.json"
    raw = json.loads((REF / "case01_pred.json").read_text())
    raw[0]["video_id"] = 99
    pred.write_text(json.dumps(raw))
    res = _run(str(REF / "case01_gt.json"), str(pred), "--lenient")
    assert res.exit_code == 2
    assert res.stderr == (f"error: {pred}: prediction #0 (video_id=99): video_id 99 is not in "
                          "the ground truth\n")


def test_eval_cli_empty_result_needs_allow_empty(tmp_path):
    pred = tmp_path / "pred.json"
    pred.write_text("[]")
    res = _run(str(REF / "case01_gt.json"), str(pred))
    assert res.exit_code == 2
    assert res.stderr == f"error: {pred}: top level: the result list is empty\n"
    ok = _run(str(REF / "case01_gt.json"), str(pred), "--allow-empty")
    assert ok.exit_code == 0
    assert ok.stdout.splitlines()[0].endswith("= 0.000")


def test_eval_cli_missing_file_is_usage_error(tmp_path):
    res = _run(str(tmp_path / "nope.json"), str(REF / "case01_pred.json"))
    assert res.exit_code == 2
    assert "does not exist" in res.stderr


def test_eval_cli_json_and_csv_use_short_keys(tmp_path):
    res = _run(*_case("case05"), "--json", str(tmp_path / "m.json"), "--csv",
               str(tmp_path / "m.csv"), "--per-video", "--breakdown", "length")
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "m.json").read_text())
    assert list(data["stats"]) == ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10",
                                   "AR100", "ARs", "ARm", "ARl"]
    stats = [-1.0 if v is None else v for v in data["stats"].values()]   # null: undefined
    np.testing.assert_allclose(stats, _official("case05")["stats"], atol=1e-12)
    assert data["stats"]["APm"] is None
    assert [b["bucket"] for b in data["breakdowns"]["length"]] == ["1-16", "17-32", ">32"]
    assert len(data["per_video"]) == 2
    rows = (tmp_path / "m.csv").read_text().splitlines()
    assert rows[0] == "scope,name,AP,AP50,AP75,APs,APm,APl,AR1,AR10,AR100,ARs,ARm,ARl"
    assert float(rows[1].split(",")[2]) == _official("case05")["stats"][0]
    assert rows[1].split(",")[6] == ""                      # APm: no medium GT, undefined
    assert rows[2].startswith("category:")


def test_eval_cli_per_category_table():
    res = _run(*_case("case02"), "--per-category")
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    head = lines.index("category        |    AP |  AP50 |   #gt |  #pred")
    assert lines[head + 1] == "person (1)      |  30.8 |  78.6 |    14 |     15"
    assert lines[head + 3] == "lizard (3)      |     - |     - |     0 |      1"


def test_eval_cli_plot_writes_pngs(tmp_path):
    res = _run(*_case("case02"), "--plot", str(tmp_path / "plots"))
    assert res.exit_code == 0, res.output
    names = sorted(p.name for p in (tmp_path / "plots").iterdir())
    assert names == ["pr_1_person.png", "pr_2_giant_panda.png", "pr_all.png"]
    assert (tmp_path / "plots" / "pr_all.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_eval_cli_registered_in_group():
    res = CliRunner().invoke(main, ["--help"])
    assert "eval" in res.stdout


@pytest.mark.parametrize("mutation,line", [
    ("score", "prediction #0 (video_id=1): score 1.5 is not a finite number in [0, 1]"),
    ("rle", "prediction #0 (video_id=1), frame 0: undecodable RLE: "),   # + the decoder's why
    ("category", ("prediction #0 (video_id=1): category_id 77 is not a ground-truth category "
                 "(1, 2, 3)")),
])
def test_eval_cli_invalid_prediction_exits_2_with_exact_line(tmp_path, mutation, line):
    raw = json.loads((REF / "case01_pred.json").read_text())
    if mutation == "score":
        raw[0]["score"] = 1.5
    elif mutation == "rle":
        raw[0]["segmentations"][0]["counts"] = "0000"
    else:
        raw[0]["category_id"] = 77
    pred = tmp_path / "pred.json"
    pred.write_text(json.dumps(raw))
    res = _run(str(REF / "case01_gt.json"), str(pred))
    assert res.exit_code == 2
    if mutation == "rle":     # native: "runs of RLE counts sum to 0, expected h*w = 57600"
        assert res.stderr.startswith(f"error: {pred}: {line}") and res.stderr.count("\n") == 1
        assert "sum to 0, expected" in res.stderr and "57600" in res.stderr
    else:
        assert res.stderr == f"error: {pred}: {line}\n"


def test_eval_cli_duplicate_prediction_warns_and_scores_as_false_positive(tmp_path):
    raw = json.loads((REF / "case01_pred.json").read_text())
    raw.append(dict(raw[0]))
    pred = tmp_path / "pred.json"
    pred.write_text(json.dumps(raw))
    res = _run(str(REF / "case01_gt.json"), str(pred))
    assert res.exit_code == 0
    assert "1 prediction(s) repeat an earlier one exactly" in res.stderr
    # the copy ranks after the true positive, so it is a false positive that leaves AP unchanged
    assert res.stdout.splitlines()[0].endswith(f"= {_official('case01')['stats'][0]:0.3f}")


def test_eval_cli_lenient_drops_unknown_category(tmp_path):
    raw = json.loads((REF / "case01_pred.json").read_text())
    raw.append(dict(raw[0], category_id=77, score=0.99))
    pred = tmp_path / "pred.json"
    pred.write_text(json.dumps(raw))
    res = _run(str(REF / "case01_gt.json"), str(pred), "--lenient")
    assert res.exit_code == 0
    assert "(1 with unknown_category problems)" in res.stderr
    assert res.stdout.splitlines()[0].endswith(f"= {_official('case01')['stats'][0]:0.3f}")
