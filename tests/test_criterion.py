"""Clip loss, Eq. 5 with deep supervision (efficientvis.criterion)."""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F
from efficientvis.batch import ClipTargetTensors
from efficientvis.criterion import ClipCriterion, roi_mask_targets
from efficientvis.matcher import TrackletMatcher
from torch import Tensor

K, HW = 2, 32


class FakeStage(NamedTuple):
    logits: Tensor      # (B, N, T, K+1)
    boxes: Tensor       # (B, N, T, 4)
    masks: Tensor       # (B, N, T, h, w)
    mask_boxes: Tensor  # (B, N, T, 4)
    masks_at: object = None   # StageOutput.masks_at: None = index `masks`


class FakeOutput(NamedTuple):
    stages: tuple
    queries: Tensor


class RaisingMatcher(TrackletMatcher):
    def match_stages(self, stages, targets):
        raise AssertionError("matcher must not run when indices are given")


def _target(present: list[bool], box=(4.0, 4.0, 20.0, 12.0), label: int = 1) -> ClipTargetTensors:
    """One instance over len(present) frames; its mask fills ``box`` on present frames."""
    t = len(present)
    pres = torch.tensor([present])
    boxes = torch.tensor(box).repeat(1, t, 1) * pres[..., None]          # (1, T, 4)
    masks = torch.zeros((1, t, HW, HW), dtype=torch.uint8)
    x0, y0, x1, y1 = (int(v) for v in box)
    masks[0, pres[0], y0:y1, x0:x1] = 1
    labels = torch.where(pres, label, K)
    return ClipTargetTensors(labels, boxes, masks, pres)


def _stage(n: int, t: int, box=(4.0, 4.0, 20.0, 12.0), mask_logit: float = 0.0,
           logits: Tensor | None = None) -> FakeStage:
    boxes = torch.tensor(box).repeat(1, n, t, 1)                         # (1, N, T, 4)
    if logits is None:
        logits = torch.zeros((1, n, t, K + 1))
    return FakeStage(logits, boxes, torch.full((1, n, t, 8, 8), mask_logit), boxes.clone())


def _one_match() -> list[tuple[Tensor, Tensor]]:
    return [(torch.tensor([0]), torch.tensor([0]))]


def test_criterion_perfect_prediction_zero_box_giou_small_dice():
    crit = ClipCriterion(TrackletMatcher(), num_classes=K)
    losses = crit.stage_losses(_stage(2, 3, mask_logit=20.0), [_target([True] * 3)], _one_match())
    assert float(losses["loss_box"]) == 0.0
    assert abs(float(losses["loss_giou"])) < 1e-6
    assert float(losses["loss_dice"]) < 1e-4 and float(losses["loss_mask"]) < 1e-6


def test_criterion_class_loss_equals_weighted_cross_entropy():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn((1, 3, 2, K + 1), generator=gen)
    crit = ClipCriterion(TrackletMatcher(), num_classes=K, eos_coef=0.1)
    target = _target([True, False], label=1)
    idx = [(torch.tensor([2]), torch.tensor([0]))]
    got = crit.loss_class(_stage(3, 2, logits=logits), [target], idx)
    # Query 2 frame 0 -> class 1, everything else background (K); weights 1 / 0.1.
    y = torch.full((3, 2), K)
    y[2, 0] = 1
    ce = F.cross_entropy(logits[0].reshape(-1, K + 1), y.reshape(-1), reduction="none")
    w = torch.where(y.reshape(-1) == K, 0.1, 1.0)
    torch.testing.assert_close(got, (w * ce).sum() / w.sum())


def test_criterion_box_loss_normalised_l1_value():
    crit = ClipCriterion(TrackletMatcher(), num_classes=K)
    stage = _stage(1, 2, box=(4.0, 4.0, 20.0, 20.0))                     # y2 off by 8 px
    losses = crit.stage_losses(stage, [_target([True, False])], _one_match())
    torch.testing.assert_close(losses["loss_box"], torch.tensor(8 / HW))  # one present frame
    giou = 128 / 256                                                      # inter 128, union 256
    torch.testing.assert_close(losses["loss_giou"], torch.tensor(1 - giou))


def test_criterion_bce_covers_absent_frames_dice_present_only():
    crit = ClipCriterion(TrackletMatcher(), num_classes=K)
    target = _target([True, False])
    flat = crit.stage_losses(_stage(1, 2, mask_logit=0.0), [target], _one_match())
    torch.testing.assert_close(flat["loss_mask"], torch.tensor(math.log(2)))   # both frames
    # Dice at p = 0.5 on a full-box target: 1 - 2*0.5n / (0.25n + n + 1e-5) = 0.2.
    torch.testing.assert_close(flat["loss_dice"], torch.tensor(0.2), atol=1e-5, rtol=0)
    stage = _stage(1, 2, mask_logit=0.0)
    stage.masks[0, 0, 1] = -30.0                                          # absent frame -> 0
    fixed = crit.stage_losses(stage, [target], _one_match())
    torch.testing.assert_close(fixed["loss_mask"], torch.tensor(math.log(2) / 2), atol=1e-6,
                               rtol=0)
    torch.testing.assert_close(fixed["loss_dice"], flat["loss_dice"])     # absent not in dice


def test_criterion_unmatched_query_gets_class_loss_only():
    crit = ClipCriterion(TrackletMatcher(), num_classes=K)
    target = ClipTargetTensors(torch.zeros((0, 2), dtype=torch.long), torch.zeros((0, 2, 4)),
                               torch.zeros((0, 2, HW, HW), dtype=torch.uint8),
                               torch.zeros((0, 2), dtype=torch.bool))
    stage = _stage(2, 2)
    stage.boxes.requires_grad_(True)
    empty = [(torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long))]
    losses = crit.stage_losses(stage, [target], empty)
    torch.testing.assert_close(losses["loss_class"], torch.tensor(math.log(K + 1)))
    for key in ("loss_box", "loss_giou", "loss_mask", "loss_dice"):
        assert float(losses[key].detach()) == 0.0


def test_roi_mask_targets_crop_of_box_is_full():
    masks = torch.zeros((2, HW, HW), dtype=torch.uint8)
    masks[0, 4:12, 4:20] = 1
    out = roi_mask_targets(masks, torch.tensor([[4.0, 4.0, 20.0, 12.0], [4.0, 4.0, 20.0, 12.0]]),
                           (8, 8))
    assert out.shape == (2, 8, 8)
    assert out[0].min() == 1.0 and out[1].max() == 0.0
    half = roi_mask_targets(masks[:1], torch.tensor([[4.0, 4.0, 36.0, 12.0]]), (8, 8))
    assert half[0, :, :4].min() == 1.0 and half[0, :, 4:].max() == 0.0


def test_criterion_indices_reused_at_every_stage_and_keys():
    crit = ClipCriterion(RaisingMatcher(), num_classes=K)
    stages = (_stage(2, 2, mask_logit=1.0), _stage(2, 2, box=(0.0, 0.0, 10.0, 10.0)))
    target = _target([True, True])
    losses = crit(FakeOutput(stages, torch.zeros(1, 2, 2, 4)), [target], _one_match())
    names = ("loss_class", "loss_box", "loss_giou", "loss_mask", "loss_dice")
    assert set(losses) == {f"{n}_s{s}" for n in names for s in (0, 1)} | {"loss"}
    for s, stage in enumerate(stages):
        ref = crit.stage_losses(stage, [target], _one_match())
        for n in names:
            torch.testing.assert_close(losses[f"{n}_s{s}"], ref[n])
    weights = crit.stage_weight_dict(2)
    total = sum(weights[k] * v for k, v in losses.items() if k != "loss")
    torch.testing.assert_close(losses["loss"], total)
    assert weights["loss_dice_s1"] == 8.0 and weights["loss_class_s0"] == 2.0


def test_criterion_matches_each_stage_separately():
    crit = ClipCriterion(TrackletMatcher(), num_classes=K)
    target = _target([True, True])
    good0 = _stage(2, 2, box=(0.0, 0.0, 2.0, 2.0))
    good0.boxes[0, 0] = torch.tensor([4.0, 4.0, 20.0, 12.0])             # stage 0: query 0 fits
    good1 = _stage(2, 2, box=(0.0, 0.0, 2.0, 2.0))
    good1.boxes[0, 1] = torch.tensor([4.0, 4.0, 20.0, 12.0])             # stage 1: query 1 fits
    out = FakeOutput((good0, good1), torch.zeros(1, 2, 2, 4))
    per_stage = crit.match(out, [target])
    assert per_stage[0][0][0].tolist() == [0] and per_stage[1][0][0].tolist() == [1]
    losses = crit(out, [target])
    assert float(losses["loss_box_s0"]) == 0.0 and float(losses["loss_box_s1"]) == 0.0


def test_criterion_gradients_reach_all_prediction_tensors():
    crit = ClipCriterion(TrackletMatcher(), num_classes=K)
    stage = _stage(2, 2, box=(2.0, 3.0, 18.0, 14.0), mask_logit=0.3)
    for x in stage[:4]:
        x.requires_grad_(True)
    losses = crit(FakeOutput((stage,), torch.zeros(1, 2, 2, 4)), [_target([True, False])])
    losses["loss"].backward()
    assert stage.logits.grad.abs().sum() > 0 and stage.boxes.grad.abs().sum() > 0
    assert stage.masks.grad.abs().sum() > 0
    assert stage.mask_boxes.grad is None  # targets: detached boxes


def test_roi_mask_targets_index_selects_source_rows():
    masks = torch.zeros((3, HW, HW), dtype=torch.uint8)
    masks[2, 4:12, 4:20] = 1
    box = torch.tensor([[4.0, 4.0, 20.0, 12.0]]).repeat(2, 1)
    out = roi_mask_targets(masks, box, (8, 8), index=torch.tensor([2, 0]))
    assert out[0].min() == 1.0 and out[1].max() == 0.0
