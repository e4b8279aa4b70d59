"""Pooling several datasets into one evaluation (``vistoolkit.data.pool``)."""

from __future__ import annotations

import dataclasses
import math

import pytest
from conftest import REF_DIR

from vistoolkit.data.pool import ID_STRIDE, pool
from vistoolkit.data.ytvis_io import load_dataset, load_predictions
from vistoolkit.eval import evaluate


def _case(name: str):
    return load_dataset(REF_DIR / f"{name}_gt.json"), load_predictions(REF_DIR / f"{name}_pred.json")


def test_pooling_copies_of_one_split_keeps_its_stats() -> None:
    gt, preds = _case("case04")
    alone = evaluate(gt, preds).stats
    pooled_gt, pooled_preds = pool([(gt, preds), (gt, preds), (gt, preds)])
    assert len(pooled_gt.videos) == 3 * len(gt.videos) and len(pooled_preds) == 3 * len(preds)
    got = evaluate(pooled_gt, pooled_preds).stats
    for k, v in alone.items():
        assert (math.isnan(v) and math.isnan(got[k])) or got[k] == pytest.approx(v, abs=1e-12), k


def test_pooled_ids_are_disjoint_and_predictions_follow_their_videos() -> None:
    (g1, p1), (g2, p2) = _case("case04"), _case("case02")
    gt, preds = pool([(g1, p1), (g2, p2)])
    ids = [v.id for v in gt.videos]
    assert len(set(ids)) == len(ids) == len(g1.videos) + len(g2.videos)
    assert {p.video_id for p in preds[len(p1):]} <= {v.id + ID_STRIDE for v in g2.videos}
    assert len({t.id for t in gt.tracks}) == len(gt.tracks)


def test_pool_refuses_parts_with_other_categories() -> None:
    gt, preds = _case("case04")
    other = dataclasses.replace(gt, categories=gt.categories[:-1])
    with pytest.raises(ValueError, match="categories"):
        pool([(gt, preds), (other, preds)])
    with pytest.raises(ValueError, match="nothing"):
        pool([])
