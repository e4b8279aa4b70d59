"""The one-pass RLE check + IoU phase: forked workers and reused mask areas equal serial."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from vistoolkit.data.ytvis_io import load_gt, load_preds
from vistoolkit.errors import InputError
from vistoolkit.eval import evaluate
from vistoolkit.eval.input_checks import check_inputs
from vistoolkit.eval.parallel import resolve_workers
from vistoolkit.eval.tables import build_tables
from vistoolkit.eval.video_iou import video_overlaps

REF = Path(os.environ.get("VISTOOLKIT_YTVIS_REF",
                          Path(__file__).resolve().parent / "data" / "ytvis_ref"))
pytestmark = pytest.mark.skipif(not (REF / "case05_pred.json").exists(),
                                reason="ytvis_ref fixtures not found")


def _mixed_preds(tmp_path: Path) -> Path:
    """case05 with some frames as polygons or uncompressed RLE (areas not known from the
    RLE check) and some absent."""
    preds = json.loads((REF / "case05_pred.json").read_text())
    for i, p in enumerate(preds[:40]):
        seg = p["segmentations"][i % len(p["segmentations"])]
        if i % 3 == 0:
            p["segmentations"][i % len(p["segmentations"])] = None
        elif i % 3 == 1:
            h, w = seg["size"]
            m = mask_utils.decode({"size": [h, w], "counts": seg["counts"].encode()})
            ys, xs = np.nonzero(m)
            if len(ys):
                x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
                p["segmentations"][i % len(p["segmentations"])] = [
                    [float(x0), float(y0), float(x1), float(y0), float(x1), float(y1),
                     float(x0), float(y1)]]
        else:
            seg["extra_key"] = 1  # a dict pycocotools' batched calls do not take as is
    path = tmp_path / "pred.json"
    path.write_text(json.dumps(preds))
    return path


@pytest.mark.parametrize("workers", (2, 3))
def test_evaluate_workers_mixed_forms_equal_serial(tmp_path, workers):
    pred = _mixed_preds(tmp_path)
    one = evaluate(REF / "case05_gt.json", pred)
    many = evaluate(REF / "case05_gt.json", pred, workers=workers)
    assert "rle+iou" in many.timings and "iou" in one.timings
    np.testing.assert_array_equal(one.precision, many.precision)
    np.testing.assert_array_equal(one.recall, many.recall)
    np.testing.assert_array_equal(one.scores, many.scores)
    np.testing.assert_array_equal(one.stats_array, many.stats_array)
    assert one.per_video.equals(many.per_video)


@pytest.mark.parametrize("case", ("case02", "case04", "case05", "quirk01"))
def test_video_overlaps_known_areas_equal_decoded(case):
    gt, _ = load_gt(REF / f"{case}_gt.json")
    preds, _ = load_preds(REF / f"{case}_pred.json")
    report = check_inputs(gt, preds, gt_path=None, pred_path=None, lenient=True)
    assert report.known is not None and report.pending is None
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


def test_evaluate_workers_bad_rle_same_error_as_serial(tmp_path):
    preds = json.loads((REF / "case05_pred.json").read_text())
    for i in (7, 200):
        preds[i]["segmentations"][1]["counts"] += "1"        # one more run: wrong total
    path = tmp_path / "pred.json"
    path.write_text(json.dumps(preds))
    errors = []
    for workers in (1, 2):
        with pytest.raises(InputError) as err:
            evaluate(REF / "case05_gt.json", path, workers=workers)
        errors.append(str(err.value))
    assert errors[0] == errors[1]
    assert "prediction #7" in errors[0] and ", frame 1: undecodable RLE: counts sum to" in errors[0]
    assert "(+1 more problem(s)" in errors[0]


def test_resolve_workers_zero_one_per_core():
    assert resolve_workers(0) == len(os.sched_getaffinity(0))
    assert resolve_workers(3) == 3
    with pytest.raises(ValueError):
        resolve_workers(-1)


def test_eval_cli_workers_zero_same_output_as_serial():
    from click.testing import CliRunner

    from vistoolkit.cli.main import main

    args = ["eval", str(REF / "case05_gt.json"), str(REF / "case05_pred.json")]
    serial = CliRunner().invoke(main, args)
    auto = CliRunner().invoke(main, [*args, "--workers", "0"])
    assert serial.exit_code == 0 and auto.exit_code == 0, auto.output
    assert auto.stdout == serial.stdout
    bad = CliRunner().invoke(main, [*args, "--workers", "-1"])
    assert bad.exit_code == 2
