"""The per-video phase (``vistoolkit.eval.overlap_phase``): the native pass on threads equals
the pycocotools path; frames of other forms go through the exact checks; corrupt counts give
one line naming the file, the record, the video and the frame, never a hang, on both paths."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from pycocotools import mask as mask_utils

from vistoolkit import _native
from vistoolkit.data.records import PredTrack
from vistoolkit.data.ytvis_io import load_gt, load_preds
from vistoolkit.errors import InputError
from vistoolkit.eval import evaluate
from vistoolkit.eval.input_checks import check_inputs
from vistoolkit.eval.overlap_phase import resolve_native, resolve_workers
from vistoolkit.eval.tables import build_tables
from vistoolkit.eval.video_iou import video_overlaps

REF = Path(os.environ.get("VISTOOLKIT_YTVIS_REF",
                          Path(__file__).resolve().parent / "data" / "ytvis_ref"))
pytestmark = pytest.mark.skipif(not (REF / "case05_pred.json").exists(),
                                reason="ytvis_ref fixtures not found")


def _assert_same(a, b) -> None:
    for name in ("stats_array", "precision", "recall", "scores"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.per_video.equals(b.per_video) and a.warnings == b.warnings


def _mixed_preds(tmp_path: Path) -> Path:
    """case05 with some frames as polygons, uncompressed RLE, RLE dicts with another key, or
    absent: forms the kernel does not take go through the exact checks and pycocotools."""
    preds = json.loads((REF / "case05_pred.json").read_text())
    for i, p in enumerate(preds[:40]):
        f = i % len(p["segmentations"])
        seg = p["segmentations"][f]
        h, w = seg["size"]
        m = mask_utils.decode({"size": [h, w], "counts": seg["counts"].encode()})
        if i % 4 == 0:
            p["segmentations"][f] = None
        elif i % 4 == 1 and m.any():
            ys, xs = np.nonzero(m)
            x0, y0, x1, y1 = (float(v) for v in (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1))
            p["segmentations"][f] = [[x0, y0, x1, y0, x1, y1, x0, y1]]
        elif i % 4 == 2:
            flat = m.ravel(order="F")
            runs = np.diff(np.flatnonzero(np.diff(np.r_[2, flat, 2]))).tolist()
            p["segmentations"][f] = {"size": [h, w], "counts": runs if flat[0] == 0 else [0, *runs]}
        else:
            seg["extra_key"] = 1
    path = tmp_path / "pred.json"
    path.write_text(json.dumps(preds))
    return path


@pytest.mark.parametrize("workers", (1, 2, 3))
def test_evaluate_mixed_frame_forms_equal_pycocotools(tmp_path, native, workers):
    pred = _mixed_preds(tmp_path)
    ref = evaluate(REF / "case05_gt.json", pred, native=False, workers=1)
    res = evaluate(REF / "case05_gt.json", pred, native=native, workers=workers)
    _assert_same(res, ref)
    assert ("rle+iou" if native else "iou") in res.timings


@pytest.mark.parametrize("use_cats", (True, False))
def test_evaluate_records_sharing_frames_across_categories_equal_pycocotools(native, use_cats):
    """One track reported under several categories (as linking's top-k labels do) shares one
    frame tuple between records: each record keeps its own category's IoUs."""
    gt, _ = load_gt(REF / "case02_gt.json")
    preds, _ = load_preds(REF / "case02_pred.json")
    cats = sorted(c.id for c in gt.categories)
    shared = [PredTrack(p.video_id, c, p.score * (0.9 if c != p.category_id else 1.0),
                        p.segmentations, index=len(preds) + 2 * i + k)
              for i, p in enumerate(preds[:10]) for k, c in enumerate(cats[:2])]
    ref = evaluate(gt, preds + shared, native=False, use_cats=use_cats)
    _assert_same(evaluate(gt, preds + shared, native=native, use_cats=use_cats), ref)


@pytest.mark.parametrize("case", ("case02", "case04", "case05", "quirk01"))
def test_video_overlaps_known_areas_equal_decoded(case):
    gt, _ = load_gt(REF / f"{case}_gt.json")
    preds, _ = load_preds(REF / f"{case}_pred.json")
    report = check_inputs(gt, preds, gt_path=None, pred_path=None, lenient=True)
    assert report.known is not None and report.frames_checked
    assert (report.known.area >= 0).any()
    tables = build_tables(gt, preds, max_det=100)
    for it in tables.videos:
        a = video_overlaps(it.video, it.gt_tracks, it.preds, trusted_sizes=report.sizes_ok)
        b = video_overlaps(it.video, it.gt_tracks, it.preds, trusted_sizes=report.sizes_ok,
                           known=report.known)
        np.testing.assert_array_equal(a.iou, b.iou)
        np.testing.assert_array_equal(a.det_avg_area, b.det_avg_area)
        np.testing.assert_array_equal(a.det_frames, b.det_frames)
        assert a.zero_union == b.zero_union


def test_known_areas_equal_pycocotools_area():
    gt, _ = load_gt(REF / "case05_gt.json")
    preds, _ = load_preds(REF / "case05_pred.json")
    known = check_inputs(gt, preds, gt_path=None, pred_path=None).known
    for p in preds[:20]:
        want = [mask_utils.area({"size": s["size"], "counts": s["counts"].encode()})
                if s else -1 for s in p.segmentations]
        np.testing.assert_array_equal(known.of(p), want)


def test_check_inputs_frames_false_leaves_frames_to_the_native_pass():
    gt, _ = load_gt(REF / "quirk01_gt.json")
    preds, _ = load_preds(REF / "quirk01_pred.json")
    report = check_inputs(gt, preds, gt_path=None, pred_path=None, lenient=True, frames=False)
    assert not report.frames_checked and report.known is None and report.tolerated == {}
    full = check_inputs(gt, preds, gt_path=None, pred_path=None, lenient=True)
    assert full.tolerated == {"size": 5} and not full.sizes_ok


# ---- corrupt counts: one line, file + record + video + frame, never a hang ----------------------

def _corrupt(tmp_path: Path, bad: dict[int, str], frame: int = 1) -> Path:
    preds = json.loads((REF / "case05_pred.json").read_text())
    for i, counts in bad.items():
        preds[i]["segmentations"][frame]["counts"] = counts
    path = tmp_path / "pred.json"
    path.write_text(json.dumps(preds))
    return path


_GOOD = json.loads((REF / "case05_pred.json").read_text())[7]["segmentations"][1]["counts"] \
    if (REF / "case05_pred.json").exists() else ""
CORRUPT = {
    "one run more": _GOOD + "1",
    "unterminated": _GOOD + "P",
    "outside the alphabet": _GOOD[:3] + "~" + _GOOD[4:],
    "empty": "",
    "10 MB of continuation characters": "P" * 10_000_000,
}


@pytest.mark.parametrize("name", sorted(CORRUPT))
def test_evaluate_corrupt_prediction_counts_one_line_error(tmp_path, native, name):
    path = _corrupt(tmp_path, {7: CORRUPT[name]})
    vid = json.loads(path.read_text())[7]["video_id"]
    start = time.perf_counter()
    with pytest.raises(InputError) as err:
        evaluate(REF / "case05_gt.json", path, native=native)
    assert time.perf_counter() - start < 20
    line = str(err.value)
    assert line.startswith(f"{path}: prediction #7 (video_id={vid}), frame 1: undecodable RLE")
    assert "\n" not in line


def test_evaluate_corrupt_counts_in_two_videos_first_in_file_order(tmp_path, native):
    preds = json.loads((REF / "case05_pred.json").read_text())
    second = next(i for i, p in enumerate(preds) if p["video_id"] != preds[7]["video_id"])
    path = _corrupt(tmp_path, {7: _GOOD + "1", max(second, 8): _GOOD + "1"})
    with pytest.raises(InputError) as err:
        evaluate(REF / "case05_gt.json", path, native=native, workers=2)
    assert ", frame 1: undecodable RLE" in str(err.value) and "prediction #7 " in str(err.value)
    assert "more" in str(err.value)


def test_evaluate_corrupt_gt_counts_names_gt_file(tmp_path, native):
    gt = json.loads((REF / "case05_gt.json").read_text())
    seg = gt["annotations"][2]["segmentations"][0]           # uncompressed in the fixture
    good = mask_utils.frPyObjects(seg, *seg["size"])["counts"].decode()
    gt["annotations"][2]["segmentations"][0] = {"size": seg["size"], "counts": good + "1"}
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(gt))
    t = gt["annotations"][2]
    with pytest.raises(InputError) as err:
        evaluate(path, REF / "case05_pred.json", native=native)
    assert str(err.value).startswith(f"{path}: annotations[2] (id={t['id']}, video_id="
                                     f"{t['video_id']}), frame 0: undecodable RLE")


def test_eval_cli_corrupt_counts_exit_2_one_line(tmp_path):
    from vistoolkit.cli.main import main

    path = _corrupt(tmp_path, {7: _GOOD + "P"})
    res = CliRunner().invoke(main, ["eval", str(REF / "case05_gt.json"), str(path)])
    assert res.exit_code == 2 and res.stderr.count("\n") == 1
    assert res.stderr.startswith(f"error: {path}: prediction #7 ")


# ---- options ---------------------------------------------------------------------------------

def test_resolve_workers_zero_one_per_core():
    assert resolve_workers(0) == len(os.sched_getaffinity(0))
    assert resolve_workers(3) == 3
    with pytest.raises(ValueError):
        resolve_workers(-1)


def test_resolve_native_follows_availability():
    assert resolve_native(None) is _native.AVAILABLE and resolve_native(False) is False
    if not _native.AVAILABLE:
        with pytest.raises(RuntimeError, match="not available"):
            resolve_native(True)


def test_eval_cli_workers_zero_same_output_as_serial():
    from vistoolkit.cli.main import main

    args = ["eval", str(REF / "case05_gt.json"), str(REF / "case05_pred.json")]
    serial = CliRunner().invoke(main, [*args, "--workers", "1"])
    auto = CliRunner().invoke(main, [*args, "--workers", "0"])
    assert serial.exit_code == 0 and auto.exit_code == 0, auto.output
    assert auto.stdout == serial.stdout
    bad = CliRunner().invoke(main, [*args, "--workers", "-1"])
    assert bad.exit_code == 2
