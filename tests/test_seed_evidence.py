"""benchmarks/seed_evidence.py: per-seed means of the splits and the verdict over seeds."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "seed_evidence.py"


def _module():
    spec = importlib.util.spec_from_file_location("seed_evidence", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _evidence(ref: list[float], row: list[float]) -> dict:
    return {"comparisons": [
        {"comparison": "hand-craft - e2e at 6 FPS", "split_ap": {"A": ref, "B": row},
         "verdict": "Table 1d: reproduced (paper -1.6)"},
        {"comparison": "motion - e2e at 6 FPS", "split_ap": {"A": ref, "B": [0.0] * len(ref)},
         "verdict": ""}]}


def test_seed_means_average_each_seed_over_its_splits():
    mod = _module()
    ev = [_evidence([10, 20], [8, 16]), _evidence([12, 14], [9, 11])]
    ref, row = mod.seed_means(ev, "hand-craft - e2e at 6 FPS")
    assert ref == {0: 15, 1: 13} and row == {0: 12, 1: 10}
    name, paper = mod.table_row(ev[0], "hand-craft - e2e at 6 FPS")
    assert name == "Table 1d" and paper == pytest.approx(-1.6)      # from TABLE1
    assert mod.table_row(ev[0], "motion - e2e at 6 FPS") is None


def test_seed_evidence_script_writes_the_verdict_over_seeds(tmp_path):
    paths = []
    for i, (ref, row) in enumerate([([20, 22], [15, 17]), ([21, 23], [16, 17]),
                                    ([19, 21], [15, 16])]):
        paths.append(tmp_path / f"s{i}.json")
        paths[-1].write_text(json.dumps(_evidence(ref, row)))
    out = tmp_path / "seeds.json"
    subprocess.run([sys.executable, str(SCRIPT), *map(str, paths), "--out", str(out)],
                   check=True, capture_output=True)
    rows = {r["comparison"]: r for r in json.loads(out.read_text())["comparisons"]}
    first = rows["hand-craft - e2e at 6 FPS"]
    assert first["seed_delta_ap"] == [-5.0, -5.5, -4.5]
    assert first["delta_ap"] == -5.0 and first["low"] < -5.0 < first["high"] < 0
    assert first["verdict"] == "Table 1d: reproduced (paper -1.6)"
    assert rows["motion - e2e at 6 FPS"]["verdict"] == ""


def test_seed_evidence_script_missing_file_is_one_line_and_exit_2(tmp_path):
    res = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path / "none.json")],
                         capture_output=True, text=True)
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        f"error: [Errno 2] No such file or directory: '{tmp_path / 'none.json'}'"]
