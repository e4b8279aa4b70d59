"""Paste RoI mask probabilities into a full canvas (Mask R-CNN style, spec §5)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def paste_masks(masks: Tensor, boxes: Tensor, height: int, width: int) -> Tensor:
    """Bilinearly resample box-relative masks onto a ``height`` x ``width`` canvas.

    Canvas pixel (y, x) has its centre at (y + 0.5, x + 0.5). Pixels whose centre lies inside a
    box read the box's mask at the matching relative position (``grid_sample``, border-clamped
    so a constant mask stays constant up to the box edge); pixels outside the box are 0.

    Args:
        masks: (P, h, w) values (probabilities) defined inside ``boxes``.
        boxes: (P, 4) ``xyxy`` in canvas pixels.
        height: canvas height H.
        width: canvas width W.

    Returns:
        (P, H, W) pasted values, same dtype as ``masks``.
    """
    P = masks.shape[0]
    if P == 0:
        return masks.new_zeros((0, height, width))
    dtype = masks.dtype if masks.is_floating_point() else torch.float32
    boxes = boxes.to(dtype)
    x0, y0, x1, y1 = boxes[:, 0:1], boxes[:, 1:2], boxes[:, 2:3], boxes[:, 3:4]  # (P, 1)
    xs = torch.arange(width, device=masks.device, dtype=dtype) + 0.5       # (W,)
    ys = torch.arange(height, device=masks.device, dtype=dtype) + 0.5      # (H,)
    gx = (xs[None] - x0) / (x1 - x0).clamp(min=1e-6) * 2 - 1              # (P, W)
    gy = (ys[None] - y0) / (y1 - y0).clamp(min=1e-6) * 2 - 1              # (P, H)
    grid = torch.stack((gx[:, None, :].expand(P, height, width),
                        gy[:, :, None].expand(P, height, width)), dim=-1)  # (P, H, W, 2)
    out = F.grid_sample(masks[:, None].to(dtype), grid, mode="bilinear",
                        padding_mode="border", align_corners=False)[:, 0]  # (P, H, W)
    inside = (gx.abs() <= 1)[:, None, :] & (gy.abs() <= 1)[:, :, None]    # (P, H, W)
    return out * inside
