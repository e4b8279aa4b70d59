"""Small pure box functions. Boxes are absolute ``xyxy`` pixels unless the name says ``cxcywh``."""

from __future__ import annotations

import math

import torch
from torch import Tensor
from torchvision.ops import box_iou, generalized_box_iou

DELTA_WEIGHTS: tuple[float, float, float, float] = (2.0, 2.0, 1.0, 1.0)
SCALE_CLAMP: float = math.log(100000.0 / 16)


def box_cxcywh_to_xyxy(boxes: Tensor) -> Tensor:
    """boxes: (..., 4) (cx, cy, w, h). Returns (..., 4) (x1, y1, x2, y2)."""
    cx, cy, w, h = boxes.unbind(-1)
    return torch.stack((cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h), dim=-1)  # (..., 4)


def box_xyxy_to_cxcywh(boxes: Tensor) -> Tensor:
    """boxes: (..., 4) (x1, y1, x2, y2). Returns (..., 4) (cx, cy, w, h)."""
    x1, y1, x2, y2 = boxes.unbind(-1)
    return torch.stack(((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1), dim=-1)  # (..., 4)


def apply_deltas(deltas: Tensor, boxes: Tensor, *,
                 weights: tuple[float, float, float, float] = DELTA_WEIGHTS,
                 scale_clamp: float = SCALE_CLAMP) -> Tensor:
    """Refine ``boxes`` by regression ``deltas`` (dx, dy, dw, dh) (spec §5, Sparse R-CNN coder).

    Args:
        deltas: (..., 4) raw head outputs.
        boxes: (..., 4) ``xyxy`` absolute pixels.
        weights: divisors of (dx, dy, dw, dh); (2, 2, 1, 1) equals target stds (.5, .5, 1, 1).
        scale_clamp: upper clamp of dw, dh (log(1e5/16)); no border clipping.

    Returns:
        (..., 4) refined ``xyxy`` boxes.
    """
    widths = boxes[..., 2] - boxes[..., 0]                                # (...)
    heights = boxes[..., 3] - boxes[..., 1]                               # (...)
    ctr_x = boxes[..., 0] + 0.5 * widths
    ctr_y = boxes[..., 1] + 0.5 * heights
    wx, wy, ww, wh = weights
    dx, dy = deltas[..., 0] / wx, deltas[..., 1] / wy
    dw = (deltas[..., 2] / ww).clamp(max=scale_clamp)
    dh = (deltas[..., 3] / wh).clamp(max=scale_clamp)
    cx, cy = dx * widths + ctr_x, dy * heights + ctr_y
    w, h = torch.exp(dw) * widths, torch.exp(dh) * heights
    return torch.stack((cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h), dim=-1)  # (..., 4)


def pairwise_giou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """Generalized IoU of every pair. boxes1: (P, 4), boxes2: (Q, 4) ``xyxy``. Returns (P, Q)."""
    return generalized_box_iou(boxes1, boxes2)


def pairwise_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """IoU of every pair. boxes1: (P, 4), boxes2: (Q, 4) ``xyxy``. Returns (P, Q)."""
    return box_iou(boxes1, boxes2)


def elementwise_giou(boxes1: Tensor, boxes2: Tensor, eps: float = 1e-7) -> Tensor:
    """Generalized IoU of aligned pairs. boxes1, boxes2: (..., 4) ``xyxy``. Returns (...)."""
    area1 = (boxes1[..., 2] - boxes1[..., 0]) * (boxes1[..., 3] - boxes1[..., 1])
    area2 = (boxes2[..., 2] - boxes2[..., 0]) * (boxes2[..., 3] - boxes2[..., 1])
    lt = torch.maximum(boxes1[..., :2], boxes2[..., :2])                  # (..., 2)
    rb = torch.minimum(boxes1[..., 2:], boxes2[..., 2:])                  # (..., 2)
    inter = (rb - lt).clamp(min=0).prod(-1)                               # (...)
    union = area1 + area2 - inter
    iou = inter / (union + eps)
    lt_c = torch.minimum(boxes1[..., :2], boxes2[..., :2])                # (..., 2)
    rb_c = torch.maximum(boxes1[..., 2:], boxes2[..., 2:])                # (..., 2)
    hull = (rb_c - lt_c).clamp(min=0).prod(-1)                            # (...)
    return iou - (hull - union) / (hull + eps)
