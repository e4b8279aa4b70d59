"""Paired comparison: the resampled stats, the bootstrap (deterministic, covering a known
difference), several files per side, and ``vistool compare``."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import REF_DIR, box_rle, make_gt, make_pred
from scipy import stats as sstats

from vistoolkit.cli.main import main
from vistoolkit.eval import STAT_KEYS, EvalParams, evaluate
from vistoolkit.eval.bootstrap import pool_curves, resampled_stats, video_weights
from vistoolkit.eval.compare import compare, compare_results
from vistoolkit.eval.metrics.video_curves import VideoCurves

CASES = ["case01", "case02", "case03", "case04", "case05", "quirk01", "quirk02"]


@pytest.mark.parametrize("case", CASES)
def test_bootstrap_unit_weights_give_the_official_stats(case):
    res = evaluate(REF_DIR / f"{case}_gt.json", REF_DIR / f"{case}_pred.json", lenient=True,
                   breakdowns=("video-curves",))
    pool = pool_curves(list(res.breakdowns["video-curves"].curves), res.params)
    got = resampled_stats(pool, np.ones((1, len(pool.video_ids))))[0]
    want = np.array([res.stats[k] for k in STAT_KEYS])
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.allclose(got[~np.isnan(want)], want[~np.isnan(want)], rtol=0, atol=1e-12)


def test_bootstrap_double_weight_equals_a_duplicated_video(write_json):
    # video 2 drawn twice == a copy of video 2 under a new id, evaluated officially
    gt = json.loads((REF_DIR / "case04_gt.json").read_text())
    preds = json.loads((REF_DIR / "case04_pred.json").read_text())
    res = evaluate(write_json("g.json", gt), write_json("p.json", preds),
                   breakdowns=("video-curves",))
    pool = pool_curves(list(res.breakdowns["video-curves"].curves), res.params)
    weights = np.ones((1, len(pool.video_ids)))
    weights[0, 0] = 2                                   # video 1 twice
    copy_id = 99
    gt["videos"].append({**gt["videos"][0], "id": copy_id})
    gt["annotations"] += [{**a, "id": 1000 + a["id"], "video_id": copy_id}
                          for a in gt["annotations"] if a["video_id"] == 1]
    preds += [{**p, "video_id": copy_id} for p in preds if p["video_id"] == 1]
    dup = evaluate(write_json("g2.json", gt), write_json("p2.json", preds))
    got = resampled_stats(pool, weights)[0]
    want = np.array([dup.stats[k] for k in STAT_KEYS])
    assert np.allclose(got, want, rtol=0, atol=1e-12, equal_nan=True)


def _detection_case(n_videos: int, p_a: float, p_b: float, seed: int) -> tuple[dict, list, list]:
    """One GT track per video (one category); A finds each with probability p_a, B with p_b,
    exactly (IoU 1), independently: the expected AP difference is (p_b - p_a) * 100 / 101."""
    rng = np.random.default_rng(seed)
    m = box_rle(4, 4, 0, 0, 2, 2)
    gt = make_gt([(v, 4, 4, 1) for v in range(1, n_videos + 1)],
                 [{"id": v, "video_id": v, "category_id": 1, "segmentations": [m]}
                  for v in range(1, n_videos + 1)], categories=(1,))
    found_a, found_b = rng.random(n_videos) < p_a, rng.random(n_videos) < p_b
    pa = [make_pred(v + 1, 1, 0.9, [m]) for v in np.flatnonzero(found_a).tolist()]
    pb = [make_pred(v + 1, 1, 0.9, [m]) for v in np.flatnonzero(found_b).tolist()]
    return gt, pa, pb


def test_compare_interval_covers_a_known_difference(write_json):
    gt, pa, pb = _detection_case(120, 0.5, 0.8, seed=7)
    comp = compare(write_json("g.json", gt), [write_json("a.json", pa)],
                   [write_json("b.json", pb)], seed=0, resamples=500)
    lo, hi = comp.interval["AP"]
    assert comp.interval_kind == "bootstrap"
    assert lo < 0.3 * 100 / 101 < hi and lo > 0          # covers the truth, excludes 0
    assert lo <= comp.delta["AP"] <= hi


def _curves_pool(found: np.ndarray) -> object:
    """Pooled curves of the detection case without evaluating: video v has one GT and, if
    found, one exact TP of score 0.9 at every threshold and area."""
    params = EvalParams()
    n_a, n_t = len(params.area_labels), len(params.iou_thrs)
    curves = []
    for v, hit in enumerate(found.tolist()):
        n = int(hit)
        curves.append(VideoCurves(v + 1, np.zeros(n, np.int64), np.zeros(n, np.int64),
                                  np.full(n, 0.9), np.ones((n_a, n_t, n), bool),
                                  np.zeros((n_a, n_t, n), bool), np.ones((1, n_a), np.int64)))
    return pool_curves(curves, params)


def test_bootstrap_coverage_of_the_known_difference_over_many_datasets():
    truth, covered, trials = 0.3 * 100 / 101, 0, 40
    for seed in range(trials):
        rng = np.random.default_rng(1000 + seed)
        n = 100
        found_a, found_b = rng.random(n) < 0.5, rng.random(n) < 0.8
        w = video_weights(n, 400, np.random.default_rng(seed))
        d = (resampled_stats(_curves_pool(found_b), w, keys=("AP",))[:, 0]
             - resampled_stats(_curves_pool(found_a), w, keys=("AP",))[:, 0])
        lo, hi = np.percentile(d, [2.5, 97.5])
        covered += lo <= truth <= hi
    assert covered >= 0.85 * trials


def test_compare_is_deterministic_for_a_seed_and_identical_files_give_zero():
    g, a = REF_DIR / "case02_gt.json", REF_DIR / "case02_pred.json"
    b = REF_DIR / "case02_pred.json"
    one = compare(g, [a], [b], seed=5, resamples=200).to_dict()
    assert one == compare(g, [a], [b], seed=5, resamples=200).to_dict()
    assert one["delta"]["AP"] == 0 and one["interval"]["AP"] == [0.0, 0.0]


def test_compare_same_seed_same_interval_other_seed_differs(write_json):
    gt, pa, pb = _detection_case(40, 0.5, 0.7, seed=1)
    g, a, b = write_json("g.json", gt), write_json("a.json", pa), write_json("b.json", pb)
    first = compare(g, [a], [b], seed=11, resamples=300)
    assert first.bootstrap_interval == compare(g, [a], [b], seed=11, resamples=300).bootstrap_interval
    assert first.bootstrap_interval != compare(g, [a], [b], seed=12, resamples=300).bootstrap_interval


def test_compare_several_files_per_side_mean_std_and_seed_interval(write_json):
    gt, _, _ = _detection_case(30, 0.5, 0.8, seed=0)
    g = write_json("g.json", gt)
    a_files, b_files = [], []
    for s in range(3):
        _, pa, pb = _detection_case(30, 0.5, 0.8, seed=s)
        a_files.append(write_json(f"a{s}.json", pa))
        b_files.append(write_json(f"b{s}.json", pb))
    comp = compare(g, a_files, b_files, resamples=100)
    ap_a = [evaluate(g, f, allow_empty=True).stats["AP"] for f in a_files]
    ap_b = [evaluate(g, f, allow_empty=True).stats["AP"] for f in b_files]
    d = np.array(ap_b) - np.array(ap_a)
    half = sstats.t.ppf(0.975, 2) * d.std(ddof=1) / math.sqrt(3)
    assert comp.interval_kind == "seeds" and comp.n_files == 3
    assert comp.a["AP"] == pytest.approx(np.mean(ap_a)) and comp.a_std["AP"] == pytest.approx(
        np.std(ap_a, ddof=1))
    assert comp.interval["AP"] == pytest.approx((d.mean() - half, d.mean() + half))
    assert comp.seed_interval == comp.interval and comp.bootstrap_interval["AP"][0] <= d.mean()


def test_compare_results_refuses_unpaired_or_unprepared_results():
    res = evaluate(REF_DIR / "case02_gt.json", REF_DIR / "case02_pred.json")
    with pytest.raises(ValueError, match="same number"):
        compare_results([res], [])
    with pytest.raises(ValueError, match="breakdowns"):
        compare_results([res], [res])


def test_compare_cli_json_and_videos_changed_most(tmp_path, write_json):
    preds = json.loads((REF_DIR / "case04_pred.json").read_text())
    better = [p for p in preds if p["video_id"] != 1 or p["score"] > 0.5]   # drop some FPs
    a, b = write_json("a.json", preds), write_json("b.json", better)
    out = tmp_path / "cmp.json"
    run = CliRunner().invoke(main, ["compare", str(a), str(b), "--gt",
                                    str(REF_DIR / "case04_gt.json"), "--resamples", "200",
                                    "--json", str(out)])
    assert run.exit_code == 0, run.output
    assert run.output.startswith("B - A with 95 % intervals (paired bootstrap over videos, "
                                 "200 resamples, seed 0)")
    doc = json.loads(out.read_text())
    assert {"a", "b", "delta", "interval"} <= set(doc)
    assert set(doc["interval"]) == set(STAT_KEYS) and len(doc["interval"]["AP"]) == 2
    assert doc["delta"]["AP"] == pytest.approx(doc["b"]["AP"] - doc["a"]["AP"])
    assert doc["videos"][0]["video_id"] == 1      # the only video that changed


def test_compare_cli_usage_errors_exit_2():
    g, p = str(REF_DIR / "case02_gt.json"), str(REF_DIR / "case02_pred.json")
    for args in (["compare", p, "--gt", g], ["compare", "-a", p, "-b", p, "-b", p, "--gt", g],
                 ["compare", p, p, "-a", p, "-b", p, "--gt", g]):
        run = CliRunner().invoke(main, args)
        assert run.exit_code == 2, (args, run.output)
