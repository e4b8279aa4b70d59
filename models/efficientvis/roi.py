"""Multi-level RoI align over P2..P5 for (B*N*T) boxes from (B*T) frames (spec §1)."""

from __future__ import annotations

import torch
from torch import Tensor
from torchvision.ops import roi_align

CANONICAL_SCALE: float = 224.0
CANONICAL_LEVEL: int = 4


def map_levels(boxes: Tensor, *, min_level: int = 2, max_level: int = 5) -> Tensor:
    """FPN level of each box: floor(4 + log2(sqrt(area) / 224)) clamped (Eqn. 1 in FPN paper).

    boxes: (P, 4) ``xyxy``. Returns (P,) int64 levels in [min_level, max_level].
    """
    area = ((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])).clamp(min=1e-6)  # (P,)
    lvl = torch.floor(CANONICAL_LEVEL + torch.log2(area.sqrt() / CANONICAL_SCALE) + 1e-6)  # Eqn. 1 FPN
    return lvl.clamp(min_level, max_level).to(torch.int64)


def multilevel_roi_align(features: list[Tensor], boxes: Tensor, *, output_size: int,
                         sampling_ratio: int = 2, first_level: int = 2) -> Tensor:
    """RoI align (aligned=True, i.e. ROIAlignV2) of tracklet proposals on their FPN level.

    Args:
        features: [P2..P5], P_l: (B*T, C, H/2^l, W/2^l), frame (b, t) at row b*T + t.
        boxes: (B, N, T, 4) ``xyxy`` input pixels; box (b, n, t) reads frame (b, t).
        output_size: RoI side R.
        sampling_ratio: bilinear samples per bin side.
        first_level: level of features[0].

    Returns:
        (B, N, T, C, R, R) pooled features.
    """
    B, N, T, _ = boxes.shape
    C = features[0].shape[1]
    rois = boxes.reshape(B * N * T, 4).to(features[0].dtype)             # (B*N*T, 4)
    frame = torch.arange(B, device=boxes.device)[:, None, None] * T \
        + torch.arange(T, device=boxes.device)[None, None, :]             # (B, 1, T)
    frame = frame.expand(B, N, T).reshape(B * N * T, 1).to(rois.dtype)    # (B*N*T, 1)
    rois = torch.cat((frame, rois), dim=1)                                # (B*N*T, 5)
    levels = map_levels(rois[:, 1:], min_level=first_level,
                        max_level=first_level + len(features) - 1)        # (B*N*T,)
    out = rois.new_zeros((B * N * T, C, output_size, output_size))        # (B*N*T, C, R, R)
    for i, feat in enumerate(features):
        idx = torch.nonzero(levels == first_level + i).squeeze(1)          # (P_l,)
        if idx.numel() == 0:
            continue
        out[idx] = roi_align(feat, rois[idx], output_size, spatial_scale=2.0 ** -(first_level + i),
                             sampling_ratio=sampling_ratio, aligned=True)  # (P_l, C, R, R)
    return out.view(B, N, T, C, output_size, output_size)                 # (B, N, T, C, R, R)
