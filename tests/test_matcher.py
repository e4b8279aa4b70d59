"""Tracklet Hungarian matching, Eq. 4 (efficientvis.matcher)."""

from __future__ import annotations

import itertools
import logging
from typing import NamedTuple

import torch
from efficientvis.batch import ClipTargetTensors
from efficientvis.matcher import (
    TrackletMatcher,
    downsample_masks,
    pasted_mask_probs,
    soft_mask_iou,
)
from torch import Tensor
from torchvision.ops import generalized_box_iou

HW = 32   # frame side in these tests


class FakeStage(NamedTuple):
    logits: Tensor      # (B, N, T, K+1)
    boxes: Tensor       # (B, N, T, 4)
    masks: Tensor       # (B, N, T, h, w)
    mask_boxes: Tensor  # (B, N, T, 4)


def _box_masks(boxes: Tensor, present: Tensor) -> Tensor:
    """Binary (G, T, HW, HW) masks filling integer ``xyxy`` boxes (G, T, 4) where present."""
    g, t = present.shape
    out = torch.zeros((g, t, HW, HW), dtype=torch.uint8)
    for i, j in itertools.product(range(g), range(t)):
        if present[i, j]:
            x0, y0, x1, y1 = (int(v) for v in boxes[i, j])
            out[i, j, y0:y1, x0:x1] = 1
    return out


def _random_case(seed: int, n: int, g: int, t: int, k: int = 3):
    gen = torch.Generator().manual_seed(seed)
    xy = torch.randint(0, 16, (g, t, 2), generator=gen).float()
    wh = torch.randint(4, 16, (g, t, 2), generator=gen).float()
    boxes = torch.cat([xy, xy + wh], -1)                                 # (G, T, 4)
    present = torch.rand((g, t), generator=gen) > 0.3
    labels = torch.where(present, torch.randint(0, k, (g, t), generator=gen), k)
    target = ClipTargetTensors(labels, boxes * present[..., None], _box_masks(boxes, present),
                               present)
    pxy = torch.rand((1, n, t, 2), generator=gen) * 16
    pboxes = torch.cat([pxy, pxy + 2 + torch.rand((1, n, t, 2), generator=gen) * 14], -1)
    stage = FakeStage(torch.randn((1, n, t, k + 1), generator=gen) * 2, pboxes,
                      torch.randn((1, n, t, 8, 8), generator=gen) * 3, pboxes)
    return stage, target


def test_matcher_hungarian_equals_brute_force_minimum():
    matcher = TrackletMatcher()
    for seed in range(5):
        stage, target = _random_case(seed, n=5, g=3, t=3)
        cost = matcher.cost_matrix(stage, target, 0)                      # (N, G)
        best = min(sum(cost[p, j] for j, p in enumerate(perm))
                   for perm in itertools.permutations(range(5), 3))
        (rows, cols), = matcher(stage, [target])
        assert rows.dtype == cols.dtype == torch.int64 and len(rows) == 3
        assert sorted(cols.tolist()) == [0, 1, 2] and rows.tolist() == sorted(rows.tolist())
        torch.testing.assert_close(cost[rows, cols].sum(), best)


def test_matcher_cost_matrix_equals_hand_formula_without_mask_term():
    stage, target = _random_case(7, n=4, g=3, t=3)
    cost = TrackletMatcher(mask_iou_weight=0.0).cost_matrix(stage, target, 0)
    prob = stage.logits[0].softmax(-1)
    for n, g in itertools.product(range(4), range(3)):
        expected = 0.0
        for t in range(3):
            expected += -2 * prob[n, t, target.labels[g, t]]
            if target.present[g, t]:
                pb, gb = stage.boxes[0, n, t], target.boxes[g, t]
                expected += 5 * ((pb - gb).abs() / HW).sum()
                expected -= 2 * generalized_box_iou(pb[None], gb[None])[0, 0]
        torch.testing.assert_close(cost[n, g], expected, rtol=1e-5, atol=1e-5)


def test_matcher_known_permutation_recovered():
    k, perm = 2, [2, 0, 3]                                # GT g -> prediction perm[g]
    gt_boxes = torch.tensor([[[0, 0, 8, 8]] * 2, [[16, 16, 28, 30]] * 2, [[4, 20, 12, 30]] * 2],
                            dtype=torch.float32)          # (G=3, T=2, 4)
    present = torch.tensor([[True, True], [True, False], [True, True]])
    labels = torch.tensor([[0, 0], [1, k], [0, 0]])
    target = ClipTargetTensors(labels, gt_boxes * present[..., None],
                               _box_masks(gt_boxes, present), present)
    boxes = torch.tensor([[10.0, 2.0, 20.0, 12.0]]).repeat(4, 2, 1)      # (N=4, T=2, 4)
    logits = torch.zeros((4, 2, k + 1))
    logits[:, :, k] = 5.0                                               # background by default
    for g, n in enumerate(perm):
        boxes[n] = gt_boxes[g]
        logits[n] = 0.0
        logits[n, torch.arange(2), labels[g]] = 5.0
    stage = FakeStage(logits[None], boxes[None], torch.full((1, 4, 2, 8, 8), 6.0), boxes[None])
    (rows, cols), = TrackletMatcher()(stage, [target])
    assert dict(zip(cols.tolist(), rows.tolist())) == {0: 2, 1: 0, 2: 3}


def test_matcher_no_targets_returns_empty():
    stage, target = _random_case(0, n=3, g=2, t=2)
    empty = ClipTargetTensors(torch.zeros((0, 2), dtype=torch.long), torch.zeros((0, 2, 4)),
                              torch.zeros((0, 2, HW, HW), dtype=torch.uint8),
                              torch.zeros((0, 2), dtype=torch.bool))
    batch = FakeStage(*(torch.cat([x, x]) for x in stage))
    out = TrackletMatcher()(batch, [empty, target])
    assert out[0][0].shape == (0,) and out[0][1].dtype == torch.int64
    assert len(out[1][0]) == 2


def test_matcher_more_instances_than_queries_keeps_largest_and_warns(caplog):
    stage, target = _random_case(3, n=2, g=4, t=2)
    area = target.masks.flatten(1).sum(1)
    with caplog.at_level(logging.WARNING, logger="efficientvis.matcher"):
        (rows, cols), = TrackletMatcher()(stage, [target])
    assert len(rows) == 2 and "keeping the 2 largest" in caplog.text
    assert set(cols.tolist()) == set(torch.argsort(area, descending=True, stable=True)[:2].tolist())


def test_matcher_padded_frames_ignored():
    stage, target = _random_case(5, n=3, g=2, t=2)
    longer = FakeStage(*(torch.cat([x, x[:, :, :1] * 0 + 7], dim=2) for x in stage))   # T = 3
    base = TrackletMatcher().cost_matrix(stage, target, 0)
    torch.testing.assert_close(TrackletMatcher().cost_matrix(longer, target, 0), base)


def test_soft_mask_iou_hand_values():
    pred = torch.tensor([[[[1.0, 0.5], [0.0, 0.0]]]])                   # (N=1, T=1, 2, 2)
    gt = torch.tensor([[[[1.0, 1.0], [0.0, 0.0]]]])
    torch.testing.assert_close(soft_mask_iou(pred, gt), torch.tensor([[[0.75]]]), atol=1e-5, rtol=0)


def test_downsample_masks_area_average_with_padding():
    m = torch.zeros((1, 5, 5), dtype=torch.uint8)
    m[0, :4, :4] = 1
    m[0, 4, 4] = 1
    torch.testing.assert_close(downsample_masks(m, 4), torch.tensor([[[1.0, 0.0], [0.0, 1 / 16]]]))


def test_pasted_mask_probs_confident_mask_matches_box_region():
    logits = torch.full((1, 8, 8), 10.0)
    pasted = pasted_mask_probs(logits, torch.tensor([[0.0, 0.0, 16.0, 16.0]]), HW, HW, 4)
    assert pasted.shape == (1, 8, 8)
    gt = torch.zeros((1, 8, 8))
    gt[0, :4, :4] = 1
    assert float(soft_mask_iou(pasted[:, None], gt[:, None])) > 0.8


def test_matcher_match_stages_equals_per_stage_forward():
    matcher = TrackletMatcher()
    stages, targets = [], []
    for seed in range(3):
        stage, target = _random_case(seed, n=4, g=3, t=2)
        stages.append(stage)
        targets = [target]
    together = matcher.match_stages(stages, targets)
    for stage, got in zip(stages, together, strict=True):
        want = matcher(stage, targets)
        assert [(r.tolist(), c.tolist()) for r, c in got] == [(r.tolist(), c.tolist())
                                                              for r, c in want]
