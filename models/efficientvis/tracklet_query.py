"""Tracklet query q* and tracklet proposal (paper §3.1, spec §2) and the query hand-over."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from efficientvis.box_ops import box_cxcywh_to_xyxy


class TrackletQuery(nn.Module):
    """Learned initial tracklet queries q*: one embedding per slot, repeated over T."""

    def __init__(self, num_queries: int, channels: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(num_queries, channels)             # q*: (N, C)

    def initial(self) -> Tensor:
        """q*: (N, C)."""
        return self.embedding.weight

    def forward(self, batch_size: int, num_frames: int, init_queries: Tensor | None = None) -> Tensor:
        """init_queries: (B, N, C) or None (= q*). Returns (B, N, T, C) (paper footnote 1: repeat T)."""
        if init_queries is None:
            init_queries = self.embedding.weight[None].expand(batch_size, -1, -1)  # (B, N, C)
        return init_queries[:, :, None, :].expand(-1, -1, num_frames, -1)        # (B, N, T, C)


class TrackletProposal(nn.Module):
    """Learned initial tracklet proposals: normalised cxcywh per slot, init (0.5, 0.5, 1, 1)."""

    def __init__(self, num_queries: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(num_queries, 4)                    # (N, 4) cxcywh in [0, 1]
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Whole-frame boxes (spec §2, Sparse R-CNN init)."""
        with torch.no_grad():
            self.embedding.weight[:, :2].fill_(0.5)
            self.embedding.weight[:, 2:].fill_(1.0)

    def forward(self, image_sizes: Tensor, num_frames: int) -> Tensor:
        """image_sizes: (B, 2) (H, W) unpadded. Returns (B, N, T, 4) ``xyxy`` pixels.

        spec §12.10: one box per slot repeated over T (keeps the model T-agnostic).
        """
        xyxy = box_cxcywh_to_xyxy(self.embedding.weight)                 # (N, 4) normalised
        hw = image_sizes.to(xyxy.dtype)                                  # (B, 2)
        scale = torch.stack((hw[:, 1], hw[:, 0], hw[:, 1], hw[:, 0]), dim=-1)  # (B, 4) (W, H, W, H)
        boxes = xyxy[None] * scale[:, None]                              # (B, N, 4)
        return boxes[:, :, None].expand(-1, -1, num_frames, -1)          # (B, N, T, 4)


def handover_queries(queries: Tensor, frame_valid: Tensor | None = None) -> Tensor:
    """Time average of tracklet queries over real frames (paper §3.3, spec §12.14).

    Args:
        queries: (B, N, T, C) output tracklet queries of a clip.
        frame_valid: (B, T) bool, True on real frames; None = all frames real.

    Returns:
        (B, N, C) initial queries for the next clip.
    """
    if frame_valid is None:
        return queries.mean(dim=2)                                       # (B, N, C)
    w = frame_valid.to(queries.dtype)[:, None, :, None]                  # (B, 1, T, 1)
    return (queries * w).sum(dim=2) / w.sum(dim=2).clamp(min=1)          # (B, N, C)
