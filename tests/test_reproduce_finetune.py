"""A budget that continues a shared start (the ``cpu`` budget's protocol), run for real on a
micro start: two iterations per cell, the weight average scored on two valid splits."""

from __future__ import annotations

import json
import math

import pytest

pytest.importorskip("torch")


def micro_start(path):
    """An untrained micro model as a start file (the stream's 8 categories)."""
    import torch
    from efficientvis.config import EfficientVISConfig
    from efficientvis.engine.checkpoint import save_checkpoint
    from efficientvis.model import build_model

    torch.manual_seed(0)
    cfg = EfficientVISConfig.preset("micro", num_classes=8)
    return save_checkpoint(path, model=build_model(cfg), model_cfg=cfg, category_ids=range(1, 9))


def test_reproduce_cli_plans_from_a_start_and_refuses_one_without_the_cpu_budget(tmp_path):
    from click.testing import CliRunner

    from vistoolkit.cli.main import main

    start = micro_start(tmp_path / "start.pt")
    args = ["reproduce", "table1b", "--plan", "--preset", "micro", "--start", str(start)]
    res = CliRunner().invoke(main, [*args, "--budget", "cpu"])
    assert res.exit_code == 0, res.output
    assert "cells 6, distinct_cells 6, trainings 6, iterations 3000" in res.output
    res = CliRunner().invoke(main, [*args, "--budget", "quick"])
    assert res.exit_code == 2
    assert res.output.strip() == ("error: --start: the quick budget trains from the beginning; "
                                  "only the cpu budget continues a start")


def test_cells_continue_the_start_and_score_the_average_on_each_split(tmp_path, one_thread):
    from vistoolkit.errors import InputError
    from vistoolkit.studies.records import Budget
    from vistoolkit.studies.reproduce import reproduce
    from vistoolkit.studies.table1 import METRICS

    start = micro_start(tmp_path / "start.pt")
    budget = Budget("finetune-test", epochs=10**6, max_iters=2, data_preset="small", seeds=1,
                    stream=True, batch_size=1, lr=1e-3, start=True, freeze_backbone=True,
                    chain_clips=2, ema_decay=0.9, stream_seed=3, valid_seeds=(0, 5))
    out = tmp_path / "out"
    (res,) = reproduce(["table1b"], out_dir=out, budget=budget, preset="micro", start=start)

    cells = [json.loads(p.read_text()) for p in sorted((out / "cells").glob("*.json"))]
    assert len(cells) == 2                                   # still-image, temporal: seed 0
    for cell in cells:
        splits = cell["extra"]["splits"]
        assert list(splits) == ["0", "5"]
        for m in METRICS:
            per_split = [splits[s]["stats"][m] for s in splits]
            assert cell["stats"][m] == pytest.approx(sum(per_split) / 2)
        train_dir = out / "train" / cell["spec"]["train_key"]
        done = json.loads((train_dir / "done.json").read_text())
        assert done["checkpoint"] == str(train_dir / "average_int8.pt")
        log = [json.loads(line) for line in (train_dir / "metrics.jsonl").read_text().splitlines()]
        assert [r["step"] for r in log] == [1, 2]
    assert {c["spec"]["model"]["tdc"] for c in cells} == {"still", "temporal"}
    assert (out / "data" / "splits" / "seed5" / "valid.json").is_file()
    assert res.rows[0].seeds == (0,) and "Budget `finetune-test`: every cell continues" in \
        (out / "table1b.md").read_text()
    low, high = res.verdicts["still"].bootstrap            # the two splits' videos pooled
    assert math.isfinite(low) and math.isfinite(high) and low <= high

    assert all(c["spec"]["start"] == str(start.resolve()) for c in cells)
    with pytest.raises(InputError, match="the start is a 'micro' model"):
        reproduce(["table1b"], out_dir=out, budget=budget, preset="tiny", start=start)
    with pytest.raises(InputError, match="scores on 2 synthetic valid splits"):
        reproduce(["table1b"], out_dir=out, budget=budget, preset="micro", start=start,
                  data_root=out / "data")
