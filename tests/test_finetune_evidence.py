"""Table 1 from scored fine-tune runs: cells, the split-paired and seed-paired verdicts, the
manifest's errors, the CLI, and the committed manifest against its sources."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from vistoolkit.cli.main import main
from vistoolkit.errors import InputError
from vistoolkit.studies.finetune_evidence import load_manifest, table_from_evidence
from vistoolkit.studies.table1 import paper_delta
from vistoolkit.studies.verdict import paired_interval

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "docs" / "results" / "table1" / "evidence.json"


def _run(row: str, seed: int, aps: list[float], table: str = "table1b") -> dict:
    return {"table": table, "row": row, "seed": seed, "run": f"{row}{seed}", "source": "here",
            "splits": {str(k): {"AP": v} for k, v in zip((0, 99, 100), aps)}}


def _write(tmp_path: Path, runs: list[dict], **extra) -> Path:
    path = tmp_path / "evidence.json"
    path.write_text(json.dumps({"protocol": "hand-made", "runs": runs, **extra}))
    return path


def test_two_seeds_pair_the_splits_of_the_seed_means(tmp_path):
    runs = [_run("still", 0, [20, 22, 30]), _run("still", 1, [21, 23, 29]),
            _run("temporal", 0, [18, 20, 27]), _run("temporal", 1, [20, 21, 28])]
    res = table_from_evidence("table1b", load_manifest(_write(tmp_path, runs)))
    still = res.result("still")
    assert still.seeds == (0, 1)
    assert still.mean["AP"] == pytest.approx(np.mean([24.0, 24.333333]) / 100)
    assert np.isnan(still.mean["AP50"])                 # only AP was scored
    v = res.verdicts["still"]
    split_deltas = np.array([(20 + 21 - 18 - 20) / 2, (22 + 23 - 20 - 21) / 2,
                             (30 + 29 - 27 - 28) / 2])
    assert v.delta == pytest.approx(split_deltas.mean())
    assert (v.low, v.high) == pytest.approx(paired_interval(split_deltas))
    assert v.seeds == 2 and v.paper_delta == pytest.approx(paper_delta("table1b", "still"))
    assert v.label == "opposite"                        # +2.5 [>0]; the paper's -1.0


def test_three_seeds_pair_the_seeds(tmp_path):
    row = [[10, 11, 12], [11, 13, 12], [9, 10, 14]]
    ref = [[18, 19, 20], [18, 17, 22], [16, 19, 21]]
    runs = [_run("still", s, a) for s, a in enumerate(row)]
    runs += [_run("temporal", s, a) for s, a in enumerate(ref)]
    v = table_from_evidence("table1b", load_manifest(_write(tmp_path, runs))).verdicts["still"]
    seed_deltas = np.array([np.mean(a) - np.mean(b) for a, b in zip(row, ref)])
    assert (v.low, v.high) == pytest.approx(paired_interval(seed_deltas))
    assert v.label == "reproduced" and v.seeds == 3


def test_rows_without_runs_and_reference_changes(tmp_path):
    runs = [_run("T9", 0, [20, 20, 21], "table1c"), _run("T18", 0, [19, 19, 19], "table1c")]
    path = _write(tmp_path, runs, rows={"table1c/T9": {"note": "ours T = 4", "reference": "T18"}})
    res = table_from_evidence("table1c", load_manifest(path))
    assert res.result("T9").row.note == "ours T = 4" and res.result("T9").row.reference == "T18"
    assert res.verdicts["T9"].paper_delta == pytest.approx(35.3 - 36.4)
    assert res.verdicts["T18"].label == "not run"       # its reference T36 has no run
    assert not res.result("T36").cells


@pytest.mark.parametrize("runs, message", [
    ([_run("nope", 0, [1, 2, 3])], "runs[0] (table1b/nope seed 0): no such Table 1 row"),
    ([{**_run("still", 0, [1, 2, 3]), "splits": {"0": {"AP50": 1.0}}}], "every split needs an AP"),
    ([_run("still", 0, [1, 2, 3]), _run("still", 0, [1, 2, 3])], "two runs for table1b/still seed 0"),
    ([{**_run("still", 0, [1, 2, 3]), "seed": "zero"}], "Expected `int`"),
])
def test_bad_manifests_name_the_record(tmp_path, runs, message):
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("(", r"\(")
                       .replace(")", r"\)").replace("]", r"\]")):
        load_manifest(_write(tmp_path, runs))


def _no_constant(name: str) -> None:
    raise AssertionError(f"{name} is not JSON")


def test_cli_writes_the_reports_and_fails_cleanly(tmp_path):
    runs = [_run("still", 0, [20, 22, 30]), _run("temporal", 0, [18, 20, 27])]
    path = _write(tmp_path, runs)
    out = tmp_path / "tables"
    ok = CliRunner().invoke(main, ["reproduce", "table1b", "--evidence", str(path), "--out", str(out)])
    assert ok.exit_code == 0, ok.output
    assert "| Still-image | 24.0 ± 0.0 (36.0)" in ok.stdout
    saved = json.loads((out / "table1b.json").read_text(), parse_constant=_no_constant)
    assert saved["rows"][0]["direction"] == "opposite" and saved["rows"][0]["seeds"] == [0]
    assert saved["rows"][0]["mean"]["AP50"] is None            # not scored: null, not NaN
    assert {p.name for p in out.iterdir()} == {f"table1b.{s}" for s in ("md", "csv", "json", "png")}
    path.write_text('{"protocol": "x", "runs": [{"table": "table1b"}]}')
    bad = CliRunner().invoke(main, ["reproduce", "table1b", "--evidence", str(path), "--out",
                                    str(tmp_path / "bad")])
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1, bad.output
    assert str(path) in bad.stderr and "runs[0]" in bad.stderr
    assert not (tmp_path / "bad").exists()


def test_committed_manifest_matches_its_sources():
    spec = importlib.util.spec_from_file_location("table1_manifest",
                                                  ROOT / "benchmarks" / "table1_manifest.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    rebuilt = json.loads(json.dumps(mod.collect(ROOT / "docs" / "results")))
    assert rebuilt == json.loads(COMMITTED.read_text())
    man = load_manifest(COMMITTED)
    committed = json.loads((ROOT / "docs" / "results" / "table1" / "table1d.json").read_text())
    res = table_from_evidence("table1d", man)
    assert [r["direction"] for r in committed["rows"]] == \
        [(res.verdicts[r.row.key].label if r.row.key in res.verdicts else "ref") for r in res.rows]


def test_manifest_carries_only_bootstrap_entries_of_its_current_runs(capsys):
    spec = importlib.util.spec_from_file_location("table1_manifest",
                                                  ROOT / "benchmarks" / "table1_manifest.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    runs = mod.bootstrap_runs("table1e", "no_cl", mod.reference_of("table1e", "no_cl"))
    assert runs == {"row": ["N_no_cl", "N_no_cls1", "N_no_cls2"], "reference": list(mod.C12_RUNS)}
    moved = {"row": ["C8noCL", "C8noCLs1", "C8noCLs2"], "reference": ["C8", "C8s1", "C8s2"]}
    boot = {"table1e/no_cl": {"low": -1.5, "high": 0.0, "runs": runs},
            "table1f/shared": {"low": -1.1, "high": 0.1, "runs": moved},
            "table1z/none": {"low": 0.0, "high": 1.0, "runs": runs}}
    assert mod.current_bootstrap(boot) == {"table1e/no_cl": [-1.5, 0.0]}
    printed = capsys.readouterr().out
    assert "table1f/shared: computed from other runs" in printed
    assert "table1z/none: no such Table 1 row" in printed


def test_summary_has_one_line_per_compared_row(tmp_path):
    from vistoolkit.studies.finetune_evidence import summary_markdown

    runs = [_run("still", 0, [20, 22, 30]), _run("temporal", 0, [18, 20, 27])]
    res = table_from_evidence("table1b", load_manifest(_write(tmp_path, runs)))
    lines = summary_markdown([res]).splitlines()
    assert len(lines) == 3
    assert lines[2].startswith("| 1b | Still-image (vs Temporal) | -1.0 | +2.3 [")
    assert lines[2].endswith("| 1 (3) | opposite |")


def test_reproduction_md_shows_the_committed_summary():
    text = (ROOT / "docs" / "reproduction.md").read_text()
    marker = "<!-- summary.md of docs/results/table1, pasted -->\n"
    start = text.index(marker) + len(marker)
    pasted = text[start:text.index("\n\n", start)]
    assert pasted == (ROOT / "docs" / "results" / "table1" / "summary.md").read_text().strip()


def test_the_manifests_bootstrap_is_reported_beside_the_verdict(tmp_path):
    from vistoolkit.studies.finetune_evidence import summary_markdown

    runs = [_run("still", 0, [20, 22, 30]), _run("temporal", 0, [18, 20, 27])]
    path = _write(tmp_path, runs, bootstrap={"table1b/still": [0.5, 4.25]})
    res = table_from_evidence("table1b", load_manifest(path))
    v = res.verdicts["still"]
    assert v.bootstrap == (0.5, 4.25)
    assert (v.low, v.high) == pytest.approx(paired_interval(np.array([2.0, 2.0, 3.0])))
    assert "| [+0.5, +4.2] | 1 (3) | opposite |" in summary_markdown([res])
    with pytest.raises(InputError, match=r"bootstrap\['table1b/nope'\]: no such Table 1 row"):
        load_manifest(_write(tmp_path, runs, bootstrap={"table1b/nope": [0, 1]}))
    with pytest.raises(InputError, match="low 2.0 above high 1.0"):
        load_manifest(_write(tmp_path, runs, bootstrap={"table1b/still": [2, 1]}))


def test_reference_runs_take_another_rows_runs(tmp_path):
    from vistoolkit.studies.finetune_evidence import summary_markdown

    row = [[20, 21, 22], [21, 22, 23], [19, 21, 22]]
    ref = [[18, 19, 20], [19, 19, 21], [18, 20, 20]]
    runs = [_run("efficientvis_ms", s, a, "table1g") for s, a in enumerate(row)]
    runs += [_run("temporal", s, a, "table1b") for s, a in enumerate(ref)]
    runs += [_run("efficientvis", 0, [1.0], "table1g")]        # a probe AP measured otherwise
    notes = {"table1g/efficientvis_ms": {"note": "vs C8", "reference_runs": "table1b/temporal"}}
    res = table_from_evidence("table1g", load_manifest(_write(tmp_path, runs, rows=notes)))
    v = res.verdicts["efficientvis_ms"]
    seed_deltas = np.array([np.mean(a) - np.mean(b) for a, b in zip(row, ref)])
    assert v.delta == pytest.approx(seed_deltas.mean()) and v.seeds == 3
    assert (v.low, v.high) == pytest.approx(paired_interval(seed_deltas))
    assert v.paper_delta == pytest.approx(paper_delta("table1g", "efficientvis_ms"))
    assert v.label == "reproduced"                      # the paper's +0.9, interval above 0
    assert res.verdicts["vistr"].label == "not run"     # still against the probe row
    line = next(x for x in summary_markdown([res]).splitlines() if "multi-scale" in x)
    assert "[vs C8] (vs EfficientVIS (no aug., 33 epochs))" in line and "| 3 (3) |" in line
    with pytest.raises(InputError, match=r"rows\['table1g/efficientvis_ms'\]: reference_runs "
                                         r"'table1b/nope' is no Table 1 row"):
        load_manifest(_write(tmp_path, runs, rows={"table1g/efficientvis_ms": {
            "reference_runs": "table1b/nope"}}))
