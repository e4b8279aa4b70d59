"""One real Table 1 cell: micro EfficientVIS trained 2 iterations on the small synthetic preset,
tested end to end on the valid split resampled to 1.5 FPS (Table 1h)."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")


def test_run_cell_efficientvis_smoke_cell_trains_tests_and_caches(tmp_path):
    from vistoolkit.data.synth import ensure_dataset
    from vistoolkit.studies.cells import run_cell_efficientvis
    from vistoolkit.studies.reproduce import BUDGETS, cell_specs, run_cached
    from vistoolkit.studies.table1 import METRICS, TABLE1

    data = ensure_dataset(tmp_path / "data", "small", progress=False)
    table = TABLE1["table1h"]
    (spec,) = cell_specs(table, table.row("fps1.5"), seeds=[0], preset="micro",
                         budget=BUDGETS["smoke"], data_root=data, device="cpu")
    res = run_cached(spec, tmp_path, run_cell=run_cell_efficientvis, resume=False)
    assert set(METRICS) <= set(res.stats)
    assert all(0.0 <= res.stats[m] <= 1.0 for m in METRICS)
    assert (tmp_path / "train" / spec.train_key / "done.json").is_file()
    resampled = json.loads((tmp_path / "eval" / spec.cell_key / "valid_fps1.5.json").read_text())
    assert [v["length"] for v in resampled["videos"]] == [4, 4, 4]   # 16, 15, 15 frames at 6 FPS
    cached = json.loads((tmp_path / "cells" / f"{spec.cell_key}.json").read_text())
    assert [cached["stats"][m] for m in METRICS] == [res.stats[m] for m in METRICS]
    assert cached["spec"]["test_fps"] == 1.5
