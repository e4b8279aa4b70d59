"""``vistool curves``: probe metrics of several runs side by side."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from vistoolkit.cli.main import main


def _run(path: Path, probes: dict[int, float]) -> Path:
    path.mkdir()
    rows = [{"step": s, "loss": 1.0, **({"probe_class_acc": probes[s]} if s in probes else {})}
            for s in range(1, 5)]
    (path / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_curves_table_and_plot(tmp_path: Path) -> None:
    a = _run(tmp_path / "a", {2: 0.25, 4: 0.5})
    b = _run(tmp_path / "b", {4: 0.75})
    out = tmp_path / "c.png"
    res = CliRunner().invoke(main, ["curves", f"ref={a}", str(b), "--key", "probe_class_acc",
                                    "--out", str(out)])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == "| iteration | ref probe_class_acc | b probe_class_acc |"
    assert lines[2] == "| 2 | 0.250 |  |"
    assert lines[3] == "| 4 | 0.500 | 0.750 |"
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_curves_reads_a_kept_metrics_csv(tmp_path: Path) -> None:
    a = _run(tmp_path / "a", {2: 0.25, 4: 0.5})
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "metrics.csv").write_text("step,loss,probe_class_acc\n1,1.0,\n2,1.0,0.125\n")
    res = CliRunner().invoke(main, ["curves", str(a), f"old={kept}", "--key", "probe_class_acc"])
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[2] == "| 2 | 0.250 | 0.125 |"


def test_curves_missing_run_is_one_line(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["curves", str(tmp_path / "nope")])
    assert res.exit_code == 2 and "metrics.jsonl" in res.output
