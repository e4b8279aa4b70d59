"""Box conversions, delta decoding and GIoU on literal values."""

import math

import pytest
import torch
from efficientvis.box_ops import (
    SCALE_CLAMP,
    apply_deltas,
    box_cxcywh_to_xyxy,
    box_xyxy_to_cxcywh,
    elementwise_giou,
    pairwise_giou,
    pairwise_iou,
)


def test_box_cxcywh_to_xyxy_literal_matches_hand_values():
    out = box_cxcywh_to_xyxy(torch.tensor([[5.0, 5.0, 4.0, 2.0], [0.5, 0.5, 1.0, 1.0]]))
    assert torch.equal(out, torch.tensor([[3.0, 4.0, 7.0, 6.0], [0.0, 0.0, 1.0, 1.0]]))


def test_box_xyxy_to_cxcywh_round_trip_is_identity():
    boxes = torch.tensor([[[3.0, 4.0, 7.0, 6.0]], [[-1.0, 2.0, 9.5, 3.0]]])   # (2, 1, 4)
    assert torch.equal(box_xyxy_to_cxcywh(boxes)[0, 0], torch.tensor([5.0, 5.0, 4.0, 2.0]))
    assert torch.allclose(box_cxcywh_to_xyxy(box_xyxy_to_cxcywh(boxes)), boxes)


def test_apply_deltas_zero_deltas_returns_input_boxes():
    boxes = torch.tensor([[0.0, 0.0, 10.0, 20.0], [5.0, 6.0, 7.0, 9.0]])
    assert torch.allclose(apply_deltas(torch.zeros(2, 4), boxes), boxes)


def test_apply_deltas_weights_2_2_1_1_literal():
    # dx = 2/2 = 1 -> cx = 5 + 1*10; dy = -2/2 -> cy = 10 - 20; w = 10*e^{log 2}; h = 20
    boxes = torch.tensor([0.0, 0.0, 10.0, 20.0])
    out = apply_deltas(torch.tensor([2.0, -2.0, math.log(2.0), 0.0]), boxes)
    assert torch.allclose(out, torch.tensor([5.0, -20.0, 25.0, 0.0]))


def test_apply_deltas_huge_scale_is_clamped():
    out = apply_deltas(torch.tensor([0.0, 0.0, 100.0, 100.0]), torch.tensor([0.0, 0.0, 1.0, 1.0]))
    side = math.exp(SCALE_CLAMP)                      # 6250
    assert out[2] - out[0] == pytest.approx(side, rel=1e-5)
    assert out[3] - out[1] == pytest.approx(side, rel=1e-5)


def test_elementwise_giou_disjoint_boxes_literal():
    # iou 0, union 2, hull 3 -> GIoU = -(3 - 2) / 3
    g = elementwise_giou(torch.tensor([[0.0, 0.0, 1.0, 1.0]]), torch.tensor([[2.0, 0.0, 3.0, 1.0]]))
    assert g.item() == pytest.approx(-1.0 / 3.0, abs=1e-6)


def test_elementwise_giou_equals_pairwise_diagonal():
    gen = torch.Generator().manual_seed(0)
    xy = torch.rand(6, 2, generator=gen) * 10
    a = torch.cat((xy, xy + 1 + torch.rand(6, 2, generator=gen) * 5), 1)
    xy = torch.rand(6, 2, generator=gen) * 10
    b = torch.cat((xy, xy + 1 + torch.rand(6, 2, generator=gen) * 5), 1)
    assert torch.allclose(elementwise_giou(a, b), pairwise_giou(a, b).diagonal(), atol=1e-6)


def test_pairwise_iou_half_overlap_literal():
    iou = pairwise_iou(torch.tensor([[0.0, 0.0, 2.0, 1.0]]), torch.tensor([[1.0, 0.0, 3.0, 1.0],
                                                                          [0.0, 0.0, 2.0, 1.0]]))
    assert torch.allclose(iou, torch.tensor([[1.0 / 3.0, 1.0]]))
