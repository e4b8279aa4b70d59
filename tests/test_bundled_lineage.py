"""benchmarks/bundled_lineage.py on the committed run logs: the bundled model's recipe curve."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def lineage_mod(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import bundled_lineage
    yield bundled_lineage
    sys.modules.pop("bundled_lineage", None)


def test_step_summary_on_hand_made_rows(lineage_mod):
    rows = [{"step": 1, "sec": 2.0}, {"step": 2, "sec": 3.0, "probe_AP": 0.05},
            {"step": 3, "sec": 1.0, "probe_AP": 0.1, "ema_probe_AP": 0.2}]
    assert lineage_mod.step_summary(rows) == (3, 6.0, pytest.approx(20.0))


def test_committed_lineage_ends_at_the_bundled_file(lineage_mod):
    steps = lineage_mod.lineage(ROOT / "docs" / "results")
    assert [s["end"] for s in steps] == [2510, 3510, 4510, 5510, 6510, 7010, 7510, 8010]
    assert all(a["end"] <= b["curve"][0][0] for a, b in zip(steps, steps[1:]))
    assert round(steps[-1]["ten_split"], 1) == 18.8            # C9, the bundled file
    text = (ROOT / "docs" / "results" / "bundled_lineage.md").read_text()
    assert text == lineage_mod.markdown(steps)
