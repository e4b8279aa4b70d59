"""Table 1 definitions and the reproduce machinery (cache, aggregation, reports) with a fake runner."""

from __future__ import annotations

import json
import re

import pytest

from vistoolkit.studies.records import CellResult
from vistoolkit.studies.report import format_markdown
from vistoolkit.studies.reproduce import BUDGETS, reproduce
from vistoolkit.studies.table1 import METRICS, TABLE1, clip_length_for, model_overrides


def test_table1_has_every_paper_row():
    rows = {name: [r.label for r in t.rows] for name, t in TABLE1.items()}
    assert list(rows) == [f"table1{c}" for c in "abcdefgh"]
    assert [len(r) for r in rows.values()] == [4, 2, 3, 5, 2, 2, 3, 2]
    for t in TABLE1.values():
        for r in t.rows:
            assert set(r.paper) == set(METRICS)
            assert r.reference is None or t.row(r.reference).reference is None


@pytest.mark.parametrize("table,row,metric,value", [
    ("table1a", "temporal", "AP", 30.4), ("table1a", "joint", "AR10", 44.6),
    ("table1b", "still", "AP", 36.0), ("table1c", "T18", "AR10", 46.8),
    ("table1d", "T9_handcraft", "AP", 33.7), ("table1d", "T18_vistr", "AP", 29.7),
    ("table1d", "T18_handcraft", "AR1", 36.6), ("table1e", "no_cl", "AP50", 19.0),
    ("table1f", "shared", "AP", 35.5), ("table1g", "vistr", "AP", 35.6),
    ("table1g", "efficientvis_ms", "AP75", 43.0), ("table1h", "fps1.5", "AP75", 39.1),
])
def test_table1_paper_numbers_match_the_paper_text(table, row, metric, value):
    assert TABLE1[table].row(row).paper[metric] == value


def test_table1_row_settings_and_clip_length_mapping():
    d = TABLE1["table1d"]
    assert d.row("T18_vistr").model["architecture"] == "dense"
    assert d.row("T18_vistr").linking == "overlap"
    assert d.row("T9_handcraft").linking == "handcraft"
    assert TABLE1["table1h"].row("fps1.5").test_fps == 1.5
    assert [clip_length_for(t, "tiny") for t in (9, 18, 36)] == [3, 6, 9]
    assert clip_length_for(18, "paper") == 18
    assert model_overrides(TABLE1["table1a"].row("joint"), "tiny") == {
        "attention": "joint", "tdc": "temporal", "query": "disentangled",
        "correspondence_learning": True, "architecture": "efficientvis", "clip_length": 9}


class FakeRunner:
    """Deterministic AP per (row, seed); records the calls."""

    def __init__(self):
        self.calls = []

    def __call__(self, spec, out_dir, resume):
        self.calls.append((spec.table, spec.row, spec.seed))
        base = {"spatial": 0.30, "temporal": 0.25, "joint": 0.33, "ftsa": 0.40}[spec.row]
        ap = base + 0.01 * spec.seed
        return CellResult({m: ap for m in METRICS}, {"curve": [[1, ap / 2], [2, ap]]})


def test_reproduce_fake_runner_aggregates_caches_and_writes_reports(tmp_path):
    fake = FakeRunner()
    (res,) = reproduce(["table1a"], out_dir=tmp_path, budget="smoke", seeds=3, preset="micro",
                       data_root=tmp_path, run_cell=fake)
    assert len(fake.calls) == 12
    ftsa = res.result("ftsa")
    assert ftsa.mean["AP"] == pytest.approx(0.41) and ftsa.std["AP"] == pytest.approx(0.01)
    md = format_markdown(res, budget=BUDGETS["smoke"], preset="micro")
    assert "| Temporal (T) | 26.0 ± 1.0 (30.4) |" in md
    # paired deltas are exactly -10 for every seed: a zero-width interval on the paper's side
    assert re.search(r"\| Spatial \(S\) \|.*\| -10\.0 \[-10\.0, -10\.0\] / -4\.2 \| – \| "
                     r"reproduced \|", md)
    for suffix in (".md", ".csv", ".json", ".png"):
        assert (tmp_path / f"table1a{suffix}").stat().st_size > 0
    data = json.loads((tmp_path / "table1a.json").read_text())
    assert data["rows"][3]["direction"] == "ref"
    assert len((tmp_path / "table1a.csv").read_text().splitlines()) == 1 + 4 * 5
    # second run: everything cached, nothing recomputed; one more seed computes only that seed
    reproduce(["table1a"], out_dir=tmp_path, budget="smoke", seeds=3, preset="micro",
              data_root=tmp_path, run_cell=fake)
    assert len(fake.calls) == 12
    reproduce(["table1a"], out_dir=tmp_path, budget="smoke", seeds=4, preset="micro",
              data_root=tmp_path, run_cell=fake)
    assert sorted(fake.calls[12:]) == [("table1a", r, 3)
                                       for r in ("ftsa", "joint", "spatial", "temporal")]


def test_reproduce_shared_experiments_are_computed_once(tmp_path):
    calls = []

    def runner(spec, out_dir, resume):
        calls.append((spec.table, spec.row))
        return CellResult({m: 0.5 for m in METRICS})

    reproduce(["table1a", "table1b", "table1f"], out_dir=tmp_path, budget="smoke", seeds=1,
              preset="micro", data_root=tmp_path, run_cell=runner)
    # FTSA (1a) = temporal TDC (1b) = disentangled query (1f): one cell for the three
    assert calls == [("table1a", r) for r in ("spatial", "temporal", "joint", "ftsa")] + [
        ("table1b", "still"), ("table1f", "shared")]


def test_reproduce_table1g_runs_the_multi_scale_row_with_its_switch(tmp_path):
    seen = {}

    def runner(spec, out_dir, resume):
        seen[spec.row] = dict(spec.model)
        ap = 0.2 if spec.row == "vistr" else 0.3
        return CellResult({m: ap for m in METRICS}, {"curve": [[1, ap / 3], [2, ap]]})

    (res,) = reproduce(["table1g"], out_dir=tmp_path, budget="smoke", seeds=1, preset="micro",
                       data_root=tmp_path, run_cell=runner)
    assert seen["efficientvis_ms"].get("multi_scale") is True
    assert not seen["efficientvis"].get("multi_scale", False)
    assert res.result("efficientvis_ms").mean["AP"] == pytest.approx(0.3)
    assert (tmp_path / "table1g_curve.png").stat().st_size > 0


def test_reproduce_unknown_table_raises_input_error(tmp_path):
    from vistoolkit.errors import InputError

    with pytest.raises(InputError, match="unknown table 'table1z'"):
        reproduce(["table1z"], out_dir=tmp_path, data_root=tmp_path, run_cell=FakeRunner())


def test_reproduce_undertrained_reference_gives_no_verdict(tmp_path):
    def runner(spec, out_dir, resume):
        return CellResult({m: 0.004 if spec.row == "original" else 0.0 for m in METRICS})

    (res,) = reproduce(["table1h"], out_dir=tmp_path, budget="smoke", seeds=1, preset="micro",
                       data_root=tmp_path, run_cell=runner)
    assert "| -0.4 / +0.0 | – | undertrained |" in format_markdown(res)


def test_reproduce_command_with_cached_cells_prints_table_without_training(tmp_path):
    from click.testing import CliRunner

    from vistoolkit.cli.main import main

    out = tmp_path / "out"
    reproduce(["table1h"], out_dir=out, budget="smoke", seeds=2, preset="micro",
              data_root=tmp_path,
              run_cell=lambda spec, o, r: CellResult({m: 0.3 + 0.1 * spec.seed for m in METRICS}))
    res = CliRunner().invoke(main, ["reproduce", "table1h", "--budget", "smoke", "--seeds", "2",
                                    "--preset", "micro", "--data", str(tmp_path), "--out",
                                    str(out)])
    assert res.exit_code == 0, res.output
    assert "| Original FPS | 35.0 ± 7.1 (35.3) |" in res.output
    assert "table1h fps1.5 seed 1: AP 40.0, AP50 40.0 (0 s)" in res.output   # a line per cell
    assert "| +0.0 [+0.0, +0.0] / +0.0 | – | reproduced |" in res.output
    assert res.output.strip().endswith(f"reports in {out}")


def _start(tmp_path, digest="d0"):
    from vistoolkit.studies.records import Start
    from vistoolkit.studies.table1 import ABLATION_DEFAULTS

    return Start(path=tmp_path / "start.pt", digest=digest, preset="tiny",
                 switches={**ABLATION_DEFAULTS, "tdc": "still"}, clip_length=4)


def test_cpu_budget_cell_plan_counts_shared_trainings_once(tmp_path):
    from vistoolkit.studies.reproduce import cell_plan
    from vistoolkit.studies.table1 import TABLE1

    plan = cell_plan(list(TABLE1), seeds=[0, 1, 2], preset="tiny", budget=BUDGETS["cpu"],
                     data_root=tmp_path, start=_start(tmp_path))
    # 21 rows x 3 seeds (the two dense-baseline rows have no cells from a start); one reference
    # training (1a FTSA = 1b still = 1c T9 = 1d, 1h ...) and nine switches: 10 per seed
    assert (plan["cells"], plan["distinct_cells"], plan["trainings"]) == (63, 39, 30)
    assert plan["iterations"] == 30 * 500


def test_cpu_budget_rows_continue_the_start_with_one_switch(tmp_path):
    from vistoolkit.studies.reproduce import cell_specs
    from vistoolkit.studies.table1 import TABLE1

    def spec(table, row, start=_start(tmp_path)):
        t = TABLE1[table]
        specs = cell_specs(t, t.row(row), seeds=[0], preset="tiny", budget=BUDGETS["cpu"],
                           data_root=tmp_path, device="cpu", start=start)
        return specs[0] if specs else None

    refs = [("table1a", "ftsa"), ("table1b", "still"), ("table1c", "T9"), ("table1d", "T9_e2e"),
            ("table1e", "cl"), ("table1f", "disentangled"), ("table1g", "efficientvis"),
            ("table1h", "original")]
    assert len({spec(*r).train_key for r in refs}) == 1
    ref = spec("table1a", "ftsa")
    assert dict(ref.model) == {"attention": "ftsa", "tdc": "still", "query": "disentangled",
                               "correspondence_learning": True, "architecture": "efficientvis",
                               "clip_length": 4}
    assert not ref.curve and ref.start.path == tmp_path / "start.pt"
    assert spec("table1b", "temporal").model["tdc"] == "temporal"
    assert [spec("table1c", r).model["clip_length"] for r in ("T9", "T18", "T36")] == [4, 8, 16]
    assert spec("table1c", "T18").train_key == spec("table1d", "T18_e2e").train_key
    assert spec("table1d", "T18_vistr") is None and spec("table1g", "vistr") is None
    assert spec("table1a", "ftsa", _start(tmp_path, "d1")).train_key != ref.train_key


def test_cpu_budget_recipe_is_part_of_the_training_key(tmp_path):
    from vistoolkit.studies.reproduce import cell_specs
    from vistoolkit.studies.table1 import TABLE1

    t = TABLE1["table1e"]
    quick, cpu = (cell_specs(t, t.row("cl"), seeds=[0], preset="tiny", budget=BUDGETS[b],
                             data_root=tmp_path, device="cpu",
                             start=_start(tmp_path) if b == "cpu" else None)[0]
                  for b in ("quick", "cpu"))
    assert quick.train_key != cpu.train_key
    recipe = BUDGETS["cpu"].recipe()
    assert recipe["freeze_backbone"] and recipe["start"] and BUDGETS["cpu"].stream
    assert (recipe["chain_clips"], recipe["ema_decay"], recipe["stream_seed"]) == (3, 0.995, 10)
    assert recipe["valid_seeds"] == [0, *range(99, 108)]


def test_a_start_goes_with_the_cpu_budget_only(tmp_path):
    from vistoolkit.errors import InputError
    from vistoolkit.studies.reproduce import resolve_start

    with pytest.raises(InputError, match="only the cpu budget continues a start"):
        resolve_start(BUDGETS["quick"], tmp_path / "start.pt", "tiny")
    assert resolve_start(BUDGETS["quick"], None, "tiny") is None


def test_paper_delta_of_the_low_fps_rows():
    import pytest

    from vistoolkit.studies.table1 import LOWFPS_ROWS, paper_delta

    assert paper_delta(*LOWFPS_ROWS["1d"]) == pytest.approx(-1.6)     # 33.7 hand-craft vs 35.3
    assert paper_delta(*LOWFPS_ROWS["1h"]) == pytest.approx(0.0)


def test_a_cell_scored_on_several_splits_names_their_files_in_split_order():
    from vistoolkit.studies.evidence import scored_files

    cell = CellResult({m: 0.1 for m in METRICS}, extra={"splits": {
        "10": {"gt": "s10/valid.json", "predictions": "p10.json"},
        "5": {"gt": "s5/valid.json", "predictions": "p5.json"}}})
    assert scored_files(cell) == [("s5/valid.json", "p5.json"), ("s10/valid.json", "p10.json")]
    one = CellResult({m: 0.1 for m in METRICS}, extra={"gt": "v.json", "predictions": "p.json"})
    assert scored_files(one) == [("v.json", "p.json")]
