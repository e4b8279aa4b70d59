"""The per-video bootstrap of Table 1's rows pooled over splits and training seeds
(``benchmarks/table1_bootstrap.py``), on hand-made splits and predictions."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from conftest import box_rle, make_gt, make_pred

ROOT = Path(__file__).resolve().parents[1]
SPLITS = ("0", "99")
N_VIDEOS = 6


@pytest.fixture
def boot(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location("table1_bootstrap",
                                                  ROOT / "benchmarks" / "table1_bootstrap.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(mod, "SPLITS", SPLITS)
    monkeypatch.setattr(mod, "SOURCES", [
        (table, row, seed, f"{row}{seed}", "spread", "unused")
        for table, row in (("table1b", "still"), ("table1b", "temporal")) for seed in (0, 1)])
    return mod


def _mask() -> dict:
    return box_rle(8, 8, 2, 2, 6, 6)


def _write_case(tmp_path: Path, hits: dict[str, int]) -> tuple[Path, Path]:
    """Two splits of six one-track videos; run R finds the first ``hits[R]`` of each split."""
    splits, runs = tmp_path / "splits", tmp_path / "runs"
    for s in SPLITS:
        gt = make_gt([(v, 8, 8, 2) for v in range(1, N_VIDEOS + 1)],
                     [{"id": v, "video_id": v, "category_id": 1, "segmentations": [_mask()] * 2}
                      for v in range(1, N_VIDEOS + 1)])
        (splits / f"seed{s}").mkdir(parents=True)
        (splits / f"seed{s}" / "valid.json").write_text(json.dumps(gt))
        for run, n in hits.items():
            preds = [make_pred(v, 1, 0.9, [_mask()] * 2) for v in range(1, n + 1)]
            out = runs / "preds" / f"{run}_ema_int8" / f"seed{s}.json"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(preds))
    return splits, runs


def _main(mod, monkeypatch, splits: Path, runs: Path, out: Path) -> dict:
    monkeypatch.setattr(sys, "argv", ["table1_bootstrap.py", "--runs", str(runs), "--splits",
                                      str(splits), "--resamples", "200", "--out", str(out)])
    mod.main()
    return json.loads(out.read_text())


def test_rows_pool_the_splits_and_pair_the_seeds(boot, monkeypatch, tmp_path):
    splits, runs = _write_case(tmp_path, {"still0": 3, "still1": 4, "temporal0": 6,
                                          "temporal1": 6})
    res = _main(boot, monkeypatch, splits, runs, tmp_path / "b.json")
    assert set(res) == {"table1b/still"}                # temporal is the reference row
    still = res["table1b/still"]
    assert (still["seeds"], still["splits"], still["videos"]) == (2, 2, 2 * N_VIDEOS)
    # pooled recall 6/12 and 8/12 at precision 1 against 12/12: AP -50 and -33.3, mean -41.7
    assert still["delta"] == pytest.approx(-100 * (6 / 12 + 4 / 12) / 2, abs=1.5)
    assert still["low"] <= still["delta"] <= still["high"] < 0


def test_a_row_without_every_prediction_is_left_out(boot, monkeypatch, tmp_path, capsys):
    splits, runs = _write_case(tmp_path, {"still0": 3, "still1": 4, "temporal0": 6,
                                          "temporal1": 6})
    (runs / "preds" / "still1_ema_int8" / "seed99.json").unlink()
    res = _main(boot, monkeypatch, splits, runs, tmp_path / "b.json")
    assert res == {}
    assert "table1b/still: left out" in capsys.readouterr().err


def test_a_left_out_row_keeps_the_entry_already_written(boot, monkeypatch, tmp_path, capsys):
    splits, runs = _write_case(tmp_path, {"still0": 3, "still1": 4, "temporal0": 6,
                                          "temporal1": 6})
    out = tmp_path / "b.json"
    first = _main(boot, monkeypatch, splits, runs, out)["table1b/still"]
    (runs / "preds" / "temporal0_ema_int8" / "seed0.json").unlink()   # a machine without them
    assert _main(boot, monkeypatch, splits, runs, out) == {"table1b/still": first}
    assert "kept" in capsys.readouterr().err


def test_sources_map_to_their_prediction_files(boot, tmp_path):
    lowfps = ("table1h", "fps1.5", 1, "C6s1", "lowfps", "x", ("EfficientVIS (e2e)", 1.5))
    parts = boot.parts_of(lowfps, tmp_path, tmp_path / "splits")
    assert parts[0] == (tmp_path / "splits" / "seed0",
                        tmp_path / "lowfps_C6s1" / "seed0" / "fps1.5" / "e2e.json", 1.5)
    t8 = ("table1d", "T18_handcraft", 0, "C6", "t8", "x", ("C6", 1))
    assert boot.parts_of(t8, tmp_path, tmp_path)[1][1] == tmp_path / "t8_C6" / "seed99" / "hc.json"
    assert boot.parts_of(("table1g", "vistr", 0, "D", "curve", "x", "dense"), tmp_path,
                         tmp_path) is None


def test_reference_of_follows_the_manifests_row_notes(boot, monkeypatch):
    monkeypatch.setattr(boot, "ROW_NOTES", {
        "table1g/efficientvis_ms": {"note": "vs C8", "reference_runs": "table1b/temporal"},
        "table1c/T9": {"reference": "T18"}})
    assert boot.reference_of("table1g", "efficientvis_ms") == ("table1b", "temporal")
    assert boot.reference_of("table1c", "T9") == ("table1c", "T18")
    assert boot.reference_of("table1b", "still") == ("table1b", "temporal")   # the paper's
    assert boot.reference_of("table1b", "temporal") is None


def test_an_entry_of_a_row_moved_to_other_runs_is_dropped(boot, monkeypatch, tmp_path, capsys):
    splits, runs = _write_case(tmp_path, {"still0": 3, "still1": 4, "temporal0": 6,
                                          "temporal1": 6})
    out = tmp_path / "b.json"
    assert _main(boot, monkeypatch, splits, runs, out)["table1b/still"]["runs"] == {
        "row": ["still0", "still1"], "reference": ["temporal0", "temporal1"]}
    monkeypatch.setattr(boot, "SOURCES", [                 # the row now reads other runs
        (t, row, seed, f"new_{row}{seed}", "spread", "unused")
        for t, row, seed, *_ in boot.SOURCES])
    assert _main(boot, monkeypatch, splits, runs, out) == {}
    assert "kept" not in capsys.readouterr().err
