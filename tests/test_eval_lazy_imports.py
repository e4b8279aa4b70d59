"""``vistool eval``'s default path imports neither pandas, scipy nor matplotlib (issue 13:
0.2 to 0.35 s each run), nor tqdm without a progress bar; the tables it writes are the ones
pandas would give."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vistoolkit.eval import evaluate
from vistoolkit.eval.metrics.per_video import PerVideo, VideoCoverage
from vistoolkit.eval.result import records_json
from vistoolkit.eval.row_table import RowTable

REF = Path(os.environ.get("VISTOOLKIT_YTVIS_REF",
                          Path(__file__).resolve().parent / "data" / "ytvis_ref"))
needs_ref = pytest.mark.skipif(not (REF / "case05_pred.json").exists(),
                               reason="ytvis_ref fixtures not found")
HEAVY = ("pandas", "scipy", "matplotlib", "tqdm")


def _loaded_after(args: list[str]) -> list[str]:
    code = ("import sys\nfrom vistoolkit.cli.main import main\n"
            f"try:\n    main({args!r}, prog_name='vistool', standalone_mode=False)\n"
            "except SystemExit:\n    pass\n"
            f"print('loaded:' + ','.join(sorted({{m.split('.')[0] for m in sys.modules}}"
            f" & {set(HEAVY)!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    last = out.stdout.strip().splitlines()[-1]
    assert last.startswith("loaded:")
    return [m for m in last[len("loaded:"):].split(",") if m]


@needs_ref
def test_eval_default_run_with_json_imports_no_heavy_module(tmp_path):
    args = ["eval", str(REF / "case05_gt.json"), str(REF / "case05_pred.json"), "--json",
            str(tmp_path / "m.json")]
    assert _loaded_after(args) == []
    assert json.loads((tmp_path / "m.json").read_text())["per_video"]


@needs_ref
def test_eval_per_category_table_still_uses_pandas(tmp_path):
    args = ["eval", str(REF / "case05_gt.json"), str(REF / "case05_pred.json"),
            "--per-category"]
    assert "pandas" in _loaded_after(args)


@needs_ref
@pytest.mark.parametrize("case", ("case02", "case05", "quirk01"))
def test_json_records_equal_the_dataframes(case):
    res = evaluate(REF / f"{case}_gt.json", REF / f"{case}_pred.json",
                   lenient=case.startswith("quirk"))
    assert isinstance(res.per_category, pd.DataFrame) and res.per_category is res.per_category
    for table, frame in ((res.category_table, res.per_category),
                         (res.video_table, res.per_video)):
        got = records_json(table)
        want = records_json(frame)
        assert json.dumps(got) == json.dumps(want)


def test_per_video_rows_sorted_as_pandas_sort_values():
    rng = np.random.default_rng(0)
    rows = []
    for vid in rng.permutation(60).tolist():
        mean = float("nan") if vid % 7 == 0 else float(rng.choice([0.0, -0.0, 0.25, 0.5, 1.0]))
        rows.append(VideoCoverage(vid, 2, 3, mean, mean, int(vid % 3)))
    got = PerVideo().table(rows, None).frame()   # type: ignore[arg-type]
    columns = list(got.columns)
    want = pd.DataFrame([dataclasses.astuple(r) for r in rows], columns=columns)
    want = want.sort_values(["mean_best_iou", "video_id"], na_position="last", kind="stable",
                            ignore_index=True)
    pd.testing.assert_frame_equal(got, want)
    assert math.isnan(got.mean_best_iou.iloc[-1])


def test_row_table_empty_and_equal():
    a = RowTable(("x", "y"), [])
    assert a.frame().equals(pd.DataFrame([], columns=["x", "y"])) and a.records() == []
    b = RowTable(("x", "y"), [{"x": 1, "y": float("nan")}])
    assert b.records() == [{"x": 1, "y": None}]
    assert b == RowTable(("x", "y"), [{"x": 1, "y": float("nan")}])


@needs_ref
@pytest.mark.parametrize("native", (True, False))
def test_progress_bar_gives_the_same_numbers(native, capsys):
    from vistoolkit import _native

    if native and not _native.AVAILABLE:
        pytest.skip("native kernel not built")
    args = (REF / "case02_gt.json", REF / "case02_pred.json")
    quiet = evaluate(*args, native=native)
    shown = evaluate(*args, native=native, progress=True)
    assert "video IoU" in capsys.readouterr().err
    np.testing.assert_array_equal(quiet.stats_array, shown.stats_array)
