"""benchmarks/table1d_t8.py: Table 1d's T = 8 rows from the per-split lines of table1d_t8.sh."""

import importlib.util
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "table1d_t8.py"


def _write(path: Path, run: str, e2e: list[float], hc: list[float]) -> None:
    with path.open("a") as f:
        for s, e, h in zip(("0", "99", "100", "101", "102"), e2e, hc):
            f.write(f"{run} seed{s} e2e {e} handcraft {h}\n")


def test_rows_per_seed_and_over_seeds(tmp_path):
    _write(tmp_path / "t8_A.txt", "A", [10, 12, 14, 16, 18], [6, 8, 10, 12, 14])      # -4 everywhere
    _write(tmp_path / "t8_B.txt", "B", [10, 10, 10, 10, 10], [9, 11, 10, 9, 11])      # 0 on average
    out = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path), "A", "B"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0] == ("| A (seed 0) | 10.0 / 12.0 / 14.0 / 16.0 / 18.0 (14.0) | "
                      "6.0 / 8.0 / 10.0 / 12.0 / 14.0 (10.0) | -4.0, [-4.0, -4.0] | reproduced |")
    assert out[1].endswith("| +0.0, [-1.2, +1.2] | within noise |")
    assert out[2] == ("| **over the 2 seeds** (each seed's mean of splits) | 12.0 | 10.0 | "
                      "**-2.0, [-27.4, +23.4]** | **within noise** (paper -1.8) |")


def test_bad_lines_and_missing_splits_exit_2_with_one_line(tmp_path):
    (tmp_path / "t8_A.txt").write_text("A seed0 e2e 10.0 handcraft\n")
    r = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path), "A"], capture_output=True, text=True)
    assert r.returncode == 2 and "line 1" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    (tmp_path / "t8_A.txt").write_text("A seed0 e2e 10.0 handcraft 8.0\n")
    r = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path), "A"], capture_output=True, text=True)
    assert r.returncode == 2 and "no line for split seed 99" in r.stderr


def test_read_run_ignores_other_runs(tmp_path):
    spec = importlib.util.spec_from_file_location("table1d_t8", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    _write(tmp_path / "t8.txt", "A", [1, 2, 3, 4, 5], [5, 4, 3, 2, 1])
    _write(tmp_path / "t8.txt", "AB", [9] * 5, [9] * 5)
    assert mod.read_run(tmp_path / "t8.txt", "A") == ([1, 2, 3, 4, 5], [5, 4, 3, 2, 1])
