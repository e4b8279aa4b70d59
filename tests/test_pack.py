"""vistoolkit.data.pack and ``vistool pack``: zip layout, checks, no partial output."""

from __future__ import annotations

import zipfile

from click.testing import CliRunner
from conftest import box_rle, make_pred

from vistoolkit.cli.main import main
from vistoolkit.data.pack import pack_results

A = box_rle(4, 6, 0, 0, 2, 3)


def test_pack_results_zip_has_results_json_at_root_unchanged(tmp_path, write_json, tiny_gt):
    pred = write_json("my preds.json", [make_pred(1, 1, 0.5, [A, None])])
    gt = write_json("gt.json", tiny_gt)
    res = pack_results(pred, tmp_path / "sub.zip", gt_path=gt)
    with zipfile.ZipFile(tmp_path / "sub.zip") as z:
        assert z.namelist() == ["results.json"]
        assert z.read("results.json") == pred.read_bytes()
    assert res.predictions == 1 and res.zip_bytes == (tmp_path / "sub.zip").stat().st_size


def test_cli_pack_prints_summary(tmp_path, write_json):
    pred = write_json("p.json", [make_pred(1, 1, 0.5, [A, None])])
    out = tmp_path / "s.zip"
    res = CliRunner().invoke(main, ["pack", str(pred), "-o", str(out)])
    assert res.exit_code == 0
    kb = pred.stat().st_size / 1e3
    assert res.output == (f"wrote {out} (results.json: 1 predictions, {kb:.1f} kB -> "
                          f"{out.stat().st_size / 1e3:.1f} kB zipped)\n")


def test_cli_pack_invalid_against_gt_exit2_no_zip(tmp_path, write_json, tiny_gt):
    pred = write_json("p.json", [make_pred(1, 1, 0.5, [A])])
    gt = write_json("gt.json", tiny_gt)
    out = tmp_path / "s.zip"
    res = CliRunner().invoke(main, ["pack", str(pred), "--gt", str(gt), "-o", str(out)])
    assert res.exit_code == 2
    assert res.stderr == (f"error: {pred}: prediction #0 (video_id=1): 1 segmentations for a "
                          "2-frame video\n")
    assert not out.exists() and list(tmp_path.glob(".s.zip*")) == []


def test_cli_pack_structure_errors(tmp_path, write_json):
    empty = write_json("e.json", [])
    res = CliRunner().invoke(main, ["pack", str(empty), "-o", str(tmp_path / "s.zip")])
    assert res.exit_code == 2
    assert res.stderr == f"error: {empty}: top level: the result list is empty\n"
    res = CliRunner().invoke(main, ["pack", str(empty), "--allow-empty", "-o", str(tmp_path / "s.zip")])
    assert res.exit_code == 0
    bad = write_json("b.json", [{"video_id": 1, "score": 0.5}])
    res = CliRunner().invoke(main, ["pack", str(bad), "-o", str(tmp_path / "t.zip")])
    assert res.exit_code == 2
    assert res.stderr == (f"error: {bad}: prediction #0: Object missing required field "
                          "`category_id`\n")
    assert not (tmp_path / "t.zip").exists()
