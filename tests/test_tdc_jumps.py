"""Per-frame IoU on jump and smooth frames (``benchmarks/tdc_jumps.py``), on a hand-made video."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from conftest import box_rle, make_gt, make_pred

from vistoolkit.data.ytvis_io import load_dataset, load_predictions

ROOT = Path(__file__).resolve().parents[1]
H = W = 24


@pytest.fixture
def jumps(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location("tdc_jumps", ROOT / "benchmarks" / "tdc_jumps.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _box(x: int) -> dict:
    return box_rle(H, W, 2, x, 6, x + 4)


# an instance drifting one pixel per frame, jumping by 12 (W / 2) into frame 3, absent on 5,
# then alone on frame 6 (no present neighbour)
GT_SEGS = [_box(0), _box(1), _box(2), _box(14), _box(15), None, _box(17)]


def _case(tmp_path: Path, pred_segs: list) -> tuple:
    gt = make_gt([(1, H, W, len(GT_SEGS))],
                 [{"id": 1, "video_id": 1, "category_id": 1, "segmentations": GT_SEGS}])
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    (tmp_path / "pred.json").write_text(json.dumps([
        make_pred(1, 1, 0.9, pred_segs), make_pred(1, 2, 0.8, pred_segs),   # listed twice
        make_pred(1, 1, 0.1, [_box(20)] * len(GT_SEGS))]))                  # worse overlap
    return load_dataset(tmp_path / "gt.json"), load_predictions(tmp_path / "pred.json")


def test_frames_next_to_a_jump_are_told_from_smooth_ones(jumps, tmp_path):
    gt, _ = _case(tmp_path, GT_SEGS)
    kinds = jumps.frame_kinds(gt.tracks[0], len(GT_SEGS), W, jump=6.0)
    assert kinds == ["smooth", "smooth", "jump", "jump", "smooth", None, None]


def test_each_instance_is_scored_on_its_best_track_frame_by_frame(jumps, tmp_path):
    # the track follows the drift but stays behind at the jump: IoU 0 on frame 3, 1 elsewhere
    pred = [_box(0), _box(1), _box(2), _box(3), _box(15), None, _box(17)]
    gt, preds = _case(tmp_path, pred)
    assert len(jumps.distinct_tracks(preds, 0.0)) == 2
    out = jumps.kind_ious(gt, preds, jump=6.0)
    assert out["jump"] == pytest.approx([1.0, 0.0])            # frames 2 and 3
    assert out["smooth"] == pytest.approx([1.0, 1.0, 1.0])     # frames 0, 1 and 4


def test_bad_input_is_one_line_and_exit_2(jumps, monkeypatch, tmp_path, capsys):
    def run(*argv):
        monkeypatch.setattr(sys, "argv", ["tdc_jumps.py", *argv])
        with pytest.raises(SystemExit) as exc:
            jumps.main()
        err = capsys.readouterr().err
        assert exc.value.code == 2 and err.count("\n") == 1, err
        return err

    assert "--row has 2 runs, --ref 1" in run("--row", "A,B", "--ref", "C")
    (tmp_path / "splits" / "seed0").mkdir(parents=True)
    _case(tmp_path / "splits" / "seed0", GT_SEGS)
    (tmp_path / "splits" / "seed0" / "gt.json").rename(tmp_path / "splits" / "seed0" / "valid.json")
    err = run("--row", "A", "--ref", "B", "--preds", str(tmp_path / "preds"), "--splits",
              str(tmp_path / "splits"), "--split-seeds", "0")
    assert "A_ema_int8" in err and "seed0.json" in err
