"""benchmarks/table1_cell.py: the commands of one Table 1 fine-tune cell."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from vistoolkit.cli.model_support import model_config

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "table1_cell.py"


@pytest.fixture(scope="module")
def cell():
    spec = importlib.util.spec_from_file_location("table1_cell", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _sets(argv: list[str]) -> list[str]:
    return [argv[i + 1] for i, a in enumerate(argv) if a == "--set"]


@pytest.mark.parametrize("row", ["reference", "spatial", "temporal", "joint", "tdc_temporal",
                                 "T8", "T16", "no_cl", "shared_query", "multiscale"])
def test_each_row_changes_only_its_switch(cell, row):
    argv = cell.train_argv(row, name="x", seed=2, start=Path("/s.pt"), stream_seed=10,
                           runs=Path("/r"))
    ref = cell.train_argv("reference", name="x", seed=2, start=Path("/s.pt"), stream_seed=10,
                          runs=Path("/r"))
    sets = _sets(argv)
    keys = [s.split("=")[0] for s in sets]
    assert len(keys) == len(set(keys))                          # one value per setting
    config = model_config("tiny", sets)                          # every setting is a real field
    assert config.num_stages == 3 and config.num_queries == 10
    changed = set(sets) - set(_sets(ref))
    assert changed == {f"{k}={v}" for k, v in cell.ROWS[row][0].items()}
    assert [a for a in argv if a not in ref and "=" not in a] == [
        a for a in cell.ROWS[row][1] if "=" not in a]
    assert argv[argv.index("--seed") + 1] == "2" and argv[argv.index("--stream-seed") + 1] == "10"
    assert argv[argv.index("--init-weights") + 1] == "/s.pt" and "--resume" in argv


def test_switches_reach_the_model_config(cell):
    def config(row):
        return model_config("tiny", _sets(cell.train_argv(
            row, name="x", seed=0, start=Path("/s.pt"), stream_seed=1, runs=Path("/r"))))
    assert config("reference").tdc == "still" and config("tdc_temporal").tdc == "temporal"
    assert config("joint").attention == "joint" and config("T16").clip_length == 16
    assert config("no_cl").correspondence_learning is False
    assert config("shared_query").query == "shared" and config("multiscale").multi_scale is True


def test_scored_at_the_rows_clip_length(cell):
    argv = cell.score_argv("T8", "T8_s0", Path("/r"), Path("/splits"))
    assert argv[argv.index("--clip-length") + 1] == "8"
    assert argv[argv.index("--root") + 1] == "/splits" and "/r/T8_s0/T8_s0_ema_int8.pt" in argv


def test_score_table_keeps_the_table_and_names_the_run(cell):
    out = "loading\nAP over splits\n| /r/a/a_ema_int8.pt | 20.0 |\n"
    assert cell.score_table(out, "a", Path("/r/a/a_ema_int8.pt")) == (
        "AP over splits\n| a (average, int8 layer4) | 20.0 |\n")
    with pytest.raises(cell.CellError, match="no 'AP over splits'"):
        cell.score_table("nothing\n", "a", Path("/r/a.pt"))


def test_print_and_bad_input(tmp_path):
    args = ["--seed", "1", "--start", str(tmp_path / "start.pt"), "--stream-seed", "10",
            "--runs", str(tmp_path)]
    out = subprocess.run([sys.executable, str(SCRIPT), "no_cl", *args, "--print"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(out) == 3 and "correspondence_learning=false" in out[0] and "no_cl_s1" in out[0]
    r = subprocess.run([sys.executable, str(SCRIPT), "nope", *args], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.strip() == (
        "error: unknown row 'nope'; rows: reference, spatial, temporal, joint, tdc_temporal, "
        "T8, T16, no_cl, shared_query, multiscale")
    r = subprocess.run([sys.executable, str(SCRIPT), "no_cl", *args], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.strip().endswith("start.pt: no such start file")
    assert not (tmp_path / "no_cl_s1").exists()                  # nothing written before the check


def test_a_scored_cell_is_reused_and_copied_to_docs(tmp_path, cell):
    run = tmp_path / "runs" / "spatial_s2"
    run.mkdir(parents=True)
    (run / "split_spread.md").write_text("AP over splits\n| spatial_s2 | 19.0 |\n")
    (run / "metrics.csv").write_text("step,loss\n500,1.0\n")
    (run / "command.sh").write_text("vistool train ...\n")
    (tmp_path / "start.pt").write_bytes(b"")
    docs = tmp_path / "docs"
    assert cell.main(["spatial", "--seed", "2", "--start", str(tmp_path / "start.pt"),
                      "--stream-seed", "10", "--runs", str(tmp_path / "runs"),
                      "--docs", str(docs)]) == 0
    assert (docs / "seed2" / "split_spread.md").read_text().endswith("| spatial_s2 | 19.0 |\n")
    assert (docs / "seed2" / "metrics.csv").is_file() and (docs / "seed2" / "command.sh").is_file()
    assert not (tmp_path / "runs" / "spatial_s2.log").exists()    # nothing trained again


def test_the_committed_cells_ran_the_commands_the_protocol_gives(cell):
    """Every new-set cell under docs/results ran what ``train_argv`` gives today, derived from
    ``vistool reproduce``'s cpu budget and Table 1's rows."""
    import shlex

    base = "cpu_recipe_frozen_queries10_finetune_stages3_seed3_ema_seed4_seed5_seed6_still_seed7_" \
           "seed8_seed9_seed10"
    results = SCRIPT.parents[1] / "docs" / "results"
    checked = 0
    folders = [(row, results / (base if row == "reference" else f"{base}_{row}")) for row in cell.ROWS]
    folders.append(("reference", results / f"{base}_rerun"))  # C12r*: C12's cells run again
    for row, folder in folders:
        for path in [folder / "command.sh", *sorted(folder.glob("seed*/command.sh"))]:
            if not path.is_file():
                continue
            line = path.read_text().splitlines()[0]
            a = shlex.split(line)
            argv = cell.train_argv(row, name=Path(a[a.index("--out") + 1]).name,
                                   seed=int(a[a.index("--seed") + 1]),
                                   start=Path(a[a.index("--init-weights") + 1]),
                                   stream_seed=int(a[a.index("--stream-seed") + 1]),
                                   runs=Path(a[a.index("--out") + 1]).parent)
            assert shlex.join(argv) == line, path
            checked += 1
    assert checked >= 32
    assert float(cell.LR) == cell.CPU.lr
