"""Table 1 verdict rule (vistoolkit.studies.verdict) on hand-made seed sets."""

import math

import pytest

from vistoolkit.studies.verdict import Verdict, delta_text, paired_interval, verdict

REF = {0: 30.0, 1: 32.0, 2: 31.0}


def test_paired_interval_three_seeds_matches_t_formula() -> None:
    import numpy as np

    low, high = paired_interval(np.array([1.0, 2.0, 3.0]))
    half = 4.302652729911275 * 1.0 / math.sqrt(3)          # t_{0.975, 2} * sd / sqrt(n)
    assert (low, high) == pytest.approx((2.0 - half, 2.0 + half))
    assert all(math.isnan(v) for v in paired_interval(np.array([1.0])))


def test_verdict_reproduced_when_interval_excludes_zero_on_papers_side() -> None:
    v = verdict({0: 35.0, 1: 37.5, 2: 36.0}, REF, paper_delta=+3.0)
    assert v.label == "reproduced" and v.delta == pytest.approx(5.1666666) and v.low > 0


def test_verdict_opposite_when_interval_excludes_zero_on_other_side() -> None:
    assert verdict({0: 25.0, 1: 27.0, 2: 26.5}, REF, paper_delta=+3.0).label == "opposite"


def test_verdict_within_noise_when_interval_contains_zero() -> None:
    v = verdict({0: 31.0, 1: 31.0, 2: 32.0}, REF, paper_delta=+3.0)
    assert v.label == "within noise" and v.low < 0 < v.high


def test_verdict_undertrained_reference_gives_no_verdict() -> None:
    v = verdict({0: 8.0, 1: 9.0, 2: 8.5}, {0: 2.0, 1: 3.0, 2: 2.5}, paper_delta=+3.0)
    assert v.label == "undertrained"


def test_verdict_no_change_row_reproduced_inside_one_ap() -> None:
    row = {0: 30.2, 1: 32.1, 2: 31.3}                       # deltas 0.2, 0.1, 0.3
    assert verdict(row, REF, paper_delta=-0.1).label == "reproduced"
    assert verdict({0: 35.0, 1: 37.0, 2: 36.5}, REF, paper_delta=0.0).label == "opposite"


def test_verdict_pairs_only_common_seeds_and_accepts_an_external_interval() -> None:
    v = verdict({0: 40.0, 5: 1.0}, REF, paper_delta=2.0, interval=(1.0, 20.0))
    assert (v.seeds, v.delta, v.label) == (1, 10.0, "reproduced")
    assert verdict({}, REF, paper_delta=2.0).label == "not run"
    assert verdict({0: 40.0}, REF, paper_delta=2.0).label == "within noise"   # one seed, no CI


def test_table_verdicts_one_seed_uses_the_per_video_bootstrap(tmp_path) -> None:
    import json
    from pathlib import Path

    from vistoolkit.eval import evaluate
    from vistoolkit.studies.evidence import table_verdicts
    from vistoolkit.studies.records import CellResult, RowResult
    from vistoolkit.studies.table1 import TABLE1

    ref_dir = Path(__file__).parent / "data" / "ytvis_ref"
    gt, good = ref_dir / "case04_gt.json", ref_dir / "case04_pred.json"
    worse = tmp_path / "worse.json"                     # the first video's predictions dropped
    preds = json.loads(good.read_text())
    first = min(p["video_id"] for p in preds)
    worse.write_text(json.dumps([p for p in preds if p["video_id"] != first]))
    t = TABLE1["table1e"]                                # w/o CL (7.4) against w/ CL (35.3)

    def row(key: str, pred: Path) -> RowResult:
        ap = evaluate(gt, pred, allow_empty=True).stats["AP"]
        cell = CellResult({"AP": ap}, {"predictions": str(pred), "gt": str(gt)})
        return RowResult(t.row(key), (0,), {"AP": ap}, {"AP": 0.0}, (cell,))

    rows = [row("no_cl", worse), row("cl", good)]
    v = table_verdicts(rows)["no_cl"]
    assert v.seeds == 1 and v.delta < 0
    assert (v.low, v.high) == v.bootstrap and v.low <= v.delta <= v.high
    assert v.label == ("reproduced" if v.high < 0 else "within noise")
    assert table_verdicts(rows, bootstrap=False)["no_cl"].label == "within noise"


def test_delta_text_keeps_the_sign_of_a_bound_near_zero() -> None:
    v = Verdict("opposite", 1.22, 0.0028, 2.437, -1.0, 3, (math.nan, math.nan))
    assert delta_text(v) == "+1.2 [+0.003, +2.4]"
    assert delta_text(Verdict("within noise", -0.5, -1.6, 0.53, -1.1, 2,
                              (math.nan, math.nan))) == "-0.5 [-1.6, +0.5]"
    assert delta_text(Verdict("not run", math.nan, math.nan, math.nan, -3.3, 0,
                              (math.nan, math.nan))) == "–"
